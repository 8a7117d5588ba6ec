"""A customer with something of everything, for the customer 360 tests.

Two EUR invoices (one at dunning level 1) and one in USD, an e-mail address, a mobile
number and a phone, a reminder that was sent and delivered (with its attempt), a
second reminder queued for the EUR invoices, a payment, a reply and a portal visit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from creditflow.ledger.models import (
    ContactPoint,
    Customer,
    Event,
    Invoice,
    InvoiceDunning,
    Payment,
)
from creditflow.outbox.models import DeliveryAttempt
from creditflow.outbox.service import queue_action

IBAN = "NL91ABNA0417164300"


@dataclass(frozen=True)
class Seeded:
    """The keys of what `seed_customer` made."""

    customer_pk: int
    customer_id: str
    sent_action_id: str
    queued_action_id: str
    phone_point_id: int
    invoice_pks: tuple[int, ...]


def _invoice(
    session: Session, customer: Customer, number: str, minor: int, currency: str, due: date
) -> Invoice:
    invoice = Invoice(
        invoice_number=number, customer_id=customer.id, issue_date=due - timedelta(days=30),
        due_date=due, currency=currency, amount_minor=minor, open_minor=minor, status="open",
        payment_reference=f"RF18{number[-4:]}", description="Consultancy",
    )  # fmt: skip
    session.add(invoice)
    session.flush()
    return invoice


def seed_customer(
    session: Session,
    customer_id: str,
    now: datetime,
    *,
    name: str = "Jansen Installatie",
    collector_id: int | None = None,
) -> Seeded:
    """One customer with invoices in two currencies, contacts and a history (see above)."""
    today = now.date()
    customer = Customer(
        customer_id=customer_id, name=name, kind="consumer", language="nl", country="NL",
        timezone="Europe/Amsterdam", opt_out=[], tags=[], address_line1="Dorpsstraat 1",
        postal_code="1234 AB", city="Utrecht", collector_id=collector_id,
    )  # fmt: skip
    session.add(customer)
    session.flush()
    first = _invoice(session, customer, f"{customer_id}-0001", 41250, "EUR", today - timedelta(20))
    second = _invoice(session, customer, f"{customer_id}-0002", 9999, "EUR", today - timedelta(5))
    dollars = _invoice(session, customer, f"{customer_id}-0003", 12000, "USD", today - timedelta(3))
    session.add(
        InvoiceDunning(
            invoice_id=first.id, level=2, step="reminder1", reached_on=today - timedelta(13)
        )
    )
    email = ContactPoint(customer_id=customer.id, channel="email", address="jansen@example.nl")
    sms = ContactPoint(customer_id=customer.id, channel="sms", address="+31612345678")
    phone = ContactPoint(customer_id=customer.id, channel="voice", address="+31301234567")
    session.add_all([email, sms, phone])
    session.flush()
    sent = queue_action(
        session, customer, key=f"seed-{customer_id}-sent", kind="message", channel="email",
        step="reminder1", template="reminder", now=now - timedelta(days=13), strategy="consumers",
        invoices=[first], amount_due_minor=first.open_minor, currency="EUR",
    )  # fmt: skip
    sent.status, sent.sent_at, sent.provider = "delivered", now - timedelta(days=13), "sandbox"
    session.add(
        DeliveryAttempt(
            action_id=sent.action_id, attempt=1, channel="email", worker="seed",
            started_at=now - timedelta(days=13), finished_at=now - timedelta(days=13),
            outcome="sent",
        )
    )  # fmt: skip
    queued = queue_action(
        session, customer, key=f"seed-{customer_id}-queued", kind="message", channel="sms",
        step="reminder2", template="second_reminder", now=now, strategy="consumers",
        invoices=[first, second], amount_due_minor=first.open_minor + second.open_minor,
        currency="EUR",
    )  # fmt: skip
    queued.invoice_ids = [first.id, second.id]  # a run reminder: guarded by its invoices
    queued.level = 3
    session.add_all(
        [
            Event(customer_id=customer.id, occurred_at=now - timedelta(days=13),
                  kind="message.delivered", channel="email", direction="out",
                  action_id=sent.action_id, summary="reminder delivered by email"),
            Event(customer_id=customer.id, occurred_at=now - timedelta(days=10),
                  kind="conversation.in", channel="sms", direction="in",
                  summary="Ik betaal volgende week"),
            Event(customer_id=customer.id, occurred_at=now - timedelta(days=9),
                  kind="portal.login", direction="in", summary="Portal opened"),
            Payment(payment_id=f"{customer_id}-PAY-1", customer_id=customer.id, amount_minor=2500,
                    currency="EUR", paid_at=now - timedelta(days=7), reference="RF18 0001",
                    method="ideal", source="psp"),
            # the ledger writes this entry beside every payment (ledger/payments.py)
            Event(customer_id=customer.id, occurred_at=now - timedelta(days=7),
                  kind="payment.received", direction="in",
                  summary="payment EUR 25.00 received (psp)",
                  data={"payment_id": f"{customer_id}-PAY-1"}),
        ]
    )  # fmt: skip
    session.flush()
    return Seeded(
        customer.id, customer_id, sent.action_id, queued.action_id, phone.id,
        (first.id, second.id, dollars.id),
    )  # fmt: skip
