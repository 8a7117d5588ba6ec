"""The unmatched queue on a real database: listing, resolving and ignoring entries."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from creditflow.config import Settings
from creditflow.money import Money
from creditflow.payments.statement_import import import_statement
from creditflow.payments.unmatched import ResolveError, list_unmatched, resolve_entry
from tests.support.payments_statements import (
    Tx,
    camt053,
    invoice_state,
    rows,
    scalar,
    seed_ledger,
)

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
STRANGER_IBAN = "NL02RABO0123456789"


@pytest.fixture
def queued(engine: Engine, settings: Settings, tmp_path: Path) -> Engine:
    """A ledger of two customers, and a statement of which three entries are queued."""
    seed_ledger(
        engine,
        settings,
        tmp_path,
        [
            {"customer_id": "C1", "name": "J. Jansen", "kind": "consumer", "iban": "", "email": ""},
            {"customer_id": "C2", "name": "Visser BV", "kind": "business", "iban": "", "email": ""},
        ],
        [
            {
                "invoice_number": n,
                "customer_id": c,
                "issue_date": "2026-01-01",
                "due_date": d,
                "amount": a,
                "currency": "EUR",
                "payment_reference": "",
            }
            for n, c, d, a in (
                ("INV-1", "C1", "2026-01-15", "60.00"),
                ("INV-2", "C1", "2026-02-15", "40.00"),
                ("INV-9", "C2", "2026-02-01", "75.00"),
            )
        ],  # fmt: skip
    )
    summary = import_statement(
        engine,
        camt053(
            Tx("100.00", "Mrs Jansen", STRANGER_IBAN, text="for my husband", booked="2026-03-01"),
            Tx("33.00", "Taxi Centraal", "NL30ABNA0123456788", text="ride", credit=False),
            Tx("75.00", "W. Visser", "NL13TEST0123456789", text="thanks"),
        ),
        "day.xml",
        NOW,
    )
    assert summary.unmatched == 3
    return engine


def ids(engine: Engine) -> dict[str, int]:
    """Queued entry ids by their remittance text."""
    return {e.remittance_text or "": e.entry_id for e in list_unmatched(engine)}


def test_the_queue_lists_open_entries_oldest_first_with_their_reasons(queued: Engine) -> None:
    entries = list_unmatched(queued)
    assert [e.remittance_text for e in entries] == ["for my husband", "ride", "thanks"]
    assert [e.reason for e in entries] == ["no match", "debit: money going out", "no match"]
    assert entries[1].as_json()["amount"] == "-33.00"
    assert entries[0].amount == Money.parse("100.00", "EUR")


def test_an_entry_resolved_with_two_invoices_pays_both(queued: Engine) -> None:
    done = resolve_entry(
        queued, ids(queued)["for my husband"], invoices=["INV-1", "INV-2"], actor="anna", now=NOW
    )
    assert (done.status, done.customer_id, done.invoices) == ("resolved", "C1", ["INV-1", "INV-2"])
    assert done.credit == Money.parse("0", "EUR")
    assert invoice_state(queued, "INV-1") == ("paid", 0)
    assert invoice_state(queued, "INV-2") == ("paid", 0)
    stored = rows(queued, "SELECT status, rule, resolved_by, payment_id FROM statement_entry "
                  "WHERE remittance_text = 'for my husband'")[0]  # fmt: skip
    assert (stored["status"], stored["rule"], stored["resolved_by"]) == (
        "resolved",
        "manual",
        "anna",
    )
    assert stored["payment_id"] == done.payment_pk
    events = rows(queued, "SELECT kind FROM event WHERE kind = 'payment.received'")
    assert len(events) == 1
    audits = rows(
        queued, "SELECT actor, verb, entity_id FROM audit_log WHERE verb LIKE 'statement_entry%'"
    )
    assert audits == [{"actor": "anna", "verb": "statement_entry.resolve",
                       "entity_id": str(done.entry_id)}]  # fmt: skip
    assert [e.remittance_text for e in list_unmatched(queued)] == ["ride", "thanks"]


def test_an_entry_resolved_to_a_customer_pays_their_oldest_invoice_first(queued: Engine) -> None:
    entry_id = ids(queued)["thanks"]
    done = resolve_entry(queued, entry_id, customer_id="C1", actor="anna", now=NOW)
    assert done.invoices == []
    assert invoice_state(queued, "INV-1") == ("paid", 0)
    assert invoice_state(queued, "INV-2") == ("open", 2500)
    assert invoice_state(queued, "INV-9") == ("open", 7500)


def test_paying_more_than_the_invoice_pays_the_customers_other_invoices_before_credit(
    queued: Engine,
) -> None:
    done = resolve_entry(queued, ids(queued)["for my husband"], invoices=["INV-1"], actor="a",
                         now=NOW)  # fmt: skip
    assert done.credit == Money.parse("0.00", "EUR")
    assert invoice_state(queued, "INV-1") == ("paid", 0)
    assert invoice_state(queued, "INV-2") == ("paid", 0)
    assert scalar(queued, "SELECT credit_minor FROM customer WHERE customer_id = 'C1'") == 0


def test_an_entry_is_resolved_only_once(queued: Engine) -> None:
    entry_id = ids(queued)["thanks"]
    resolve_entry(queued, entry_id, invoices=["INV-9"], actor="anna", now=NOW)
    with pytest.raises(
        ResolveError, match=rf"statement entry {entry_id}: already resolved by anna"
    ):
        resolve_entry(queued, entry_id, customer_id="C2", actor="piet", now=NOW)
    assert scalar(queued, "SELECT count(*) FROM payment") == 1


def test_ignoring_an_entry_needs_a_reason_and_records_no_payment(queued: Engine) -> None:
    entry_id = ids(queued)["ride"]
    with pytest.raises(ResolveError, match="ignoring needs a reason"):
        resolve_entry(queued, entry_id, ignore_reason="  ", actor="anna", now=NOW)
    done = resolve_entry(
        queued, entry_id, ignore_reason="our own taxi costs", actor="anna", now=NOW
    )
    assert done.status == "ignored"
    assert scalar(queued, "SELECT count(*) FROM payment") == 0
    stored = rows(queued, "SELECT status, reason FROM statement_entry WHERE id = :i", i=entry_id)
    assert stored == [{"status": "ignored", "reason": "our own taxi costs"}]
    with pytest.raises(ResolveError, match="already ignored"):
        resolve_entry(queued, entry_id, ignore_reason="again", actor="anna", now=NOW)


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ({"invoices": ["INV-404"]}, "unknown invoice\\(s\\) INV-404"),
        ({"invoices": ["INV-1", "INV-9"]}, "belong to several customers"),
        ({"customer_id": "C404"}, "unknown customer C404"),
        ({}, "give exactly one of"),
        ({"invoices": ["INV-1"], "customer_id": "C1"}, "give exactly one of"),
    ],
)
def test_a_resolution_naming_the_wrong_things_is_refused(
    queued: Engine, choice: dict, message: str
) -> None:
    entry_id = ids(queued)["for my husband"]
    with pytest.raises(ResolveError, match=message):
        resolve_entry(queued, entry_id, actor="anna", now=NOW, **choice)
    assert scalar(queued, "SELECT status FROM statement_entry WHERE id = :i", i=entry_id) == (
        "unmatched"
    )


def test_money_going_out_cannot_pay_an_invoice(queued: Engine) -> None:
    with pytest.raises(ResolveError, match="money going out cannot pay an invoice"):
        resolve_entry(queued, ids(queued)["ride"], invoices=["INV-1"], actor="anna", now=NOW)


def test_an_unknown_entry_is_refused(queued: Engine) -> None:
    with pytest.raises(ResolveError, match="statement entry 9999: no such entry"):
        resolve_entry(queued, 9999, customer_id="C1", actor="anna", now=NOW)


def test_a_payment_in_another_currency_cannot_pay_a_euro_invoice(queued: Engine) -> None:
    import_statement(queued, camt053(Tx("9.00", "Jim", STRANGER_IBAN, text="usd", currency="USD"),
                                     statement_id="USD-1"), "usd.xml", NOW)  # fmt: skip
    with pytest.raises(ResolveError, match="the payment is in USD, invoice INV-1 in EUR"):
        resolve_entry(queued, ids(queued)["usd"], invoices=["INV-1"], actor="anna", now=NOW)


def test_an_iban_once_resolved_to_a_customer_is_recognised_next_time(
    queued: Engine, settings: Settings, tmp_path: Path
) -> None:
    resolve_entry(queued, ids(queued)["for my husband"], invoices=["INV-1"], actor="a", now=NOW)
    seed_ledger(
        queued,
        settings,
        tmp_path,
        [{"customer_id": "C1", "name": "J. Jansen", "kind": "consumer", "iban": "", "email": ""}],
        [
            {
                "invoice_number": "INV-3",
                "customer_id": "C1",
                "issue_date": "2026-02-20",
                "due_date": "2026-03-06",
                "amount": "40.00",
                "currency": "EUR",
                "payment_reference": "",
            },
        ],  # fmt: skip
    )
    summary = import_statement(
        queued,
        camt053(Tx("40.00", "Mrs Jansen", STRANGER_IBAN, text="rest"), statement_id="NEXT"),
        "next.xml",
        NOW,
    )
    assert summary.matched["iban_amount"] == 1
    assert invoice_state(queued, "INV-3") == ("paid", 0)
