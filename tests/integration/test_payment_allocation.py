"""Allocation of payments: the referenced invoice first, then the rest oldest first."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import text

from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.ledger.payments import IncomingPayment, record_payments
from creditflow.money import Money

CUSTOMERS = "customer_id,name,kind\nC001,Jan de Vries,consumer\n"
INVOICES = """invoice_number,customer_id,issue_date,due_date,amount
INV-1,C001,2026-01-01,2026-01-15,100.00
INV-2,C001,2026-01-10,2026-01-25,50.00
INV-3,C001,2026-01-20,2026-02-05,25.00
"""


def seed(engine, settings, tmp_path):
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    (tmp_path / "i.csv").write_text(INVOICES)
    import_customers(engine, tmp_path / "c.csv", settings)
    import_invoices(engine, tmp_path / "i.csv", settings)


def pay(engine, amount: str, invoice_number: str | None) -> None:
    with engine.begin() as conn:
        invoice_pk = (
            conn.execute(
                text("SELECT id FROM invoice WHERE invoice_number = :n"), {"n": invoice_number}
            ).scalar()
            if invoice_number
            else None
        )
        record_payments(
            conn,
            [
                IncomingPayment(
                    payment_id=f"P-{amount}-{invoice_number}",
                    amount=Money(Decimal(amount), "EUR"),
                    paid_at=datetime(2026, 3, 1, 12, tzinfo=UTC),
                    customer_pk=1,
                    invoice_pk=invoice_pk,
                )
            ],
            datetime(2026, 3, 1, 12, tzinfo=UTC),
        )


def open_amounts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(
            conn.execute(
                text("SELECT invoice_number, open_minor FROM invoice ORDER BY 1")
            ).fetchall()
        )


def test_the_whole_balance_quoting_the_newest_invoice_pays_every_invoice(
    engine, settings, tmp_path
):
    seed(engine, settings, tmp_path)
    pay(engine, "175.00", "INV-3")
    assert open_amounts(engine) == {"INV-1": 0, "INV-2": 0, "INV-3": 0}
    with engine.connect() as conn:
        credit = conn.execute(text("SELECT credit_minor FROM customer")).scalar_one()
    assert credit == 0


def test_a_named_invoice_is_paid_first_and_the_rest_goes_oldest_first(engine, settings, tmp_path):
    seed(engine, settings, tmp_path)
    pay(engine, "60.00", "INV-2")
    assert open_amounts(engine) == {"INV-1": 9000, "INV-2": 0, "INV-3": 2500}


def test_only_what_exceeds_everything_open_is_credit(engine, settings, tmp_path):
    seed(engine, settings, tmp_path)
    pay(engine, "200.00", "INV-1")
    with engine.connect() as conn:
        credit = conn.execute(text("SELECT credit_minor FROM customer")).scalar_one()
    assert credit == 2500
    assert set(open_amounts(engine).values()) == {0}


def test_a_payment_for_an_invoice_imported_as_paid_is_its_settlement_not_money_for_others(
    engine, settings, tmp_path
):
    seed(engine, settings, tmp_path)
    (tmp_path / "old.csv").write_text(
        "invoice_number,customer_id,issue_date,due_date,amount,status\n"
        "INV-0,C001,2025-12-01,2025-12-15,80.00,paid\n"
    )
    import_invoices(engine, tmp_path / "old.csv", settings)
    pay(engine, "80.00", "INV-0")
    assert open_amounts(engine) == {"INV-0": 0, "INV-1": 10000, "INV-2": 5000, "INV-3": 2500}
    with engine.connect() as conn:
        paid_on = conn.execute(
            text("SELECT paid_on FROM invoice WHERE invoice_number = 'INV-0'")
        ).scalar_one()
        credit = conn.execute(text("SELECT credit_minor FROM customer")).scalar_one()
    assert str(paid_on)[:10] == "2026-03-01"  # dates the paid history
    assert credit == 0


def test_paying_a_settled_invoice_twice_leaves_the_second_payment_as_credit(
    engine, settings, tmp_path
):
    seed(engine, settings, tmp_path)
    pay(engine, "100.00", "INV-1")
    with engine.begin() as conn:
        record_payments(
            conn,
            [
                IncomingPayment(
                    payment_id="P-again",
                    amount=Money(Decimal("100.00"), "EUR"),
                    paid_at=datetime(2026, 3, 2, 12, tzinfo=UTC),
                    customer_pk=1,
                    invoice_pk=1,
                )
            ],
            datetime(2026, 3, 2, 12, tzinfo=UTC),
        )
    assert open_amounts(engine) == {"INV-1": 0, "INV-2": 5000, "INV-3": 2500}
    with engine.connect() as conn:
        credit = conn.execute(text("SELECT credit_minor FROM customer")).scalar_one()
    assert credit == 10000
