"""Disputes from the debtor: pause the invoice, keep the evidence, tell a person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.arrangements.models import DisputeAttachment
from creditflow.arrangements.policy import PolicyRefusal
from creditflow.arrangements.rules import DISPUTE_REASONS, safe_filename, sniff_upload
from creditflow.ledger.models import Customer, Dispute, Invoice
from creditflow.ledger.service import add_event
from creditflow.outbox.service import cancel_queued_for_invoices, choose_channel, queue_action


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
        step="dispute_review",
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
