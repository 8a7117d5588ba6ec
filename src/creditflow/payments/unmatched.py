"""The unmatched queue: statement entries no rule could place, and resolving them by hand.

A credit is resolved by naming the invoices it pays (all of one customer, in the entry's
currency) or only the customer (then it pays their oldest open invoices); the payment is
recorded as if matched, allocated, and put on the timeline. Any entry may instead be
ignored with a reason. An entry is resolved once: a second attempt is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from creditflow.compliance.handover import note_payments_on_handovers
from creditflow.db import transaction
from creditflow.ledger.models import Customer, Invoice, Payment
from creditflow.ledger.payments import IncomingPayment, record_payments
from creditflow.ledger.service import audit
from creditflow.money import Money
from creditflow.payments.models import StatementEntryRecord
from creditflow.payments.statement_import import paid_at, statement_payment_id

__all__ = ["Resolution", "ResolveError", "UnmatchedEntry", "list_unmatched", "resolve_entry"]


class ResolveError(ValueError):
    """A resolution is refused; the message names the entry and the reason."""


@dataclass(frozen=True)
class UnmatchedEntry:
    """A statement entry waiting in the queue, with why and what it might be."""

    entry_id: int
    booking_date: date
    amount: Money
    credit: bool
    counterparty_name: str | None
    counterparty_iban: str | None
    remittance_text: str | None
    structured_reference: str | None
    reason: str | None
    source_file: str | None
    suggestions: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The entry as a JSON-ready object (amount as decimal text, negative when out)."""
        return {
            "entry_id": self.entry_id,
            "booking_date": self.booking_date.isoformat(),
            "amount": (self.amount if self.credit else -self.amount).text(),
            "currency": self.amount.currency,
            "direction": "in" if self.credit else "out",
            "counterparty_name": self.counterparty_name,
            "counterparty_iban": self.counterparty_iban,
            "remittance_text": self.remittance_text,
            "structured_reference": self.structured_reference,
            "reason": self.reason,
            "source_file": self.source_file,
            "suggestions": self.suggestions,
        }


@dataclass(frozen=True)
class Resolution:
    """What resolving an entry did: the payment recorded (and credit left), or ignored."""

    entry_id: int
    status: str  # resolved | ignored
    customer_id: str | None = None
    invoices: list[str] = field(default_factory=list)
    payment_pk: int | None = None
    credit: Money | None = None


def list_unmatched(engine: Engine) -> list[UnmatchedEntry]:
    """Every entry in the unmatched queue, oldest booking first."""
    with transaction(engine) as session:
        records = session.scalars(
            select(StatementEntryRecord)
            .where(StatementEntryRecord.status == "unmatched")
            .order_by(StatementEntryRecord.booking_date, StatementEntryRecord.id)
        ).all()
        return [
            UnmatchedEntry(
                entry_id=r.id,
                booking_date=r.booking_date,
                amount=Money.of_minor(r.amount_minor, r.currency),
                credit=r.credit,
                counterparty_name=r.counterparty_name,
                counterparty_iban=r.counterparty_iban,
                remittance_text=r.remittance_text,
                structured_reference=r.structured_reference,
                reason=r.reason,
                source_file=r.source_file,
                suggestions=list(r.suggestions or []),
            )
            for r in records
        ]


def _open_entry(session: Session, entry_id: int) -> StatementEntryRecord:
    record = session.get(StatementEntryRecord, entry_id)
    if record is None:
        raise ResolveError(f"statement entry {entry_id}: no such entry")
    if record.status != "unmatched":
        by = f" by {record.resolved_by}" if record.resolved_by else ""
        raise ResolveError(
            f"statement entry {entry_id}: already {record.status}{by}; it is not in the queue"
        )
    return record


def _invoices(session: Session, record: StatementEntryRecord, numbers: list[str]) -> list[Invoice]:
    found = {
        invoice.invoice_number: invoice
        for invoice in session.scalars(select(Invoice).where(Invoice.invoice_number.in_(numbers)))
    }
    missing = [number for number in numbers if number not in found]
    if missing:
        raise ResolveError(f"statement entry {record.id}: unknown invoice(s) {', '.join(missing)}")
    invoices = [found[number] for number in dict.fromkeys(numbers)]
    if len({invoice.customer_id for invoice in invoices}) > 1:
        raise ResolveError(
            f"statement entry {record.id}: invoices {', '.join(numbers)} belong to several "
            "customers; one payment pays invoices of one customer"
        )
    for invoice in invoices:
        if invoice.currency != record.currency:
            raise ResolveError(
                f"statement entry {record.id}: the payment is in {record.currency}, "
                f"invoice {invoice.invoice_number} in {invoice.currency}"
            )
    return invoices


