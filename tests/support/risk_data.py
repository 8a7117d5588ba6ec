"""Customers with a paid history, for the late-payment risk tests."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from creditflow.ledger.models import Customer
from tests.support.portal_data import add_invoice


def paid_history(session: Session, customer: Customer, days_late: int, count: int = 6) -> None:
    """`count` settled invoices of the customer, each paid `days_late` after its due date."""
    for n in range(count):
        due = date(2025, 6, 30) + timedelta(days=30 * n)
        invoice = add_invoice(session, customer, f"{customer.customer_id}-H{n:02d}", 20_000, due,
                              issued=due - timedelta(days=30))  # fmt: skip
        invoice.status, invoice.open_minor = "paid", 0
        invoice.paid_on = due + timedelta(days=days_late)
    session.flush()
