"""The disputes queue: open disputes, oldest first, and resolving one (credit, justified, rejected)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from creditflow.api.deps import get_session
from creditflow.arrangements.decisions import DISPUTE_OUTCOMES
from creditflow.arrangements.disputes import resolve_dispute
from creditflow.arrangements.models import DisputeAttachment
from creditflow.arrangements.policy import PolicyRefusal
from creditflow.ledger.models import Customer, Dispute, Invoice
from creditflow.ledger.service import audit
from creditflow.outbox.clock import local_today
from creditflow.staff.access import now_of, require
from creditflow.staff.service import Staff
from creditflow.workbench.pages import done, not_found, render, staff_of
from creditflow.workbench.portfolio import customer_scope, open_customer
from creditflow.workbench.queue_common import age_days, amount_text, queue_router, safe_back

router = queue_router()
PATH = "/workbench/queues/disputes"
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@dataclass(frozen=True)
class DisputeRow:
    """One open dispute as the queue shows it."""

    dispute_id: int
    customer_pk: int
    customer_name: str
    customer_number: str
    invoice_number: str
    amount: str
    reason: str
    text: str
    age: int
    attachments: list[tuple[int, str]]


def count_open(session: Session, staff: Staff) -> int:
    """Open disputes of the customers this staff member sees."""
    return (
        session.scalar(
            select(func.count(Dispute.id))
            .join(Customer, Customer.id == Dispute.customer_id)
            .where(Dispute.status == "open", customer_scope(staff))
        )
        or 0
    )


def open_disputes(session: Session, staff: Staff, now: datetime) -> list[DisputeRow]:
    """The open disputes this staff member sees, oldest first."""
    rows = session.execute(
        select(Dispute, Customer, Invoice)
        .join(Customer, Customer.id == Dispute.customer_id)
        .join(Invoice, Invoice.id == Dispute.invoice_id)
        .where(Dispute.status == "open", customer_scope(staff))
        .order_by(Dispute.opened_at, Dispute.id)
        .limit(500)
    ).all()
    files: dict[int, list[tuple[int, str]]] = {}
    ids = [d.id for d, _, _ in rows]
    if ids:
        for att_id, dispute_id, name in session.execute(
            select(DisputeAttachment.id, DisputeAttachment.dispute_id, DisputeAttachment.filename)
            .where(DisputeAttachment.dispute_id.in_(ids))
            .order_by(DisputeAttachment.id)
        ):
            files.setdefault(dispute_id, []).append((att_id, name))
    return [
        DisputeRow(
            dispute_id=d.id,
            customer_pk=c.id,
            customer_name=c.name,
            customer_number=c.customer_id,
            invoice_number=i.invoice_number,
            amount=amount_text(i.open_minor, i.currency),
            reason=d.reason,
            text=d.text or "",
            age=age_days(d.opened_at, now),
            attachments=files.get(d.id, []),
        )
        for d, c, i in rows
    ]


@router.get("/disputes")
def disputes_page(request: Request, session: SessionDep) -> Response:
    """The open disputes."""
    staff = staff_of(request)
    rows = open_disputes(session, staff, now_of(request))
    return render(
        request,
        "queue_disputes.html",
        rows=rows,
        outcomes=[(outcome, OUTCOME_LABELS[outcome]) for outcome in DISPUTE_OUTCOMES],
        reasons=REASON_LABELS,
        may_decide=staff.may("decide"),
    )


@router.get("/disputes/{dispute_id}/attachments/{attachment_id}")
def attachment(
    request: Request, dispute_id: int, attachment_id: int, session: SessionDep
) -> Response:
    """A dispute's evidence file, as a download (never shown inline)."""
    dispute = session.get(Dispute, dispute_id)
    file = session.get(DisputeAttachment, attachment_id)
    if dispute is None or file is None or file.dispute_id != dispute.id:
        return not_found(request)
    open_customer(session, staff_of(request), dispute.customer_id)
    return Response(
        file.data,
        media_type=file.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{file.filename}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "no-store",
        },
    )


@router.post("/disputes/{dispute_id}/resolve")
def resolve(
    request: Request,
    dispute_id: int,
    session: SessionDep,
    staff: Annotated[Staff, Depends(require("decide"))],
    outcome: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    """Resolve one dispute with an outcome and a note."""
    target = safe_back(back, PATH)
    dispute = session.get(Dispute, dispute_id)
    if dispute is None:
        return not_found(request)
    customer = open_customer(session, staff, dispute.customer_id)
    if outcome not in DISPUTE_OUTCOMES:
        return done(target, "Choose an outcome: credit note, justified or rejected.")
    now = now_of(request)
    note = note.strip()[:1000]
    try:
        resolve_dispute(session, dispute, outcome, note, today=local_today(customer, now), now=now)
    except PolicyRefusal as refusal:  # refused before anything was written
        return done(target, _refusal_notice(refusal))
    audit(session, staff.actor, "dispute.resolve", "dispute", str(dispute.id),
          {"outcome": outcome, "note": note, "customer_id": customer.customer_id})  # fmt: skip
    return done(target, OUTCOME_NOTICES[outcome])


OUTCOME_LABELS = {
    "credit_note": "Credit note: credit what is open",
    "justified": "Justified: write the invoice off",
    "rejected": "Rejected: collection resumes",
}
REASON_LABELS = {
    "amount_wrong": "Amount is wrong",
    "not_delivered": "Not delivered",
    "quality": "Quality",
    "already_paid": "Already paid",
    "not_ordered": "Not ordered",
    "other": "Other",
}
OUTCOME_NOTICES = {
    "credit_note": "Dispute resolved: the invoice is credited.",
    "justified": "Dispute resolved: the invoice is written off.",
    "rejected": "Dispute rejected: collection resumes at the next run.",
}


def _refusal_notice(refusal: PolicyRefusal) -> str:
    return {
        "dispute_closed": "This dispute was resolved already.",
        "nothing_to_credit": "The invoice has nothing open to credit; choose another outcome.",
    }.get(refusal.code, "The dispute could not be resolved.")