def _claim(session: Session, record: StatementEntryRecord, values: dict[str, Any]) -> None:
    """Move the entry out of the queue, unless someone else did so meanwhile."""
    claimed = session.execute(
        update(StatementEntryRecord)
        .where(StatementEntryRecord.id == record.id, StatementEntryRecord.status == "unmatched")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ResolveError(f"statement entry {record.id}: resolved meanwhile by someone else")


def resolve_entry(
    engine: Engine,
    entry_id: int,
    *,
    invoices: list[str] | None = None,
    customer_id: str | None = None,
    ignore_reason: str | None = None,
    actor: str,
    now: datetime,
) -> Resolution:
    """Resolve a queued entry: pay these invoices, or pay this customer, or ignore it."""
    numbers = [n.strip() for n in invoices or [] if n.strip()]
    chosen = sum((bool(numbers), customer_id is not None, ignore_reason is not None))
    if chosen != 1:
        raise ResolveError(
            f"statement entry {entry_id}: give exactly one of invoices, a customer, "
            "or ignore with a reason"
        )
    with transaction(engine) as session:
        record = _open_entry(session, entry_id)
        resolved = {"resolved_at": now, "resolved_by": actor}
        if ignore_reason is not None:
            if not ignore_reason.strip():
                raise ResolveError(f"statement entry {entry_id}: ignoring needs a reason")
            _claim(
                session, record, {"status": "ignored", "reason": ignore_reason[:400], **resolved}
            )
            audit(session, actor, "statement_entry.ignore", "statement_entry", str(entry_id),
                  {"reason": ignore_reason, "queued_because": record.reason})  # fmt: skip
            return Resolution(entry_id, "ignored")
        if not record.credit or record.reversal:
            raise ResolveError(
                f"statement entry {entry_id}: money going out cannot pay an invoice; "
                "ignore it with a reason"
            )
        targets = _invoices(session, record, numbers) if numbers else []
        if targets:
            customer = session.get(Customer, targets[0].customer_id)
        else:
            customer = session.scalars(
                select(Customer).where(Customer.customer_id == customer_id)
            ).first()
            if customer is None:
                raise ResolveError(f"statement entry {entry_id}: unknown customer {customer_id}")
        assert customer is not None
        _claim(session, record, {"status": "resolved", "rule": "manual",
                                 "customer_id": customer.id, **resolved})  # fmt: skip
        payment = IncomingPayment(
            payment_id=statement_payment_id(record.entry_key),
            amount=Money.of_minor(record.amount_minor, record.currency),
            paid_at=paid_at(record.booking_date),
            customer_pk=customer.id,
            reference=(record.structured_reference or record.remittance_text or "")[:140] or None,
            invoice_number=targets[0].invoice_number if len(targets) == 1 else None,
            method="bank_transfer",
            source="statement",
            invoice_pks=[invoice.id for invoice in targets],
        )
        session.flush()
        (payment_pk,) = record_payments(session.connection(), [payment], now)
        note_payments_on_handovers(session.connection(), now)
        session.execute(
            update(StatementEntryRecord)
            .where(StatementEntryRecord.id == entry_id)
            .values(payment_id=payment_pk)
            .execution_options(synchronize_session=False)
        )
        left = session.execute(
            select(Payment.unallocated_minor).where(Payment.id == payment_pk)
        ).scalar_one()
        names = [invoice.invoice_number for invoice in targets]
        audit(session, actor, "statement_entry.resolve", "statement_entry", str(entry_id),
              {"customer_id": customer.customer_id, "invoices": names,
               "payment_id": payment.payment_id, "queued_because": record.reason})  # fmt: skip
        return Resolution(
            entry_id,
            "resolved",
            customer.customer_id,
            names,
            payment_pk,
            Money.of_minor(left, record.currency),
        )
