"""Hand-over to a collection agency: the dossier, its delivery, and payments afterwards.

`hand_over` stops own contact (the customer's `do_not_contact` becomes "handed_over",
so the collection run holds them back, and queued contact is cancelled) and records a
`handover` row with status "dossier_pending": no network in the caller's transaction.
After the commit `dossier_delivery.deliver_pending_dossiers` writes the dossier as
JSON and PDF to a folder or an SFTP server (idempotently) and marks the hand-over
"handed_over". Payments the agency reports back are ordinary payments: the payment
imports call `note_payments_on_handovers`, which notes them on the open hand-overs
(`reconcile_handovers`) and closes a hand-over once its invoices are paid.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from creditflow.compliance.dossier import claim_totals
from creditflow.compliance.dossier_delivery import dossier_location, dossier_name, handover_config
from creditflow.compliance.models import DOSSIER_PENDING, OPEN_STATUSES, Handover
from creditflow.compliance.service import (
    CONTACT_KINDS,
    ERASED,
    HANDED_OVER,
    cancel_queued_actions,
    get_customer,
    hold_contact,
    local_today,
)
from creditflow.config import Settings
from creditflow.ledger.models import Allocation, Event, Invoice, Payment
from creditflow.ledger.service import add_event, audit
from creditflow.money import Money
from creditflow.outbox.models import Action

__all__ = [
    "HandoverPayment",
    "close_handover",
    "hand_over",
    "note_payments_on_handovers",
    "reconcile_handovers",
]

PAID = "paid"
CLOSED = "closed"
CHUNK = 5_000  # invoice ids per query


def _open_handover(session: Session, customer_pk: int, action_id: str | None) -> Handover | None:
    query = select(Handover).where(Handover.customer_id == customer_pk)
    if action_id is not None:
        found = session.scalars(query.where(Handover.action_id == action_id)).first()
        if found is not None:
            return found
    return session.scalars(query.where(Handover.status.in_(OPEN_STATUSES))).first()


def _open_invoice_ids(session: Session, customer_pk: int) -> list[int]:
    return list(
        session.scalars(
            select(Invoice.id)
            .where(
                Invoice.customer_id == customer_pk,
                Invoice.open_minor > 0,
                Invoice.status.in_(("open", "disputed")),
            )
            .order_by(Invoice.due_date, Invoice.id)
        )
    )


def hand_over(
    session: Session,
    settings: Settings,
    subject: Action | int,
    target: str,
    now: datetime,
    *,
    actor: str = "system",
) -> Handover:
    """Hand a customer's open invoices to a collection agency `target`; returns the Handover.

    `subject` is the escalation action (its invoices are handed over and it is marked
    done) or a customer primary key (all open invoices). A customer with an open
    hand-over, or an action already handed over, gets the existing row back. The new
    row's dossier is pending: deliver it after the commit (`deliver_pending_dossiers`).
    """
    action = subject if isinstance(subject, Action) else None
    customer_pk = action.customer_id if action is not None else int(subject)  # type: ignore[arg-type]
    existing = _open_handover(session, customer_pk, action.action_id if action else None)
    if existing is not None:
        if action is not None and action.status == "queued":
            action.status = "done"
            action.status_reason = f"already handed over (hand-over {existing.id})"
            action.updated_at = now
        return existing
    customer = get_customer(session, customer_pk)
    if customer.do_not_contact == ERASED:
        raise ValueError(
            f"customer {customer.customer_id}: personal data was erased; a dossier cannot be made"
        )
    invoice_ids = list(action.invoice_ids) if action is not None and action.invoice_ids else []
    invoice_ids = invoice_ids or _open_invoice_ids(session, customer_pk)
    if not invoice_ids:
        raise ValueError(f"customer {customer.customer_id}: no open invoices to hand over")
    config = handover_config(settings)
    invoice_numbers, claim = claim_totals(session, customer, invoice_ids, now)
    location = dossier_location(config, f"{dossier_name(customer.customer_id, now)}.json")

    reason = f"handed over to {target}"
    if action is not None:
        action.status = "done"
        action.status_reason = reason
        action.sent_at = now
        action.updated_at = now
    if customer.do_not_contact is None:
        hold_contact(session, customer, HANDED_OVER, reason, actor, now)
    else:
        cancel_queued_actions(session, customer_pk, reason, now, kinds=CONTACT_KINDS)
    totals = ", ".join(f"{t['currency']} {t['total']}" for t in claim)
    handover = Handover(
        customer_id=customer_pk,
        action_id=action.action_id if action is not None else None,
        target=target[:64],
        dossier_path=location,
        invoice_ids=invoice_ids,
        status=DOSSIER_PENDING,
        created_at=now,
        note=f"{local_today(customer, now)}: handed over to {target}, claim {totals}",
    )
    session.add(handover)
    session.flush()
    add_event(
        session,
        customer_pk,
        "handover.created",
        f"dossier handed over to {target} ({totals})",
        action_id=handover.action_id,
        data={
            "handover_id": handover.id,
            "dossier": location,
            "invoices": invoice_numbers,
        },
    ).occurred_at = now
    audit(
        session,
        actor,
        "hand_over",
        "customer",
        customer.customer_id,
        {"handover_id": handover.id, "target": target, "dossier": location},
    )
    return handover


@dataclass(frozen=True)
class HandoverPayment:
    """A payment received after a hand-over, as noted on it."""

    handover_id: int
    payment_id: str
    amount: Money
    allocated: Money  # to the handed-over invoices
    paid_at: datetime


def _release(session: Session, handover: Handover, actor: str, now: datetime) -> None:
    """Lift the hand-over hold when no other hand-over of the customer is open."""
    customer = get_customer(session, handover.customer_id)
    other = session.scalars(
        select(Handover.id).where(
            Handover.customer_id == handover.customer_id,
            Handover.status.in_(OPEN_STATUSES),
            Handover.id != handover.id,
        )
    ).first()
    if other is None and customer.do_not_contact == HANDED_OVER:
        hold_contact(
            session, customer, None, f"hand-over {handover.id} {handover.status}", actor, now
        )


def note_payments_on_handovers(conn: Connection, now: datetime) -> list[HandoverPayment]:
    """What a payment import calls in its transaction: payments noted on open hand-overs."""
    with Session(bind=conn) as session:
        if not session.scalar(
            select(func.count()).select_from(Handover).where(Handover.status.in_(OPEN_STATUSES))
        ):
            return []
        noted = reconcile_handovers(session, now)
        session.flush()
    return noted


def reconcile_handovers(
    session: Session, now: datetime, *, actor: str = "system"
) -> list[HandoverPayment]:
    """Note payments received since each open hand-over; mark it paid when its invoices are.

    Set-based: one query finds, per open hand-over, the payments not noted on it yet;
    those payments, their allocations and the handed-over invoices still open are read
    in one query each (by chunks of ids). Only the hand-overs with a payment to note or
    with no invoice left open are loaded as rows and changed.
    """
    invoices_of: dict[int, list[int]] = {
        handover_id: invoice_ids
        for handover_id, invoice_ids in session.execute(
            select(Handover.id, Handover.invoice_ids).where(Handover.status.in_(OPEN_STATUSES))
        )
    }
    if not invoices_of:
        return []
    to_note = _payments_to_note(session)
    still_open = _still_open(session, {i for ids in invoices_of.values() for i in ids or []})
    paid = {h for h, ids in invoices_of.items() if not any(i in still_open for i in ids or [])}
    touched = _handovers(session, set(to_note) | paid)
    payments = _payments(session, {pk for pks in to_note.values() for pk in pks})
    allocated = _allocations(session, set(payments))
    noted: list[HandoverPayment] = []
    for handover in touched:
        for payment_pk in to_note.get(handover.id, []):
            noted.append(_note_payment(session, handover, payments[payment_pk], allocated, now))
        if handover.id in paid:
            handover.status = PAID
            handover.closed_at = now
            handover.closed_on = local_today(get_customer(session, handover.customer_id), now)
            handover.note = f"{handover.note}\n{handover.closed_on}: all handed-over invoices paid"
            audit(session, actor, "handover_paid", "handover", str(handover.id), {})
            _release(session, handover, actor, now)
    return noted


def _payments_to_note(session: Session) -> dict[int, list[int]]:
    """Per open hand-over, the payments (primary keys, oldest first) its customer made
    since the hand-over that are not noted on it yet."""
    noted = (
        select(Event.id)
        .where(
            Event.customer_id == Handover.customer_id,
            Event.kind == "handover.payment",
            Event.data["payment_id"].as_string() == Payment.payment_id,
            Event.data["handover_id"].as_integer() == Handover.id,
        )
        .exists()
    )
    found: dict[int, list[int]] = {}
    for handover_id, payment_pk in session.execute(
        select(Handover.id, Payment.id)
        .join(Payment, Payment.customer_id == Handover.customer_id)
        .where(
            Handover.status.in_(OPEN_STATUSES),
            Payment.reversed_at.is_(None),
            (Payment.created_at >= Handover.created_at) | (Payment.paid_at >= Handover.created_at),
            ~noted,
        )
        .order_by(Handover.id, Payment.paid_at, Payment.id)
    ):
        found.setdefault(handover_id, []).append(payment_pk)
    return found


def _chunks(ids: set[int]) -> Iterator[list[int]]:
    """The ids in order, `CHUNK` at a time (one IN list per query)."""
    ordered = sorted(ids)
    for first in range(0, len(ordered), CHUNK):
        yield ordered[first : first + CHUNK]


def _handovers(session: Session, pks: set[int]) -> list[Handover]:
    """These hand-overs, in the order they were made."""
    found = [
        row
        for chunk in _chunks(pks)
        for row in session.scalars(select(Handover).where(Handover.id.in_(chunk)))
    ]
    return sorted(found, key=lambda handover: handover.id)


def _payments(session: Session, pks: set[int]) -> dict[int, Payment]:
    return {
        row.id: row
        for chunk in _chunks(pks)
        for row in session.scalars(select(Payment).where(Payment.id.in_(chunk)))
    }


def _allocations(
    session: Session, payment_pks: set[int]
) -> dict[int, list[tuple[int | None, int]]]:
    """Per payment its allocations as (invoice primary key, amount in minor units)."""
    found: dict[int, list[tuple[int | None, int]]] = {}
    for chunk in _chunks(payment_pks):
        for payment_pk, invoice_pk, minor in session.execute(
            select(Allocation.payment_id, Allocation.invoice_id, Allocation.amount_minor).where(
                Allocation.payment_id.in_(chunk)
            )
        ):
            found.setdefault(payment_pk, []).append((invoice_pk, minor))
    return found


def _still_open(session: Session, invoice_pks: set[int]) -> set[int]:
    """Those of these invoices with an amount still open."""
    found: set[int] = set()
    for chunk in _chunks(invoice_pks):
        found.update(
            session.scalars(select(Invoice.id).where(Invoice.id.in_(chunk), Invoice.open_minor > 0))
        )
    return found


def _note_payment(
    session: Session,
    handover: Handover,
    payment: Payment,
    allocated: dict[int, list[tuple[int | None, int]]],
    now: datetime,
) -> HandoverPayment:
    """Note one payment on the hand-over and the timeline, with its part on its invoices."""
    handed_over = set(handover.invoice_ids or [])
    minor = sum(m for invoice_pk, m in allocated.get(payment.id, []) if invoice_pk in handed_over)
    item = HandoverPayment(
        handover.id,
        payment.payment_id,
        Money.of_minor(payment.amount_minor, payment.currency),
        Money.of_minor(minor, payment.currency),
        payment.paid_at,
    )
    line = (
        f"{payment.paid_at.date()}: payment {payment.payment_id} of {item.amount} "
        f"received, {item.allocated} of it on the handed-over invoices"
    )
    handover.note = f"{handover.note}\n{line}" if handover.note else line
    add_event(
        session,
        handover.customer_id,
        "handover.payment",
        line,
        direction="in",
        data={"handover_id": handover.id, "payment_id": payment.payment_id},
    ).occurred_at = now
    return item


def close_handover(
    session: Session, handover_id: int, note: str, actor: str, now: datetime
) -> Handover:
    """Close (recall) an open hand-over; own contact may resume if nothing else holds it."""
    handover = session.get(Handover, handover_id)
    if handover is None:
        raise LookupError(f"handover_id: no hand-over {handover_id}")
    if handover.status not in OPEN_STATUSES:
        raise ValueError(f"hand-over {handover_id} is already {handover.status}")
    handover.status = CLOSED
    handover.closed_at = now
    handover.closed_on = local_today(get_customer(session, handover.customer_id), now)
    handover.note = f"{handover.note or ''}\n{handover.closed_on}: closed: {note}".strip()
    audit(session, actor, "handover_closed", "handover", str(handover_id), {"note": note})
    _release(session, handover, actor, now)
    return handover
