"""Queue actions outside the collection run, and the outbox's shared look-ups.

`queue_action` is the one way a producer outside the run (the portal, compliance,
conversations, payment webhooks) puts an action in the outbox: idempotent (an action
with the same key is returned, not queued twice), dated on the customer's today.
The run writes its actions in bulk (`strategy.run`), with keys from `outbox.keys`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from creditflow.ledger.models import ContactPoint, Customer, Invoice
from creditflow.outbox.clock import local_today
from creditflow.outbox.keys import action_key
from creditflow.outbox.models import (
    CONTEXT_INVOICES,
    OPEN_TASK_STATUSES,
    PLAN_REVIEW_STEP,
    Action,
)
from creditflow.outbox.reach import reachable_channels

__all__ = [
    "MESSAGE_CHANNELS",
    "cancel_queued_for_invoices",
    "choose_channel",
    "customer_reachable",
    "plan_requests_waiting",
    "queue_action",
]

MESSAGE_CHANNELS = ("email", "sms", "whatsapp", "letter")


def queue_action(
    session: Session,
    customer: Customer,
    *,
    key: str | Sequence[object],
    kind: str,
    channel: str,
    step: str,
    now: datetime,
    strategy: str = "portal",
    template: str | None = None,
    invoices: Sequence[Invoice] = (),
    amount_due_minor: int = 0,
    currency: str | None = None,
    payload: dict[str, Any] | None = None,
    tone: str = "friendly",
    language: str | None = None,
    fallback_channels: Sequence[str] = (),
) -> Action:
    """Queue one action (idempotent: an existing action with the same key is returned).

    `key` is a record key such as "promise-12-confirmation" (the key parts are then
    the strategy and it) or the complete parts of the key (`outbox.keys`).

    `invoices` are what the action is about as context (a confirmation is about
    invoices paused on purpose): the message lists them (`CONTEXT_INVOICES` in the
    payload) and `invoice_ids` stays empty, so the pre-send re-check does not cancel
    a confirmation because its invoice is under a promise.
    """
    parts = (strategy, key) if isinstance(key, str) else tuple(key)
    action_id = action_key(*parts)
    existing = session.scalars(select(Action).where(Action.action_id == action_id)).first()
    if existing is not None:
        return existing
    numbers = [i.invoice_number for i in invoices]
    recorded: dict[str, Any] = {"key": key} if isinstance(key, str) else {}
    if invoices:
        recorded |= {"invoices": numbers, CONTEXT_INVOICES: [i.id for i in invoices]}
    action = Action(
        action_id=action_id,
        run_id=None,
        customer_id=customer.id,
        kind=kind,
        channel=channel,
        step=step,
        level=0,
        strategy=strategy,
        template=template,
        language=language or customer.language,
        tone=tone,
        legal=None,
        invoice_numbers=numbers,
        invoice_ids=[],
        amount_due_minor=amount_due_minor,
        charge_minor=None,
        currency=currency or (invoices[0].currency if invoices else "EUR"),
        decided_on=local_today(customer, now),
        scheduled_at=now,
        timezone=customer.timezone,
        status="queued",
        fallback_channels=list(fallback_channels),
        attempts=0,
        payload={**recorded, **(payload or {})},
        created_at=now,
        updated_at=now,
    )
    session.add(action)
    session.flush()
    return action


def customer_reachable(session: Session, customer: Customer) -> set[str]:
    """The customer's reachable channels (`outbox.reach`), read from the store."""
    points = session.execute(
        select(ContactPoint.channel, ContactPoint.valid, ContactPoint.opted_out).where(
            ContactPoint.customer_id == customer.id
        )
    )
    return reachable_channels(((c, v, o) for c, v, o in points), customer.opt_out)


def choose_channel(session: Session, customer: Customer, first: str | None = None) -> str | None:
    """Where to send a message: `first` if reachable, else the preferred channel, else the usual."""
    reachable = customer_reachable(session, customer)
    for channel in (first, customer.preferred_channel, *MESSAGE_CHANNELS):
        if channel and channel in reachable:
            return channel
    return None


def cancel_queued_for_invoices(
    session: Session, customer_pk: int, invoice_pks: Iterable[int], reason: str, now: datetime
) -> list[str]:
    """Cancel queued reminders (messages, calls) about any of these invoices; their ids."""
    wanted = set(invoice_pks)
    cancelled = []
    for action in session.scalars(
        select(Action).where(Action.customer_id == customer_pk, Action.status == "queued")
    ):
        if action.kind in ("message", "task") and wanted & set(action.invoice_ids or []):
            action.status = "cancelled"
            action.status_reason = reason[:400]
            action.updated_at = now
            cancelled.append(action.action_id)
    return cancelled


def plan_requests_waiting(customer_pks: Sequence[int] | None = None) -> Select[int, list[str]]:
    """(customer_pk, invoice_numbers) of payment plan requests waiting for a person's review.

    A request outside policy is a review task (`PLAN_REVIEW_STEP`) naming its invoices
    by number; it waits while queued or sent (`OPEN_TASK_STATUSES`). The run and the
    pre-send re-check both pause dunning of the invoices it names.
    """
    query = select(Action.customer_id, Action.invoice_numbers).where(
        Action.kind == "task",
        Action.step == PLAN_REVIEW_STEP,
        Action.status.in_(OPEN_TASK_STATUSES),
    )
    if customer_pks is not None:
        query = query.where(Action.customer_id.in_(list(customer_pks)))
    return query
