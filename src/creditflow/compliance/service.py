"""Contact rules applied to the store: do-not-contact states, outbox holds, Regulation F.

The collection run holds back every customer whose `customer.do_not_contact` is set
(any value). Besides the legal states of `DoNotContact`, creditflow itself sets two:

- "handed_over": a collection agency has the file (`compliance.handover`); own contact
  stops until the hand-over is closed or paid;
- "erased": the customer's personal data was pseudonymised (`compliance.gdpr`); such a
  customer is never contacted again and the state cannot be cleared.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.compliance.contact_rules import (
    CallAttempt,
    DoNotContact,
    RuleVerdict,
    regf_call_allowed,
    regf_convenient_time,
)
from creditflow.compliance.models import OPEN_STATUSES, Handover
from creditflow.config import ContactRules
from creditflow.ledger.models import Customer, Event
from creditflow.ledger.service import add_event, audit
from creditflow.models import utcnow
from creditflow.outbox.clock import customer_zone, local_today
from creditflow.outbox.kinds import CONTACT_KINDS
from creditflow.outbox.models import Action
from creditflow.outbox.service import queue_action
from creditflow.outbox.shape import message_language

__all__ = [
    "CALL_CHANNELS",
    "CONTACT_KINDS",
    "ERASED",
    "HANDED_OVER",
    "PRODUCT_STATES",
    "call_allowed",
    "cancel_queued_actions",
    "customer_by_external_id",
    "get_customer",
    "hold_contact",
    "local_today",
    "queue_compliance_action",
    "set_do_not_contact",
]

HANDED_OVER = "handed_over"
ERASED = "erased"
PRODUCT_STATES = (HANDED_OVER, ERASED)
CALL_CHANNELS = ("call", "voice")
CALL_DONE_STATUSES = ("sent", "delivered", "done")
COMPLIANCE_STRATEGY = "compliance"


def get_customer(session: Session, customer_pk: int) -> Customer:
    """The customer with this primary key; LookupError names the key when there is none."""
    customer = session.get(Customer, customer_pk)
    if customer is None:
        raise LookupError(f"customer_pk: no customer with id {customer_pk}")
    return customer


def customer_by_external_id(session: Session, customer_id: str) -> Customer:
    """The customer with this external `customer_id` (as in the import files)."""
    customer = session.scalars(select(Customer).where(Customer.customer_id == customer_id)).first()
    if customer is None:
        raise LookupError(f"customer_id: no customer {customer_id!r}")
    return customer


def cancel_queued_actions(
    session: Session,
    customer_pk: int,
    reason: str,
    now: datetime,
    *,
    channels: Iterable[str] | None = None,
    kinds: Iterable[str] | None = CONTACT_KINDS,
    spare_step: str | None = None,
) -> list[str]:
    """Cancel the customer's queued actions (optionally only some channels or kinds).

    Actions of `spare_step` are left alone. Returns the action_id of every action
    cancelled, each noted on the timeline.
    """
    query = select(Action).where(Action.customer_id == customer_pk, Action.status == "queued")
    if spare_step is not None:
        query = query.where(Action.step != spare_step)
    if channels is not None:
        query = query.where(Action.channel.in_(list(channels)))
    if kinds is not None:
        query = query.where(Action.kind.in_(list(kinds)))
    cancelled: list[str] = []
    for action in session.scalars(query.order_by(Action.id)):
        action.status = "cancelled"
        action.status_reason = reason
        action.updated_at = now
        cancelled.append(action.action_id)
        add_event(
            session,
            customer_pk,
            "action.cancelled",
            f"{action.kind} {action.step} on {action.channel} cancelled: {reason}",
            channel=action.channel,
            action_id=action.action_id,
            data={"reason": reason},
        ).occurred_at = now
    return cancelled


def queue_compliance_action(
    session: Session,
    customer: Customer,
    *,
    kind: str,
    channel: str,
    step: str,
    now: datetime,
    key: Sequence[str],
    template: str | None = None,
    payload: dict[str, Any] | None = None,
    currency: str | None = None,
) -> Action:
    """Queue a review task or confirmation of compliance through the outbox.

    Its key parts are the customer, "compliance", the step and `key`; its tone is
    neutral, its language one the messages are written in, its currency (unless
    given) the customer's credit currency.
    """
    return queue_action(
        session,
        customer,
        key=(customer.customer_id, COMPLIANCE_STRATEGY, step, *key),
        kind=kind,
        channel=channel,
        step=step,
        now=now,
        strategy=COMPLIANCE_STRATEGY,
        template=template,
        currency=currency or customer.credit_currency,
        payload=payload,
        tone="neutral",
        language=message_language(customer.language),
    )


def _check_state(state: DoNotContact | str | None) -> str | None:
    if state is None or state == "":
        return None
    try:
        return DoNotContact(state).value
    except ValueError:
        known = ", ".join(member.value for member in DoNotContact)
        raise ValueError(
            f"state: {state!r} is not a do-not-contact state (known: {known})"
        ) from None


def hold_contact(
    session: Session,
    customer: Customer,
    state: str | None,
    note: str | None,
    actor: str,
    now: datetime,
) -> list[str]:
    """Set or clear `do_not_contact` and cancel queued contact; the common part of every hold.

    Returns the cancelled action ids. An erased customer stays erased.
    """
    previous = customer.do_not_contact
    if previous == ERASED and state != ERASED:
        raise ValueError(
            f"customer {customer.customer_id}: personal data was erased; "
            "the customer is never contacted again"
        )
    customer.do_not_contact = state
    customer.updated_at = now
    cancelled: list[str] = []
    if state is not None:
        cancelled = cancel_queued_actions(
            session,
            customer.id,
            f"do not contact: {state}",
            now,
            kinds=(*CONTACT_KINDS, "escalation"),
        )
    if state:
        summary = f"do-not-contact set to {state}"
    else:
        summary = f"do-not-contact {previous} cleared" if previous else "do-not-contact cleared"
    add_event(
        session,
        customer.id,
        "customer.do_not_contact",
        summary + (f": {note}" if note else ""),
        data={"state": state, "previous": previous, "cancelled": cancelled},
    ).occurred_at = now
    audit(
        session,
        actor,
        "do_not_contact",
        "customer",
        customer.customer_id,
        {"state": state, "previous": previous, "note": note, "cancelled": cancelled},
    )
    return cancelled


def set_do_not_contact(
    session: Session,
    customer_pk: int,
    state: DoNotContact | str | None,
    note: str | None,
    actor: str,
    *,
    now: datetime | None = None,
) -> Action | None:
    """Put a customer in a do-not-contact state (None clears it); returns the review task.

    Setting a state cancels queued contact and queues a review task for a collector
    (kind task, channel "review", step "do_not_contact"). Clearing needs no review; an
    open hand-over must be closed, and an erasure is final.
    """
    moment = now or utcnow()
    value = _check_state(state)
    customer = get_customer(session, customer_pk)
    if value is None and customer.do_not_contact == HANDED_OVER:
        open_handover = session.scalars(
            select(Handover.id).where(
                Handover.customer_id == customer_pk, Handover.status.in_(OPEN_STATUSES)
            )
        ).first()
        if open_handover is not None:
            raise ValueError(
                f"customer {customer.customer_id}: hand-over {open_handover} is open; "
                "close it before contacting the customer again"
            )
    hold_contact(session, customer, value, note, actor, moment)
    if value is None:
        return None
    return queue_compliance_action(
        session,
        customer,
        kind="task",
        channel="review",
        step="do_not_contact",
        now=moment,
        key=(value, moment.isoformat()),
        payload={"state": value, "note": note, "set_by": actor},
    )


def _call_history(session: Session, customer_pk: int) -> list[CallAttempt]:
    """Calls made (call/voice actions sent or done) and conversations (events)."""
    calls: dict[str | None, datetime] = {}
    for action_id, sent_at, scheduled_at in session.execute(
        select(Action.action_id, Action.sent_at, Action.scheduled_at).where(
            Action.customer_id == customer_pk,
            Action.channel.in_(CALL_CHANNELS),
            Action.status.in_(CALL_DONE_STATUSES),
        )
    ):
        calls[action_id] = sent_at or scheduled_at
    attempts: list[CallAttempt] = []
    talked: set[str | None] = set()
    for event_action, occurred_at in session.execute(
        select(Event.action_id, Event.occurred_at).where(
            Event.customer_id == customer_pk, Event.kind == "call.conversation"
        )
    ):
        if event_action is not None and event_action in calls:
            # the conversation happened on a call already counted: count it once
            talked.add(event_action)
            attempts.append(CallAttempt(at=calls[event_action], conversation=True))
        else:
            attempts.append(CallAttempt(at=occurred_at, conversation=True))
    attempts.extend(CallAttempt(at=at) for aid, at in calls.items() if aid not in talked)
    return attempts


def call_allowed(
    session: Session, customer_pk: int, now: datetime, rules: ContactRules | None = None
) -> RuleVerdict:
    """Whether a call or voice message may go out now under US Regulation F.

    With `rules` given and `rules.regulation_f` off, every call is allowed. Otherwise
    the customer's call history is checked (at most 7 calls in 7 days, none within 7
    days after a conversation; counted over all the customer's debts, the safe side)
    and the hour at the customer's location (08:00-21:00).
    """
    if rules is not None and not rules.regulation_f:
        return RuleVerdict(allowed=True)
    customer = get_customer(session, customer_pk)
    local_now = now.astimezone(customer_zone(customer))
    verdicts = [
        regf_call_allowed(_call_history(session, customer_pk), local_now),
        regf_convenient_time(local_now),
    ]
    refused = [v for v in verdicts if not v.allowed]
    if not refused:
        return RuleVerdict(allowed=True)
    moments = [v.not_before for v in refused if v.not_before is not None]
    not_before = max(moments) if moments else None
    if not_before is not None:
        hours = regf_convenient_time(not_before)
        not_before = hours.not_before if not hours.allowed else not_before
    return RuleVerdict(
        allowed=False,
        reason="; ".join(v.reason for v in refused if v.reason),
        not_before=not_before,
    )
