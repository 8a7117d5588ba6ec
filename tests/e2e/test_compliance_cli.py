"""`creditflow customer ...` as a credit manager runs it: every access ends up in the audit log."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from creditflow.compliance.cli import app as customer
from creditflow.config import Settings
from tests.support.compliance_ledger import consumer, rows, seed

runner = CliRunner()


@pytest.fixture
def books(database_url: str, engine: Engine, settings: Settings, tmp_path: Path) -> str:
    """C001 owes EUR 80; `settings` moved the working directory to tmp_path."""
    seed(
        engine,
        settings,
        tmp_path,
        [consumer("C001", phone="+31612345678")],
        [
            {
                "invoice_number": "INV-1",
                "customer_id": "C001",
                "issue_date": "2026-02-01",
                "due_date": "2026-03-02",
                "amount": "80.00",
            }
        ],
    )
    return database_url


def cli(db: str, *args: str, actor: str | None = "alice", answer: str | None = None):
    extra = ["--actor", actor] if actor else []
    return runner.invoke(customer, [*args, *extra, "--db", db], input=answer)


def test_export_prints_the_customer_as_json(books, engine):
    done = cli(books, "export", "C001")
    assert done.exit_code == 0, done.output
    data = json.loads(done.stdout)
    assert data["customer"]["name"] == "Jan de Vries"
    assert data["invoices"][0]["invoice_number"] == "INV-1"
    assert rows(engine, "SELECT actor, verb FROM audit_log") == [
        {"actor": "alice", "verb": "export"}
    ]


def test_an_unknown_customer_is_refused_with_exit_1(books):
    done = cli(books, "export", "NOPE")
    assert done.exit_code == 1
    assert "no customer 'NOPE'" in done.output


def test_the_actor_defaults_to_the_os_user(books, engine):
    assert cli(books, "export", "C001", actor=None).exit_code == 0
    assert rows(engine, "SELECT actor FROM audit_log") == [{"actor": getpass.getuser()}]


def test_opt_out_and_opt_in(books, engine):
    done = cli(books, "opt-out", "C001", "sms", "--evidence", "asked by phone")
    assert done.exit_code == 0, done.output
    assert "C001 opted out of sms" in done.output
    assert "was already opted out" in cli(books, "opt-out", "C001", "sms").output
    assert cli(books, "opt-out", "C001", "fax").exit_code == 1
    done = cli(books, "opt-in", "C001", "sms", "--evidence", "signed form 2026-03-10")
    assert done.exit_code == 0, done.output
    assert [
        r["granted"] in (True, 1) for r in rows(engine, "SELECT granted FROM consent ORDER BY id")
    ] == [False, False, True]
    assert {r["actor"] for r in rows(engine, "SELECT actor FROM audit_log")} == {"alice"}


def test_do_not_contact_set_and_cleared(books, engine):
    done = cli(books, "do-not-contact", "C001", "bankruptcy", "--note", "trustee appointed")
    assert done.exit_code == 0, done.output
    assert "do not contact (bankruptcy); review task" in done.output
    assert rows(engine, "SELECT do_not_contact FROM customer") == [{"do_not_contact": "bankruptcy"}]
    assert cli(books, "do-not-contact", "C001", "holiday").exit_code == 1
    assert cli(books, "do-not-contact", "C001").exit_code == 2
    assert cli(books, "do-not-contact", "C001", "legal", "--clear").exit_code == 2
    done = cli(books, "do-not-contact", "C001", "--clear")
    assert done.exit_code == 0 and "cleared" in done.output
    assert rows(engine, "SELECT do_not_contact FROM customer") == [{"do_not_contact": None}]


def test_hand_over_writes_the_dossier_to_the_outbox(books, engine, tmp_path):
    done = cli(books, "hand-over", "C001", "--target", "Incasso B.V.")
    assert done.exit_code == 0, done.output
    assert "handed over to Incasso B.V." in done.output
    written = sorted(p.suffix for p in (tmp_path / "outbox" / "handover").iterdir())
    assert written == [".json", ".pdf"]
    assert rows(engine, "SELECT target, status FROM handover") == [
        {"target": "Incasso B.V.", "status": "handed_over"}
    ]


def test_forget_asks_first_then_pseudonymises(books, engine):
    declined = cli(books, "forget", "C001", answer="n\n")
    assert declined.exit_code == 1
    assert rows(engine, "SELECT name FROM customer") == [{"name": "Jan de Vries"}]
    done = cli(books, "forget", "C001", "--yes")
    assert done.exit_code == 0, done.output
    assert "is now pseudonymised " in done.output
    [row] = rows(engine, "SELECT name, do_not_contact FROM customer")
    assert row["name"].startswith("pseudonymised ") and row["do_not_contact"] == "erased"
    assert rows(engine, "SELECT COUNT(*) AS n FROM contact_point") == [{"n": 0}]
    assert rows(engine, "SELECT actor, verb FROM audit_log WHERE verb = 'erase'") == [
        {"actor": "alice", "verb": "erase"}
    ]
    assert rows(engine, "SELECT amount_minor FROM invoice") == [{"amount_minor": 8000}]
