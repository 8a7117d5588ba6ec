"""The statement import and the unmatched queue as a user runs them on the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from creditflow.cli import app as creditflow
from creditflow.config import Settings
from creditflow.payments.cli import app as payments
from tests.support.payments_statements import Tx, camt053, invoice_state, mt940, scalar, write

runner = CliRunner()
JANSEN_IBAN = "NL20INGB0001234567"


@pytest.fixture
def books(database_url: str, engine: Engine, settings: Settings, tmp_path: Path) -> str:
    """A database with customers and invoices imported through `creditflow import`.

    `settings` moves the working directory to tmp_path, away from any creditflow.toml.
    """
    (tmp_path / "customers.csv").write_text(
        "customer_id,name,kind,iban\nC1,J. Jansen,consumer,NL20INGB0001234567\n"
        "C2,Visser BV,business,\n"
    )
    (tmp_path / "invoices.csv").write_text(
        "invoice_number,customer_id,issue_date,due_date,amount\n"
        "INV-1,C1,2026-01-01,2026-01-31,60.00\n"
        "INV-2,C2,2026-01-01,2026-02-15,75.00\n"
    )
    for kind in ("customers", "invoices"):
        done = runner.invoke(creditflow, ["import", kind, str(tmp_path / f"{kind}.csv"),
                                          "--db", database_url])  # fmt: skip
        assert done.exit_code == 0, done.output
    return database_url


def import_statement(path: Path, db: str) -> tuple[int, str]:
    done = runner.invoke(creditflow, ["import", "statement", str(path), "--db", db])
    return done.exit_code, done.output


def test_a_statement_that_pays_everything_exits_0(
    books: str, engine: Engine, tmp_path: Path
) -> None:
    path = write(tmp_path, "day.940", mt940(Tx("60.00", "J Jansen", JANSEN_IBAN, text="INV-1")))
    code, output = import_statement(path, books)
    assert code == 0, output
    assert "matched by invoice number" in output
    assert scalar(engine, "SELECT status FROM invoice WHERE invoice_number = 'INV-1'") == ("paid")
    code, output = import_statement(path, books)
    assert code == 0
    assert "all 1 entries were imported before: nothing changed" in output


def test_queued_entries_are_listed_and_resolved_from_the_command_line(
    books: str, engine: Engine, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "day.xml",
        camt053(
            Tx("75.00", "W. Visser", "NL02RABO0123456789", text="payment"),
            Tx("12.00", "Bank", None, text="account fee", credit=False),
        ),
    )
    code, output = import_statement(path, books)
    assert code == 0, output  # unmatched is a normal outcome; the summary says so
    assert "2 unmatched, see `creditflow payments unmatched`" in output

    listed = runner.invoke(payments, ["unmatched", "--json", "--db", books])
    assert listed.exit_code == 0, listed.output
    queue = [json.loads(line) for line in listed.output.splitlines()]
    assert [(q["amount"], q["reason"]) for q in queue] == [
        ("75.00", "no match"),
        ("-12.00", "debit: money going out"),
    ]
    credit_id, fee_id = queue[0]["entry_id"], queue[1]["entry_id"]

    table = runner.invoke(payments, ["unmatched", "--db", books])
    assert table.exit_code == 0 and "unmatched statement entries (2)" in table.output

    paid = runner.invoke(payments, ["resolve", str(credit_id), "--invoice", "INV-2", "--by", "anna",
                                    "--db", books])  # fmt: skip
    assert paid.exit_code == 0, paid.output
    assert "recorded as payment of customer C2 (invoices INV-2)" in paid.output
    assert invoice_state(engine, "INV-2") == ("paid", 0)

    twice = runner.invoke(payments, ["resolve", str(credit_id), "--customer", "C2", "--db", books])
    assert twice.exit_code == 1
    assert "already resolved by anna" in twice.output

    no_reason = runner.invoke(payments, ["resolve", str(fee_id), "--ignore", "--db", books])
    assert no_reason.exit_code == 2
    ignored = runner.invoke(payments, ["resolve", str(fee_id), "--ignore", "--reason",
                                       "bank costs", "--db", books])  # fmt: skip
    assert ignored.exit_code == 0, ignored.output
    empty = runner.invoke(payments, ["unmatched", "--db", books])
    assert "the unmatched queue is empty" in empty.output


def test_resolve_needs_exactly_one_choice(books: str) -> None:
    both = runner.invoke(payments, ["resolve", "1", "--invoice", "INV-1", "--customer", "C1",
                                    "--db", books])  # fmt: skip
    assert both.exit_code == 2
    assert "exactly one of" in both.output


def test_an_unreadable_statement_exits_2(books: str, engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path, "notes.txt", b"hello, this is not a bank statement\n")
    code, output = import_statement(path, books)
    assert code == 2
    assert "not a CAMT.053/054 XML document nor an MT940 statement" in output
    assert scalar(engine, "SELECT count(*) FROM statement_entry") == 0
