"""The command line as a user runs it: the console script in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.contract import ACTION_JSON_KEYS

CREDITFLOW = Path(sys.executable).with_name("creditflow")

CUSTOMERS = """customer_id,name,kind,email,phone,address_line1,postal_code,city
C001,Jan de Vries,consumer,jan@example.nl,0612345678,Dorpsstraat 1,1234 AB,Utrecht
C002,Bakkerij Brood B.V.,business,info@bakkerij.nl,020-1234567,Markt 3,3511 AA,Utrecht
"""
INVOICES = """invoice_number,customer_id,issue_date,due_date,amount
INV-1,C001,2026-01-01,2026-02-20,120.00
INV-2,C002,2026-01-01,2026-02-01,900.00
INV-3,C002,2026-01-01,2026-02-01,"9,00"
"""
BAD_SCHEMA = """segments:
  - name: everyone
strategies:
  everyone:
    steps:
      - id: reminder
        at: due+7d
        channels: [email, fax]
        template: reminder
      - id: call
        at: due+9d
        task: phone
"""
BAD_RULES = """segments:
  - name: everyone
    when: kind == "consumer"
strategies:
  everyone:
    steps:
      - id: reminder
        at: someday
        channels: [email]
        template: reminder
      - id: costs
        at: due+30d
        charge: collection_costs
        when: amount > 10
"""


@pytest.fixture
def cli(database_url: str, tmp_path: Path):
    env = {
        **os.environ,
        "CREDITFLOW_DATABASE_URL": database_url,
        "CREDITFLOW_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    env.pop("CREDITFLOW_CONFIG", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CREDITFLOW), *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run


def test_a_credit_manager_imports_runs_and_lists_actions(cli, tmp_path: Path):
    (tmp_path / "customers.csv").write_text(CUSTOMERS)
    (tmp_path / "invoices.csv").write_text(INVOICES)
    assert cli("init").returncode == 0
    imported = cli("import", "customers", "customers.csv")
    assert (imported.returncode, imported.stdout.strip()) == (
        0,
        "imported 2, updated 0, unchanged 0, rejected 0",
    )
    invoices = cli("import", "invoices", "invoices.csv")
    assert invoices.returncode == 1  # one row rejected
    assert invoices.stdout.startswith("imported 2, updated 0, unchanged 0, rejected 1")
    rejects = (tmp_path / "invoices.csv.rejects.csv").read_text()
    assert ",4,\"amount: '9,00' uses a comma; write decimals with a dot (12.50)\"" in rejects

    planned = cli("run", "--as-of", "2026-03-02", "--dry-run", "--json")
    assert planned.returncode == 0
    rows = [json.loads(line) for line in planned.stdout.splitlines()]
    assert {r["status"] for r in rows} == {"planned"}

    done = cli("run", "--as-of", "2026-03-02", "--json")
    actions = [json.loads(line) for line in done.stdout.splitlines()]
    assert {a["customer_id"] for a in actions} == {"C001", "C002"}
    for action in actions:
        assert list(action) == ACTION_JSON_KEYS
        assert action["status"] == "queued"
    again = cli("run", "--as-of", "2026-03-02", "--json")
    assert again.stdout == ""  # idempotent: nothing new the same day

    listed = cli("actions", "--json", "--customer", "C002")
    [row] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert row["invoices"] == ["INV-2"] and row["amount_due"] == "900.00"


def test_an_invalid_strategy_is_refused_with_every_error_and_its_line(cli, tmp_path: Path):
    (tmp_path / "bad.yaml").write_text(BAD_SCHEMA)
    checked = cli("strategy", "check", "bad.yaml")
    assert checked.returncode == 1
    errors = checked.stderr.splitlines()
    assert any(e.startswith("bad.yaml:8:") and "fax" in e for e in errors), checked.stderr
    assert any(e.startswith("bad.yaml:12:") and "task" in e for e in errors)
    assert cli("strategy", "load", "bad.yaml").returncode == 1
    (tmp_path / "rules.yaml").write_text(BAD_RULES)
    errors = cli("strategy", "check", "rules.yaml").stderr.splitlines()
    assert any(e.startswith("rules.yaml:3:") and "last segment" in e for e in errors)
    assert any(e.startswith("rules.yaml:8:") and "someday" in e for e in errors)
    assert any(e.startswith("rules.yaml:14:") and "unknown feature 'amount'" in e for e in errors)


def test_a_strategy_that_charges_collection_costs_twice_is_refused_by_check_and_load(
    cli, tmp_path: Path
):
    from creditflow.strategy.service import default_strategy_text

    twice = default_strategy_text().replace(
        "      - id: handover\n        at: final_notice+30d\n        escalate: agency\n"
        "        when: overdue_total >= 50\n",
        "      - id: costs_again\n        at: final_notice+45d\n"
        "        charge: collection_costs\n"
        "      - id: handover\n        at: final_notice+30d\n        escalate: agency\n"
        "        when: overdue_total >= 50\n",
    )
    (tmp_path / "twice.yaml").write_text(twice)
    charges = [
        n for n, text in enumerate(twice.splitlines(), 1) if text.endswith("collection_costs")
    ]
    line = charges[1]  # the consumers' second costs step
    checked = cli("strategy", "check", "twice.yaml")
    assert checked.returncode == 1
    assert checked.stderr.startswith(f"twice.yaml:{line}: consumers: step 'costs_again'")
    assert "once per invoice" in checked.stderr
    assert cli("init").returncode == 0
    assert cli("strategy", "load", "twice.yaml").returncode == 1


def test_the_shipped_strategy_checks_and_loads(cli, tmp_path: Path):
    from creditflow.strategy.service import default_strategy_text

    (tmp_path / "default.yaml").write_text(default_strategy_text())
    assert cli("strategy", "check", "default.yaml").returncode == 0
    assert cli("init").returncode == 0
    assert cli("strategy", "load", "default.yaml").returncode == 0


def test_usage_errors_exit_with_2(cli):
    assert cli("import", "invoices", "missing.csv").returncode == 2
    assert cli("run", "--as-of", "yesterday").returncode == 2
    assert cli("frobnicate").returncode == 2
