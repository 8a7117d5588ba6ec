"""Disputes from the debtor: pause the invoice, keep the evidence, tell a person."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.arrangements.decisions import dispute_resolution
from creditflow.arrangements.models import DisputeAttachment
from creditflow.arrangements.policy import PolicyRefusal
from creditflow.arrangements.rules import DISPUTE_REASONS, safe_filename, sniff_upload
from creditflow.ledger.models import CreditNote, Customer, Dispute, Invoice
from creditflow.ledger.service import add_event
from creditflow.money import from_minor
from creditflow.outbox.models import OPEN_TASK_STATUSES, Action
from creditflow.outbox.service import cancel_queued_for_invoices, choose_channel, queue_action

DISPUTE_REVIEW_STEP = "dispute_review"


def open_dispute(
    session: Session,
    customer: Customer,
    invoice: Invoice,
    reason: str,
    text: str,
    *,
    now: datetime,
    attachment: tuple[str, bytes] | None = None,
    source: str = "portal",
) -> Dispute:
    """Pause an invoice with an open dispute; keep the attachment; queue a task and a receipt."""
    if invoice.customer_id != customer.id:
        raise PermissionError("the invoice belongs to another customer")
    if reason not in DISPUTE_REASONS:
        raise PolicyRefusal("dispute_reason", f"reason {reason!r} is not one of the listed reasons")
    content_type = None
    if attachment is not None:
        content_type = sniff_upload(attachment[1])
    existing = session.scalars(
        select(Dispute).where(Dispute.invoice_id == invoice.id, Dispute.status == "open")
    ).first()
    if existing is not None:
        raise PolicyRefusal(
            "dispute_exists", f"invoice {invoice.invoice_number} is already disputed"
        )
    dispute = Dispute(
        customer_id=customer.id,
        invoice_id=invoice.id,
        reason=reason,
        text=text[:4000],
        status="open",
        source=source,
        opened_at=now,
    )
    session.add(dispute)
    session.flush()
    if attachment is not None and content_type is not None:
        session.add(
            DisputeAttachment(
                dispute_id=dispute.id,
                filename=safe_filename(attachment[0], content_type),
                content_type=content_type,
                size=len(attachment[1]),
                data=attachment[1],
                created_at=now,
            )
        )
    invoice.status = "disputed"
    invoice.dispute_reason = reason
    cancel_queued_for_invoices(
        session, customer.id, [invoice.id], f"dispute on {invoice.invoice_number}", now
    )
    queue_action(
        session,
        customer,
        key=f"dispute-{dispute.id}-task",
        kind="task",
        channel="review",
        step=DISPUTE_REVIEW_STEP,
        now=now,
        invoices=[invoice],
        amount_due_minor=invoice.open_minor,
        currency=invoice.currency,
        payload={"dispute_id": dispute.id, "reason": reason},
    )
    channel = choose_channel(session, customer)
    if channel:
        queue_action(
            session,
            customer,
            key=f"dispute-{dispute.id}-ack",
            kind="message",
            channel=channel,
            step="dispute_received",
            template="dispute_received",
            now=now,
            invoices=[invoice],
            amount_due_minor=invoice.open_minor,
            currency=invoice.currency,
            payload={"dispute_reference": f"D{dispute.id:06d}"},
        )
    add_event(
        session,
        customer.id,
        "dispute.opened",
        f"Dispute on {invoice.invoice_number}: {reason}",
        direction="in",
        data={"dispute_id": dispute.id, "source": source},
    )
    return dispute


def resolve_dispute(
    session: Session,
    dispute: Dispute,
    outcome: str,
    note: str,
    *,
    today: date,
    now: datetime,
) -> Dispute:
    """Close an open dispute: credit the invoice, write it off, or reject (dunning resumes).

    The rule is `decisions.dispute_resolution`. The dispute's review task is done; the
    timeline says what was decided. No message goes to the debtor: the outbox has no
    transactional step for a decided dispute (`outbox.transactional.RESPONSE_STEPS`).
    """
    if dispute.status != "open":
        raise PolicyRefusal(
            "dispute_closed", f"dispute D{dispute.id:06d} is already {dispute.status}"
        )
    invoice = session.get(Invoice, dispute.invoice_id)
    assert invoice is not None  # the foreign key guarantees it
    effect = dispute_resolution(outcome, invoice.open_minor)
    if effect.credit_minor:
        session.add(
            CreditNote(
                credit_note_number=f"CN-D{dispute.id:06d}",
                customer_id=dispute.customer_id,
                invoice_id=invoice.id,
                issue_date=today,
                currency=invoice.currency,
                amount_minor=effect.credit_minor,
                applied_minor=effect.credit_minor,
                source="dispute",
                created_at=now,
            )
        )
    invoice.open_minor = effect.open_after
    invoice.status = effect.invoice_status
    if effect.invoice_status == "paid" and invoice.paid_on is None:
        invoice.paid_on = today
    if outcome == "rejected":
        invoice.dispute_reason = None
    dispute.status = effect.dispute_status
    dispute.closed_at = now
    for task in session.scalars(
        select(Action).where(
            Action.customer_id == dispute.customer_id,
            Action.kind == "task",
            Action.step == DISPUTE_REVIEW_STEP,
            Action.status.in_(OPEN_TASK_STATUSES),
        )
    ):
        if (task.payload or {}).get("dispute_id") == dispute.id:
            task.status = "done"
            task.status_reason = f"dispute resolved: {outcome}"
            task.updated_at = now
    amount = f"{from_minor(effect.credit_minor or effect.open_after, invoice.currency)} {invoice.currency}"
    summary = {
        "credit_note": f"Dispute on {invoice.invoice_number} resolved: credited {amount}",
        "justified": f"Dispute on {invoice.invoice_number} justified: {amount} written off",
        "rejected": f"Dispute on {invoice.invoice_number} rejected: collection resumes",
    }[outcome]
    add_event(
        session,
        dispute.customer_id,
        "dispute.resolved" if outcome != "rejected" else "dispute.rejected",
        f"{summary}. {note}".strip() if note else summary,
        data={"dispute_id": dispute.id, "outcome": outcome, "note": note[:1000]},
    )
    return dispute
