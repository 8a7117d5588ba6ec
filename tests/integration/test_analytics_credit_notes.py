"""A credit note from an e-invoice lowers the open amount in the report from its own date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Engine

from creditflow.analytics.service import build_report
from creditflow.config import Settings
from creditflow.ledger.ubl_import import import_ubl_documents
from tests.support.compliance_ledger import pay
from tests.support.payments_statements import scalar
from tests.support.ubl import billing_reference, ubl_invoice


def open_eur(engine: Engine, day: str) -> int:
    [figures] = build_report(engine, date.fromisoformat(day)).currencies
    assert figures.currency == "EUR"
    return figures.open_minor


def test_the_report_subtracts_a_credit_note_from_its_issue_date_not_before(
    engine: Engine, settings: Settings
) -> None:
    # NL-1: 1250.00 issued 2026-01-05, due 2026-02-04; CN-1 takes 200.00 off on 2026-02-10.
    credit = ubl_invoice(
        "CN-1",
        issue="2026-02-10",
        credit_note=True,
        due=None,
        billing_reference=billing_reference("NL-1"),
        payable='<cbc:PayableAmount currencyID="EUR">200.00</cbc:PayableAmount>',
    )
    outcome = import_ubl_documents(engine, [("nl-1.xml", ubl_invoice("NL-1"))], settings)
    assert outcome.summary.line().startswith("imported 1")
    import_ubl_documents(engine, [("cn-1.xml", credit)], settings)
    assert scalar(engine, "SELECT open_minor FROM invoice") == 105000
    assert open_eur(engine, "2026-02-01") == 125000  # before the credit note
    assert open_eur(engine, "2026-02-09") == 125000
    assert open_eur(engine, "2026-02-10") == 105000
    assert open_eur(engine, "2026-03-10") == 105000


def test_a_credited_invoice_paid_later_is_lowered_by_the_credit_between_the_two(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    # NL-2: 1250.00; CN-2 of 250.00 on 2026-01-20; the other 1000.00 paid on 2026-02-20.
    credit = ubl_invoice(
        "CN-2",
        issue="2026-01-20",
        credit_note=True,
        due=None,
        billing_reference=billing_reference("NL-2"),
        payable='<cbc:PayableAmount currencyID="EUR">250.00</cbc:PayableAmount>',
    )
    import_ubl_documents(engine, [("nl-2.xml", ubl_invoice("NL-2"))], settings)
    import_ubl_documents(engine, [("cn-2.xml", credit)], settings)
    customer = scalar(engine, "SELECT customer_id FROM customer")
    payment = {"payment_id": "P-1", "amount": "1000.00", "paid_at": "2026-02-20T10:00:00Z",
               "customer_id": customer, "invoice_number": "NL-2"}  # fmt: skip
    pay(engine, settings, tmp_path, [payment])
    assert scalar(engine, "SELECT open_minor FROM invoice") == 0
    assert open_eur(engine, "2026-01-19") == 125000
    assert open_eur(engine, "2026-02-01") == 100000  # credited, not yet paid
    assert open_eur(engine, "2026-02-20") == 0
