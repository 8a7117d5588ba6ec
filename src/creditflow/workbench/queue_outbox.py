"""The outbox queue: queued, held and failed actions; preview, hold, release, cancel, retry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from creditflow.api.deps import get_session, get_settings
from creditflow.config import Settings
from creditflow.ledger.models import Customer
from creditflow.ledger.service import add_event, audit
from creditflow.outbox.handling import OPERATIONS, HandlingRefused, handle_action
from creditflow.outbox.models import HELD, Action, DeliveryAttempt
from creditflow.staff.access import now_of, require
from creditflow.staff.service import Staff
from creditflow.workbench.pages import done, not_found, render, staff_of
from creditflow.workbench.portfolio import customer_scope, limited_to_portfolio, open_customer
from creditflow.workbench.queue_common import amount_text, queue_router, safe_back
from creditflow.workbench.queue_preview import preview_action

router = queue_router()
PATH = "/workbench/queues/outbox"
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
STATUSES = ("queued", HELD, "failed")
CHANNELS = ("email", "sms", "whatsapp", "letter", "voice", "push", "call", "review")
PAGE_SIZE = 200


@dataclass(frozen=True)
class ActionRow:
    """One action as the queue shows it."""

    pk: int
    customer_pk: int
    customer_name: str
    kind: str
    step: str
    channel: str
    status: str
    scheduled: str
    amount: str
    attempts: int
    why: str


def _query(staff: Staff, status: str, channel: str) -> Select[Action, Customer]:
    query = (
        select(Action, Customer)
        .join(Customer, Customer.id == Action.customer_id)
        .where(Action.status.in_([status] if status in STATUSES else list(STATUSES)))
        .where(customer_scope(staff))
    )
    return query.where(Action.channel == channel) if channel else query


def counts(session: Session, staff: Staff) -> dict[str, int]:
    """Actions per status (queued, held, failed) of the customers this staff member sees."""
    query = select(Action.status, func.count()).where(Action.status.in_(STATUSES))
    if limited_to_portfolio(staff):  # everyone else counts from the status index alone
        query = query.join(Customer, Customer.id == Action.customer_id).where(customer_scope(staff))
    found = dict(session.execute(query.group_by(Action.status)).all())
    return {status: int(found.get(status, 0)) for status in STATUSES}


def outbox_rows(session: Session, staff: Staff, status: str, channel: str) -> list[ActionRow]:
    """The first PAGE_SIZE actions of the filter, failed and held first, then by send time."""
    order = case((Action.status == "queued", 1), else_=0)  # failed and held first
    rows = session.execute(
        _query(staff, status, channel)
        .order_by(order, Action.scheduled_at, Action.id)
        .limit(PAGE_SIZE)
    ).all()
    return [
        ActionRow(
            pk=a.id,
            customer_pk=c.id,
            customer_name=c.name,
            kind=a.kind,
            step=a.step,
            channel=a.channel,
            status=a.status,
            scheduled=a.scheduled_at.strftime("%Y-%m-%d %H:%M"),
            amount=amount_text(a.amount_due_minor, a.currency),
            attempts=a.attempts,
            why=a.error or a.status_reason or "",
        )
        for a, c in rows
    ]


@router.get("/outbox")
def outbox_page(
    request: Request, session: SessionDep, status: str = "", channel: str = ""
) -> Response:
    """The outbox queue with filters by status and channel."""
    staff = staff_of(request)
    status = status if status in STATUSES else ""
    channel = channel if channel in CHANNELS else ""
    return render(
        request,
        "queue_outbox.html",
        rows=outbox_rows(session, staff, status, channel),
        counts=counts(session, staff),
        statuses=STATUSES,
        channels=CHANNELS,
        chosen_status=status,
        chosen_channel=channel,
        page_size=PAGE_SIZE,
        may_handle=staff.may("work_customers"),
    )


@router.get("/outbox/{action_pk}")
def action_page(
    request: Request,
    action_pk: int,
    session: SessionDep,
    settings: Annotated[Settings, Depends(get_settings)],
) -> Response:
    """One action: what it is, its delivery attempts, and the message as the debtor will see it."""
    staff = staff_of(request)
    action = session.get(Action, action_pk)
    if action is None:
        return not_found(request)
    customer = open_customer(session, staff, action.customer_id)
    attempts = session.scalars(
        select(DeliveryAttempt)
        .where(DeliveryAttempt.action_id == action.action_id)
        .order_by(DeliveryAttempt.started_at, DeliveryAttempt.id)
    ).all()
    return render(
        request,
        "queue_action.html",
        action=action,
        customer=customer,
        amount=amount_text(action.amount_due_minor, action.currency),
        attempts=attempts,
        preview=preview_action(session, settings, action, customer, now_of(request)),
        operations=[op for op, (allowed, _) in OPERATIONS.items() if action.status in allowed],
        operation_labels=OPERATION_LABELS,
        may_handle=staff.may("work_customers"),
    )


OPERATION_LABELS = {
    "hold": "Hold",
    "release": "Release",
    "cancel": "Cancel the action",
    "retry": "Retry now",
}
NOTICES = {
    "hold": "The action is held: it will not be sent until it is released.",
    "release": "The action is released: it will be sent at its time.",
    "cancel": "The action is cancelled.",
    "retry": "The action is queued again: it will be sent at the next dispatch.",
}


@router.post("/outbox/{action_pk}/{operation}")
def handle(
    request: Request,
    action_pk: int,
    operation: str,
    session: SessionDep,
    settings: Annotated[Settings, Depends(get_settings)],
    staff: Annotated[Staff, Depends(require("work_customers"))],
    note: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    """Hold, release, cancel or retry one action."""
    target = safe_back(back, PATH)
    action = session.get(Action, action_pk)
    if action is None or operation not in OPERATIONS:
        return not_found(request)
    customer = open_customer(session, staff, action.customer_id)
    now = now_of(request)
    before = action.status
    note = note.strip()[:400]
    try:
        after = handle_action(
            session,
            action,
            operation,
            now=now,
            claim_timeout_seconds=settings.dispatch.claim_timeout_seconds,
            note=note,
        )
    except HandlingRefused:
        return done(target, "This action cannot be changed that way now.")
    add_event(session, customer.id, f"action.{operation}",
              f"{action.step} on {action.channel}: {before} -> {after} (by staff)",
              channel=action.channel, action_id=action.action_id, data={"note": note})  # fmt: skip
    audit(session, staff.actor, f"action.{operation}", "action", action.action_id,
          {"before": before, "after": after, "note": note,
           "customer_id": customer.customer_id})  # fmt: skip
    return done(target, NOTICES[operation])
