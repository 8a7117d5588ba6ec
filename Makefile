# creditflow: `make demo` and `make test` are the two set-up commands.
# Both create the virtual environment (.venv) on first use, from the pinned
# versions in constraints.txt.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: demo test test-sqlite test-postgres lint bench lock clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/creditflow demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# The whole suite on SQLite, then every database test again on PostgreSQL.
test: lint test-sqlite test-postgres

test-sqlite: $(STAMP)
	$(BIN)/pytest -q

test-postgres: $(STAMP)
	CREDITFLOW_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/pytest -q -m "db" tests

bench: $(STAMP)
	$(BIN)/python bench/collection_run.py --customers 200000
	$(BIN)/python bench/statement_matching.py
	$(BIN)/python bench/channels.py
	$(BIN)/python bench/dispatch.py --pg $(PG_TEST_URL)

lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e ' > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache creditflow.db* outbox demo
