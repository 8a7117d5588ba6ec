"""The e-invoice service behind `creditflow import ubl` (and a future POST /api/v1/ubl):
documents as bytes in, per-document rejects out; credit notes kept apart from invoices;
a buyer's ids forgotten with the buyer."""

from __future__ import annotations

from datetime import UTC, datetime

from creditflow.compliance.gdpr import export_customer, forget_customer
from creditflow.db import transaction
from creditflow.ledger.ubl_import import import_ubl_documents
from tests.support.payments_statements import rows, scalar
from tests.support.ubl import NOT_UBL, billing_reference, ubl_invoice

CREDIT = ubl_invoice(
    "CN-1",
    credit_note=True,
    due=None,
    billing_reference=billing_reference("NL-1"),
    payable='<cbc:PayableAmount currencyID="EUR">200.00</cbc:PayableAmount>',
)


def test_documents_in_as_bytes_rejects_out_per_document(engine, settings):
    outcome = import_ubl_documents(
        engine, [("request-2", CREDIT), ("request-1", ubl_invoice("NL-1")), ("x", NOT_UBL)],
        settings,
    )  # fmt: skip
    assert outcome.summary.line() == "imported 2, updated 0, unchanged 0, rejected 1"
    [bad] = [r.row() for r in outcome.rejects]
    assert (bad["file"], bad["line"]) == ("x", "2")
    assert bad["error"].startswith("not a UBL 2.1 Invoice or CreditNote")
    assert scalar(engine, "SELECT open_minor FROM invoice") == 105000
    [event] = rows(engine, "SELECT kind, direction, summary FROM event")
    assert event == {
        "kind": "credit_note.received",
        "direction": "in",
        "summary": "credit note CN-1 of EUR 200.00 for invoice NL-1",
    }


def test_a_credit_note_in_another_currency_or_for_another_buyer_is_rejected(engine, settings):
    other_buyer = (
        ubl_invoice("NL-2")
        .replace(b"12345678", b"87654321")
        .replace(b"NL001234567B01", b"NL009999999B01")
    )
    import_ubl_documents(engine, [("a", ubl_invoice("NL-1")), ("b", other_buyer)], settings)
    in_usd = ubl_invoice(
        "CN-USD", credit_note=True, due=None, currency="USD",
        billing_reference=billing_reference("NL-1"),
        payable='<cbc:PayableAmount currencyID="USD">10.00</cbc:PayableAmount>',
    )  # fmt: skip
    wrong_buyer = CREDIT.replace(b"NL-1<", b"NL-2<")  # refers to the other buyer's invoice
    outcome = import_ubl_documents(engine, [("usd", in_usd), ("wrong", wrong_buyer)], settings)
    errors = {r.file: r.error for r in outcome.rejects}
    assert errors["usd"] == "in USD, the invoice NL-1 it corrects is in EUR"
    assert (
        errors["wrong"] == "buyer 0106:12345678 is not the customer of invoice NL-2 (0106:87654321)"
    )
    assert scalar(engine, "SELECT COUNT(*) FROM credit_note") == 0


def test_a_credit_note_beyond_what_is_open_goes_to_the_customers_credit(engine, settings):
    import_ubl_documents(engine, [("inv", ubl_invoice("NL-1"))], settings)
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE invoice SET open_minor = 10000")
    outcome = import_ubl_documents(engine, [("cn", CREDIT)], settings)
    assert outcome.summary.line() == "imported 1, updated 0, unchanged 0, rejected 0"
    assert rows(engine, "SELECT open_minor, status FROM invoice") == [
        {"open_minor": 0, "status": "paid"}
    ]
    assert scalar(engine, "SELECT applied_minor FROM credit_note") == 10000
    assert scalar(engine, "SELECT credit_minor FROM customer") == 10000


def test_a_changed_credit_note_is_rejected_not_applied_twice(engine, settings):
    import_ubl_documents(engine, [("inv", ubl_invoice("NL-1")), ("cn", CREDIT)], settings)
    changed = CREDIT.replace(b">200.00<", b">300.00<")
    outcome = import_ubl_documents(engine, [("cn", changed)], settings)
    [bad] = outcome.rejects
    assert bad.error == "credit note CN-1 is already on the ledger with other content: not changed"
    assert scalar(engine, "SELECT open_minor FROM invoice") == 105000


def test_forgetting_the_buyer_removes_its_ids_and_keeps_the_credit_notes(engine, settings):
    import_ubl_documents(engine, [("inv", ubl_invoice("NL-1")), ("cn", CREDIT)], settings)
    pk = scalar(engine, "SELECT id FROM customer")
    with transaction(engine) as session:
        export = export_customer(session, pk, "alice")
    assert {(i["scheme"], i["value"]) for i in export["identifiers"]} == {
        ("0106", "12345678"), ("VAT", "NL001234567B01")
    }  # fmt: skip
    assert [c["credit_note_number"] for c in export["credit_notes"]] == ["CN-1"]
    with transaction(engine) as session:
        report = forget_customer(session, settings, pk, "alice", datetime(2026, 3, 1, tzinfo=UTC))
    assert report.removed["identifiers"] == 2
    assert scalar(engine, "SELECT COUNT(*) FROM customer_identifier") == 0
    assert scalar(engine, "SELECT COUNT(*) FROM credit_note") == 1
