"""The outbox: every action decided (by the run or outside it), and its delivery state."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from creditflow.ledger import models as _ledger_tables  # noqa: F401 - tables its foreign keys name
from creditflow.models import Base, JsonType, UtcDateTime, utcnow
from creditflow.outbox.kinds import HELD
from creditflow.strategy import models as _strategy_tables  # noqa: F401 - tables its foreign keys name

ACTION_STATUSES = (
    "planned",
    "queued",
    HELD,  # a person put it on hold: no worker claims it until it is released
    "sent",
    "delivered",
    "failed",
    "cancelled",
    "done",
)
OPEN_STATUSES = ("queued",)
CONTACT_STATUSES = ("queued", "sent", "delivered", "done")
# Payload key of the invoices a confirmation is about (promise, dispute, thanks): the
# message lists them, the pre-send re-check does not guard them (`invoice_ids` does).
CONTEXT_INVOICES = "context_invoice_ids"

# A payment plan request outside policy: a review task for a person, open while
# queued or sent; dunning of its invoices pauses until it is decided.
PLAN_REVIEW_STEP = "plan_review"
OPEN_TASK_STATUSES = ("queued", "sent")


class Action(Base):
    """A decided contact, task, charge or escalation (an outbox row)."""

    __tablename__ = "action"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[str] = mapped_column(String(64), unique=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("collection_run.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    kind: Mapped[str] = mapped_column(String(12))  # message task charge escalation
    channel: Mapped[str] = mapped_column(String(12))
    step: Mapped[str] = mapped_column(String(64))
    level: Mapped[int] = mapped_column(Integer)
    strategy: Mapped[str] = mapped_column(String(64))
    template: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    tone: Mapped[str] = mapped_column(String(12))
    legal: Mapped[str | None] = mapped_column(String(32))
    invoice_numbers: Mapped[list[str]] = mapped_column(JsonType)
    invoice_ids: Mapped[list[int]] = mapped_column(JsonType)
    amount_due_minor: Mapped[int] = mapped_column(BigInteger)
    charge_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    decided_on: Mapped[date] = mapped_column(Date)
    scheduled_at: Mapped[datetime] = mapped_column(UtcDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    status_reason: Mapped[str | None] = mapped_column(String(400))
    fallback_channels: Mapped[list[str]] = mapped_column(JsonType, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    provider: Mapped[str | None] = mapped_column(String(32))
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    cost_minor: Mapped[int | None] = mapped_column(BigInteger)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


Index("ix_action_status_scheduled", Action.status, Action.scheduled_at)
Index("ix_action_customer", Action.customer_id, Action.created_at)
Index("ix_action_decided_on", Action.decided_on)
# The workbench's lists: tasks and escalations by status (few among many messages), and
# one customer's queued actions in send order.
Index("ix_action_kind_status", Action.kind, Action.status, Action.scheduled_at)
Index("ix_action_customer_status", Action.customer_id, Action.status, Action.scheduled_at)


class DeliveryAttempt(Base):
    """One attempt to send an action, recorded BEFORE the provider is called.

    A worker killed mid-send leaves an attempt without `finished_at`; on restart it
    is reconciled (with the provider's idempotency key) instead of sent again.
    """

    __tablename__ = "delivery_attempt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[str] = mapped_column(String(64), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(12))
    worker: Mapped[str | None] = mapped_column(String(128))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str | None] = mapped_column(String(24))
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    error: Mapped[str | None] = mapped_column(Text)
