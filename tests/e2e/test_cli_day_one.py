"""Day one with the command line, as a user runs it (subprocesses of `creditflow`):
clear errors and exit codes instead of tracebacks, and a complete strategy check."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.support.any_hour import ANY_HOUR_RULES
from tests.unit.test_strategy_check import BILLION_LAUGHS

CREDITFLOW = Path(sys.executable).with_name("creditflow")

CUSTOMERS = """customer_id,name,kind,email,phone,address_line1,postal_code,city
C001,Jan de Vries,consumer,jan@example.nl,0612345678,Dorpsstraat 1,1234 AB,Utrecht
C002,Bakkerij Brood B.V.,business,info@bakkerij.nl,020-1234567,Markt 3,3511 AA,Utrecht
"""
INVOICES = """invoice_number,customer_id,issue_date,due_date,amount
INV-1,C001,2026-01-01,2026-02-20,120.00
INV-2,C002,2026-01-01,2026-02-01,900.00
"""
ORGANISATION = (
    """[organisation]
name = "Voorbeeld B.V."
iban = "{iban}"
"""
    + ANY_HOUR_RULES
)


@pytest.fixture
def cli(database_url: str, tmp_path: Path):
    env = {
        **os.environ,
        "CREDITFLOW_DATABASE_URL": database_url,
        "CREDITFLOW_OUTBOX_DIR": str(tmp_path / "outbox"),
        "COLUMNS": "80",
    }
    env.pop("CREDITFLOW_CONFIG", None)

    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CREDITFLOW), *args],
            cwd=tmp_path,
            env={**env, **extra_env},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    return run


def _no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    shown = done.stdout + done.stderr
    assert "Traceback" not in shown and 'File "' not in shown, shown


def test_a_yaml_alias_bomb_is_refused_with_its_line(cli, tmp_path: Path):
    (tmp_path / "bomb.yaml").write_text(BILLION_LAUGHS)
    checked = cli("strategy", "check", "bomb.yaml")
    assert checked.returncode == 1
    assert checked.stderr.startswith("bomb.yaml:7: too many aliases"), checked.stderr


def test_a_step_naming_a_template_that_does_not_exist_fails_the_check(cli, tmp_path: Path):
    from creditflow.strategy.service import default_strategy_text

    text = default_strategy_text().replace("template: reminder\n", "template: nonexistent\n", 1)
    (tmp_path / "typo.yaml").write_text(text)
    checked = cli("strategy", "check", "typo.yaml")
    assert checked.returncode == 1
    line = text.splitlines().index("        template: nonexistent") + 1
    assert checked.stderr.startswith(f"typo.yaml:{line}: consumers.reminder1: no message template")
    assert cli("init").returncode == 0
    assert cli("strategy", "load", "typo.yaml").returncode == 1


def test_a_template_of_the_organisations_own_folder_passes_the_check(cli, tmp_path: Path):
    from creditflow.strategy.service import default_strategy_text

    own = tmp_path / "templates" / "en"
    own.mkdir(parents=True)
    (own / "house_style.j2").write_text("{% macro body() %}Please pay.{% endmacro %}\n")
    (tmp_path / "creditflow.toml").write_text('[messages]\ntemplate_dir = "templates"\n')
    text = default_strategy_text().replace("template: reminder\n", "template: house_style\n", 1)
    (tmp_path / "own.yaml").write_text(text)
    checked = cli("strategy", "check", "own.yaml")
    assert checked.returncode == 0, checked.stderr


def _ledger_with_queued_actions(cli, tmp_path: Path) -> None:
    (tmp_path / "customers.csv").write_text(CUSTOMERS)
    (tmp_path / "invoices.csv").write_text(INVOICES)
    assert cli("init").returncode == 0
    assert cli("import", "customers", "customers.csv").returncode == 0
    assert cli("import", "invoices", "invoices.csv").returncode == 0
    assert cli("run", "--as-of", "2026-03-02").returncode == 0


def _statuses(cli) -> list[str]:
    import json

    listed = cli("actions", "--json")
    return [json.loads(line)["status"] for line in listed.stdout.splitlines()]


def test_dispatch_without_an_organisation_iban_is_a_configuration_error_and_sends_nothing(
    cli, tmp_path: Path
):
    _ledger_with_queued_actions(cli, tmp_path)
    queued = _statuses(cli)
    assert queued and set(queued) == {"queued"}
    sent = cli("dispatch", "--until", "2026-03-03T00:00:00+00:00")
    assert sent.returncode == 2
    assert "[organisation] iban is not set in creditflow.toml" in sent.stderr
    assert "bank transfer details" in sent.stderr
    _no_traceback(sent)
    assert _statuses(cli) == queued  # still queued: not failed, not attempted
    assert not (tmp_path / "outbox").exists() or not any((tmp_path / "outbox").rglob("*.*"))


def test_dispatch_with_a_mistyped_iban_names_the_setting(cli, tmp_path: Path):
    _ledger_with_queued_actions(cli, tmp_path)
    (tmp_path / "creditflow.toml").write_text(ORGANISATION.format(iban="NL91ABNA0417164301"))
    sent = cli("dispatch", "--until", "2026-03-03T00:00:00+00:00")
    assert sent.returncode == 2
    assert "[organisation] iban 'NL91ABNA0417164301' is not a valid IBAN" in sent.stderr
    assert set(_statuses(cli)) == {"queued"}


def test_dispatch_with_the_organisation_configured_sends(cli, tmp_path: Path):
    _ledger_with_queued_actions(cli, tmp_path)
    (tmp_path / "creditflow.toml").write_text(ORGANISATION.format(iban="NL91 ABNA 0417 1643 00"))
    sent = cli("dispatch", "--until", "2026-03-03T00:00:00+00:00")
    assert sent.returncode == 0, sent.stderr
    assert "queued" not in _statuses(cli)


def test_init_refuses_an_iban_with_wrong_check_digits(cli, tmp_path: Path):
    (tmp_path / "creditflow.toml").write_text(ORGANISATION.format(iban="NL91ABNA0417164301"))
    refused = cli("init")
    assert refused.returncode == 2
    assert "[organisation] iban 'NL91ABNA0417164301' is not a valid IBAN" in refused.stderr
    _no_traceback(refused)
    (tmp_path / "creditflow.toml").write_text(ORGANISATION.format(iban="NL91ABNA0417164300"))
    assert cli("init").returncode == 0


def test_the_demo_keeps_to_its_own_folder_runs_twice_and_a_run_afterwards_carries_on(
    cli, tmp_path: Path
):
    import json

    for _ in range(2):
        shown = cli("demo", "--customers", "80", "--days", "3")
        assert shown.returncode == 0, shown.stderr
        _no_traceback(shown)
        assert "{'" not in shown.stdout and "Decimal(" not in shown.stdout  # no reprs
        assert max(len(line) for line in shown.stdout.splitlines() if "/" not in line) <= 80
    assert (tmp_path / "demo" / "demo.db").is_file()
    assert any((tmp_path / "demo" / "outbox").iterdir())
    assert not (tmp_path / "outbox").exists()
    # CREDITFLOW_DATABASE_URL was not touched: it is still an empty database.
    untouched = cli("actions")
    assert untouched.returncode == 2 and "run `creditflow init` first" in untouched.stderr
    # The demo leaves a configuration to carry on with: its database, outbox, creditor.
    carry_on = {"CREDITFLOW_CONFIG": str(tmp_path / "demo" / "creditflow.toml")}
    carry_on["CREDITFLOW_DATABASE_URL"] = ""
    # The sample company is dated up to yesterday: the days after it bring a few new
    # steps, not a backlog of months of final notices and hand-overs. (One quiet day
    # can have none at 80 customers, so look three days ahead.)
    three_days_on = (date.today() + timedelta(days=3)).isoformat()
    first = cli("run", "--json", "--as-of", three_days_on, **carry_on)
    assert first.returncode == 0, first.stderr
    steps = [json.loads(line)["step"] for line in first.stdout.splitlines()]
    assert steps, "the days after the demo have something to do"
    assert steps.count("handover") == 0
    assert steps.count("final_notice") <= len(steps) // 2
    assert len(steps) < 80
    for _ in range(2):
        again = cli("run", **carry_on)
        assert again.returncode == 0
        _no_traceback(again)
    sent = cli("dispatch", **carry_on)
    assert sent.returncode == 0, sent.stderr


def test_the_demo_refuses_a_folder_it_did_not_make_and_a_database_in_use(
    cli, tmp_path: Path, database_url: str
):
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "notes.txt").write_text("mine")
    refused = cli("demo", "--customers", "5", "--days", "1")
    assert refused.returncode == 2 and "was not made by the demo" in refused.stderr
    assert (tmp_path / "demo" / "notes.txt").read_text() == "mine"
    _ledger_with_queued_actions(cli, tmp_path)
    used = cli("demo", "--customers", "5", "--days", "1", "--folder", "d2", "--db", database_url)
    assert used.returncode == 2 and "already holds 2 customers" in used.stderr
    _no_traceback(used)


def test_the_actions_table_at_80_columns_shows_whole_ids_and_amounts(cli, tmp_path: Path):
    import json

    _ledger_with_queued_actions(cli, tmp_path)
    rows = [json.loads(line) for line in cli("actions", "--json").stdout.splitlines()]
    for args in (("actions",), ("actions", "--wide")):
        shown = cli(*args)
        assert shown.returncode == 0, shown.stderr
        for row in rows:
            assert row["action_id"] in shown.stdout  # `tasks complete` needs it whole
            assert f"{row['currency']} {row['amount_due']}" in shown.stdout
        assert "None" not in shown.stdout
    narrow = cli("actions").stdout.splitlines()
    assert max(map(len, narrow)) <= 80


def test_misuse_gets_exit_2_and_a_sentence_not_a_traceback(cli, tmp_path: Path):
    bogus = cli("actions", "--status", "bogus")
    assert bogus.returncode == 2
    assert (
        "use one of planned, queued, held, sent, delivered, failed, cancelled, done" in bogus.stderr
    )
    german = cli("template", "preview", "reminder", "--lang", "de")
    assert german.returncode == 2
    assert "--lang de: not a supported language; use one of nl, en" in german.stdout
    port = cli("serve", "--port", "99999")
    assert port.returncode == 2 and "--port" in port.stderr
    refused = cli("actions", "--db", "postgresql+psycopg://postgres@127.0.0.1:9/creditflow")
    assert refused.returncode == 2
    assert "cannot use the database" in refused.stderr and "refused" in refused.stderr
    missing = cli("init", "--db", f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    assert missing.returncode == 2 and "unable to open database file" in missing.stderr
    for done in (bogus, german, port, refused, missing):
        _no_traceback(done)


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("foo", "the database URL cannot be read"),
        ("postgres://clerk:s3cret@127.0.0.1:5432/test", "name the driver, postgresql+psycopg://"),
        ("mysql://x@y/z", "mysql is not supported"),
    ],
)
def test_a_database_url_creditflow_cannot_use_is_a_sentence_not_a_traceback(cli, url, said):
    done = cli("actions", "--db", url)
    assert done.returncode == 2
    assert said in done.stderr
    assert "s3cret" not in done.stderr  # the password is never shown
    _no_traceback(done)


def test_dispatch_with_an_iban_but_no_name_does_not_send_under_a_placeholder(cli, tmp_path: Path):
    _ledger_with_queued_actions(cli, tmp_path)
    (tmp_path / "creditflow.toml").write_text('[organisation]\niban = "NL91ABNA0417164300"\n')
    sent = cli("dispatch", "--until", "2026-03-03T00:00:00+00:00")
    assert sent.returncode == 2
    assert "[organisation] name is not set in creditflow.toml" in sent.stderr
    assert set(_statuses(cli)) == {"queued"}
    assert not (tmp_path / "outbox").exists() or not any((tmp_path / "outbox").rglob("*.eml"))
