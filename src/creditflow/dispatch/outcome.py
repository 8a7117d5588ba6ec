"""What happens to an action after a send, a bounce or a status callback.

Every change of state goes on the customer's timeline (DESIGN invariant 7) with one
of the event kinds: message.sent, message.retry, message.failover, message.failed,
message.cancelled, message.delivered, message.bounced, message.review,
contact.invalid, task.created, task.done.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.channels.base import SendResult
from creditflow.dispatch.retry import next_channel
from creditflow.ledger.models import ContactPoint, Customer, Event
from creditflow.money import to_minor
from creditflow.outbox.models import Action
from creditflow.outbox.service import customer_reachable

__all__ = [
    "cancel",
    "event_row",
    "fail_over",
    "mark_contact_invalid",
    "mark_sent",
    "sent_changes",
    "sent_event",
    "timeline",
]


_EVENT_CHANNELS = ("email", "sms", "whatsapp", "letter", "voice", "push", "call")


def event_row(
    customer_pk: int,
    action_id: str,
    channel: str,
    step: str,
    kind: str,
    summary: str,
    now: datetime,
    *,
    direction: str = "internal",
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One timeline entry about an action, as a row of the event table."""
    return {
        "customer_id": customer_pk,
        "occurred_at": now,
        "kind": kind,
        "channel": channel if channel in _EVENT_CHANNELS else None,
        "direction": direction,
        "action_id": action_id,
        "summary": summary[:400],
        "data": {"step": step, **(data or {})},
    }


def timeline(
    session: Session,
    action: Action,
    kind: str,
    summary: str,
    now: datetime,
    *,
    direction: str = "internal",
    data: dict[str, Any] | None = None,
) -> None:
    """Note a change of this action on its customer's timeline."""
    row = event_row(
        action.customer_id,
        action.action_id,
        action.channel,
        action.step,
        kind,
        summary,
        now,
        direction=direction,
        data=data,
    )
    session.add(Event(**row))


def _release(action: Action, now: datetime) -> None:
    action.claimed_by = None
    action.claimed_at = None
    action.updated_at = now


def cancel(session: Session, action: Action, reason: str, now: datetime) -> None:
    """Cancel an action that must not be sent (the re-check said so)."""
    action.status = "cancelled"
    action.status_reason = reason[:400]
    _release(action, now)
    label = "message" if action.kind == "message" else action.kind
    timeline(
        session,
        action,
        f"{label}.cancelled",
        f"{action.step} on {action.channel} cancelled before sending: {reason}",
        now,
        data={"reason": reason},
    )


def sent_changes(
    payload: dict[str, Any] | None, result: SendResult, now: datetime
) -> dict[str, Any]:
    """The columns an accepted send sets on its action (status 'sent', provider, id, cost)."""
    merged = dict(payload or {})
    changes: dict[str, Any] = {
        "status": "sent",
        "status_reason": None,
        "provider": result.provider,
        "provider_message_id": result.provider_message_id,
        "sent_at": now,
        "next_attempt_at": None,
        "error": None,
        "claimed_by": None,
        "claimed_at": None,
        "updated_at": now,
    }
    if result.cost is not None:
        changes["cost_minor"] = to_minor(result.cost.amount, result.cost.currency)
        merged["cost_currency"] = result.cost.currency
    if result.segments is not None:
        merged["segments"] = result.segments
    changes["payload"] = merged
    return changes


def sent_event(
    customer_pk: int,
    action_id: str,
    channel: str,
    step: str,
    template: str | None,
    result: SendResult,
    now: datetime,
) -> dict[str, Any]:
    """The timeline row of an accepted send."""
    return event_row(
        customer_pk,
        action_id,
        channel,
        step,
        "message.sent",
        f"{template or step} sent by {channel} ({result.provider})",
        now,
        direction="out",
        data={"provider": result.provider, "provider_message_id": result.provider_message_id},
    )


def mark_sent(session: Session, action: Action, result: SendResult, now: datetime) -> None:
    """Record an accepted send: provider, its id, cost, segments; status 'sent'."""
    for name, value in sent_changes(action.payload, result, now).items():
        setattr(action, name, value)
    row = sent_event(
        action.customer_id,
        action.action_id,
        action.channel,
        action.step,
        action.template,
        result,
        now,
    )
    session.add(Event(**row))


def mark_contact_invalid(
    session: Session, action: Action, channel: str, address: str | None, reason: str, now: datetime
) -> int:
    """Mark the customer's contact point(s) on a channel invalid; how many were marked."""
    query = select(ContactPoint).where(
        ContactPoint.customer_id == action.customer_id,
        ContactPoint.channel == channel,
        ContactPoint.valid.is_(True),
    )
    if address:
        query = query.where(ContactPoint.address == address)
    marked = 0
    for point in session.scalars(query):
        point.valid = False
        point.invalid_reason = reason[:200]
        point.updated_at = now
        marked += 1
    if marked:
        timeline(
            session,
            action,
            "contact.invalid",
            f"{channel} address {address or ''} marked invalid: {reason}".replace("  ", " "),
            now,
            data={"channel": channel, "address": address, "reason": reason},
        )
    return marked


def fail_over(session: Session, action: Action, reason: str, now: datetime) -> str | None:
    """Move the action to its next reachable fallback channel, or fail it; the new channel."""
    customer = session.get(Customer, action.customer_id)
    reachable = customer_reachable(session, customer) if customer is not None else set()
    channel, rest = next_channel(action.fallback_channels or [], reachable, {action.channel})
    action.error = reason[:2000]
    action.next_attempt_at = None
    _release(action, now)
    if channel is None:
        action.status = "failed"
        action.status_reason = f"no channel left: {reason}"[:400]
        timeline(
            session,
            action,
            "message.failed",
            f"{action.step} could not be delivered on {action.channel} and no channel is left: "
            f"{reason}",
            now,
            data={"reason": reason},
        )
        return None
    previous = action.channel
    payload = dict(action.payload or {})
    payload.setdefault("channels_tried", []).append(previous)
    action.payload = payload
    action.channel = channel
    action.fallback_channels = rest
    action.attempts = 0
    action.status = "queued"
    action.status_reason = f"failed over from {previous}: {reason}"[:400]
    timeline(
        session,
        action,
        "message.failover",
        f"{action.step}: {previous} failed ({reason}); trying {channel}",
        now,
        data={"from": previous, "to": channel, "reason": reason},
    )
    return channel
