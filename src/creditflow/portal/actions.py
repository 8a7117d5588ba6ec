"""Outbox helpers for self-service: queue a message or task, cancel queued reminders.

Actions queued here have strategy "portal" (or "conversation"), level 0 and a
deterministic `action_id` derived from the record that caused them, so repeating
the same request never queues a second message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.dispatch.models import CONTEXT_INVOICES, Action
from creditflow.ledger.models import ContactPoint, Customer, Invoice

MESSAGE_CHANNELS = ("email", "sms", "whatsapp", "letter")


def action_key(*parts: object) -> str:
    """The deterministic idempotency key of a self-service action."""
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:32]


def reachable_channels(session: Session, customer: Customer) -> list[str]:
    """Channels with a valid contact point the customer has not opted out of."""
    rows = session.scalars(
        select(ContactPoint.channel).where(
            ContactPoint.customer_id == customer.id,
            ContactPoint.valid.is_(True),
            ContactPoint.opted_out.is_(False),
        )
    ).all()
    opted_out = set(customer.opt_out or [])
    channels = {c for c in rows if c not in opted_out}
    if customer.address_line1 and "letter" not in opted_out:
        channels.add("letter")
    return sorted(channels)


def choose_channel(session: Session, customer: Customer, first: str | None = None) -> str | None:
    """Where to send a message: `first` if reachable, else the preferred channel, else the usual."""
    reachable = reachable_channels(session, customer)
    for channel in (first, customer.preferred_channel, *MESSAGE_CHANNELS):
        if channel and channel in reachable:
            return channel
    return None


def queue_action(
    session: Session,
    customer: Customer,
    *,
    key: str,
    kind: str,
    channel: str,
    step: str,
    now: datetime,
    template: str | None = None,
    invoices: Sequence[Invoice] = (),
    amount_due_minor: int = 0,
    currency: str | None = None,
    payload: dict[str, Any] | None = None,
    strategy: str = "portal",
) -> Action:
    """Queue one action (idempotent: an existing action with the same key is returned).

    Confirmations are about invoices that are paused on purpose, so their invoices
    go in the payload (`CONTEXT_INVOICES`, which the message lists) and `invoice_ids`
    stays empty: the pre-send re-check must not cancel a confirmation because the
    invoice is under a promise.
    """
    action_id = action_key(strategy, key)
    existing = session.scalars(select(Action).where(Action.action_id == action_id)).first()
    if existing is not None:
        return existing
    numbers = [i.invoice_number for i in invoices]
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
        language=customer.language,
        tone="friendly",
        legal=None,
        invoice_numbers=numbers,
        invoice_ids=[],
        amount_due_minor=amount_due_minor,
        charge_minor=None,
        currency=currency or (invoices[0].currency if invoices else "EUR"),
        decided_on=now.date(),
        scheduled_at=now,
        timezone=customer.timezone,
        status="queued",
        fallback_channels=[],
        attempts=0,
        payload={
            "key": key,
            "invoices": numbers,
            CONTEXT_INVOICES: [i.id for i in invoices],
            **(payload or {}),
        },
        created_at=now,
        updated_at=now,
    )
    session.add(action)
    session.flush()
    return action


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
