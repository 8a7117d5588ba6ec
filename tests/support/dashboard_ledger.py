"""The small ledger of docs/analytics.md's worked example, written with the ORM, plus a
contact that was clicked and replied to and some portal events (for the dashboard tests).

As of 2026-03-10 (EUR): open 2080.00, overdue 1280.00; aging current 800.00 (I4 C2,
I5 C1), 1-30 750.00 (I3 C2), 31-60 150.00 (I6 C2), 61-90 80.00 (I7 C1), 90+ 300.00
(I1 C1); DSO 76.4, best possible DSO 29.4, CEI 36.9. USD: U1 (C3) 300.00 in 90+.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy.orm import Session

from creditflow.inbound.models import ConversationMessage
from creditflow.ledger.models import Allocation, Customer, Event, Invoice, Payment
from creditflow.outbox.service import queue_action

INVOICES = [  # number, customer, issued, due, amount minor, currency
    ("I1", "C1", "2025-11-01", "2025-12-01", 40000, "EUR"),
    ("I2", "C1", "2026-01-10", "2026-02-09", 50000, "EUR"),
    ("I3", "C2", "2026-01-20", "2026-02-19", 100000, "EUR"),
    ("I4", "C2", "2026-02-15", "2026-03-17", 60000, "EUR"),
    ("I5", "C1", "2026-03-01", "2026-03-31", 20000, "EUR"),
    ("I6", "C2", "2025-12-20", "2026-01-09", 15000, "EUR"),
    ("I7", "C1", "2025-12-05", "2026-01-04", 8000, "EUR"),
    ("U1", "C3", "2025-10-01", "2025-10-31", 30000, "USD"),
]
PAYMENTS = [  # id, invoice, amount minor, paid on
    ("P1", "I1", 10000, "2026-01-15"),
    ("P2", "I2", 50000, "2026-02-20"),
    ("P3", "I3", 25000, "2026-03-05"),
    ("P4", "I4", 60000, "2026-03-12"),
]
NAMES = {"C1": "Jan de Vries", "C2": "Bakkerij Brood", "C3": "Acme Inc"}


@dataclass(frozen=True)
class Ledger:
    """The primary keys of the customers (C1, C2, C3)."""

    customers: dict[str, int]


def _day(text: str, hour: int = 10) -> datetime:
    return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC).replace(hour=hour)


def seed_ledger(session: Session, collectors: dict[str, int | None] | None = None) -> Ledger:
    """The worked example's ledger; `collectors` assigns customers (C1 -> user id)."""
    collectors = collectors or {}
    people: dict[str, Customer] = {}
    for cid, name in NAMES.items():
        person = Customer(
            customer_id=cid, name=name, kind="business", language="nl", country="NL",
            timezone="Europe/Amsterdam", opt_out=[], tags=[], collector_id=collectors.get(cid),
            segment="retail" if cid == "C1" else None,
        )  # fmt: skip
        session.add(person)
        people[cid] = person
    session.flush()
    invoices: dict[str, Invoice] = {}
    paid = {inv: amount for _, inv, amount, _d in PAYMENTS}
    for number, cid, issued, due, minor, cur in INVOICES:
        left = minor - paid.get(number, 0)
        invoice = Invoice(
            invoice_number=number, customer_id=people[cid].id,
            issue_date=date.fromisoformat(issued), due_date=date.fromisoformat(due),
            currency=cur, amount_minor=minor, open_minor=left,
            status="open" if left else "paid",
            paid_on=None if left else date.fromisoformat(
                next(d for _, i, _a, d in PAYMENTS if i == number)),
            payment_reference=f"RF18{number}", description="Goods",
        )  # fmt: skip
        session.add(invoice)
        invoices[number] = invoice
    session.flush()
    for pid, number, minor, day in PAYMENTS:
        invoice = invoices[number]
        payment = Payment(
            payment_id=pid, customer_id=invoice.customer_id, amount_minor=minor, currency="EUR",
            paid_at=_day(day), invoice_number=number, source="import",
        )  # fmt: skip
        session.add(payment)
        session.flush()
        session.add(Allocation(payment_id=payment.id, invoice_id=invoice.id, amount_minor=minor,
                               currency="EUR", rule="invoice_number"))  # fmt: skip
    _contact(session, people["C2"], invoices["I3"])
    session.flush()
    return Ledger({cid: p.id for cid, p in people.items()})


def _contact(session: Session, person: Customer, invoice: Invoice) -> None:
    """An SMS about I3 on 2026-02-20; its short link opened 02-21, a reply by SMS on 02-22;
    and in the last 30 days a portal login and a payment started."""
    sms = queue_action(
        session, person, key="dash-sms", kind="message", channel="sms", step="reminder1",
        template="reminder", now=_day("2026-02-20"), strategy="default", invoices=[invoice],
        amount_due_minor=invoice.amount_minor, currency="EUR",
    )  # fmt: skip
    sms.invoice_ids = [invoice.id]
    sms.status, sms.sent_at, sms.cost_minor = "delivered", _day("2026-02-20"), 10
    session.add_all([
        Event(customer_id=person.id, occurred_at=_day("2026-02-21"),
              kind="portal.short_link_opened", direction="in", action_id=sms.action_id,
              summary="Opened the short link to the pay page"),
        ConversationMessage(customer_id=person.id, channel="sms", direction="in",
                            sender="+31612345678", text="Ik betaal in maart",
                            created_at=_day("2026-02-22")),
        Event(customer_id=person.id, occurred_at=_day("2026-03-01"), kind="portal.login",
              direction="in", summary="Signed in to the portal with a code"),
        Event(customer_id=person.id, occurred_at=_day("2026-03-05"), kind="payment.started",
              direction="in", summary="Payment started"),
        Event(customer_id=person.id, occurred_at=_day("2026-01-05"), kind="portal.login",
              direction="in", summary="Signed in to the portal with a code"),
    ])  # fmt: skip
