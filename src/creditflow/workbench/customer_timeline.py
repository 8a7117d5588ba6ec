"""One timeline of a customer: every contact, payment, reply, visit, promise, dispute, note.

Merged from the `event` table (what every area notes), the outbox (each action with its
delivery attempts, linked to the message as the debtor saw it) and the payments.
Newest first, the latest `LIMIT` entries.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.ledger.models import Event, Payment
from creditflow.money import Money
from creditflow.outbox.models import Action, DeliveryAttempt

__all__ = ["LIMIT", "TimelineEntry", "category_of", "timeline"]

LIMIT = 200
# Event kind prefix -> the category shown as a badge (and filtered on by tests).
CATEGORIES = {
    "message": "message",
    "task": "task",
    "contact": "contact point",
    "payment": "payment",
    "conversation": "reply",
    "portal": "portal visit",
    "preferences": "portal visit",
    "promise": "promise",
    "plan": "payment plan",
    "dispute": "dispute",
    "note": "note",
    "call": "call",
    "customer": "customer",
    "handover": "hand-over",
    "action": "message",
}


def category_of(kind: str) -> str:
    """The timeline category of an event kind ("promise.made" -> "promise")."""
    return CATEGORIES.get(kind.split(".", 1)[0], "other")


@dataclass
class TimelineEntry:
    """One line of the timeline."""

    at: datetime
    category: str
    summary: str
    direction: str = "internal"
    channel: str | None = None
    action: Action | None = None
    attempts: list[DeliveryAttempt] = field(default_factory=list)
    amount: Money | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def viewable(self) -> bool:
        """True when the entry is a message whose text can be shown as the debtor saw it."""
        return (
            self.action is not None and self.action.kind == "message" and bool(self.action.template)
        )


PAYMENT_EVENT = "payment.received"


def timeline(session: Session, customer_pk: int) -> list[TimelineEntry]:
    """The customer's latest timeline entries, newest first."""
    entries = [
        TimelineEntry(
            at=e.occurred_at,
            category=category_of(e.kind),
            summary=e.summary,
            direction=e.direction,
            channel=e.channel,
            data={"kind": e.kind, **(e.data or {})},
        )
        for e in session.scalars(
            select(Event)
            # a payment is listed from the payment table (amount, reversal), not twice
            .where(Event.customer_id == customer_pk, Event.kind != PAYMENT_EVENT)
            .order_by(Event.occurred_at.desc(), Event.id.desc())
            .limit(LIMIT)
        )
    ]
    actions = list(
        session.scalars(
            select(Action)
            .where(Action.customer_id == customer_pk)
            .order_by(Action.created_at.desc(), Action.id.desc())
            .limit(LIMIT)
        )
    )
    attempts: dict[str, list[DeliveryAttempt]] = defaultdict(list)
    if actions:
        for attempt in session.scalars(
            select(DeliveryAttempt)
            .where(DeliveryAttempt.action_id.in_([a.action_id for a in actions]))
            .order_by(DeliveryAttempt.attempt)
        ):
            attempts[attempt.action_id].append(attempt)
    entries += [
        TimelineEntry(
            at=a.sent_at or a.created_at,
            category="message" if a.kind == "message" else a.kind,
            summary=f"{a.template or a.step} ({a.step})",
            direction="out" if a.kind == "message" else "internal",
            channel=a.channel,
            action=a,
            attempts=attempts.get(a.action_id, []),
        )
        for a in actions
    ]
    entries += [
        TimelineEntry(
            at=p.paid_at,
            category="payment",
            summary=" ".join(
                x for x in (p.method or p.source, p.invoice_number or p.reference or "") if x
            ),
            direction="in",
            amount=Money.of_minor(p.amount_minor, p.currency),
            data={"reversed": p.reversed_at is not None, "payment_id": p.payment_id},
        )
        for p in session.scalars(
            select(Payment)
            .where(Payment.customer_id == customer_pk)
            .order_by(Payment.paid_at.desc())
            .limit(LIMIT)
        )
    ]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:LIMIT]
