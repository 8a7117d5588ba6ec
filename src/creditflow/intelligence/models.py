"""Stored late-payment models: one row per trained version."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from creditflow.ledger import models as _ledger_tables  # noqa: F401 - customer_habit's key
from creditflow.models import Base, JsonType, UtcDateTime, utcnow


class RiskModelRecord(Base):
    """A trained risk model: its numbers as JSON text, what it learned from, how it scored.

    `checksum` is the SHA-256 of `model_json`; a row whose text does not match it is
    refused when loaded (a model edited behind creditflow's back is not used).
    """

    __tablename__ = "risk_model"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    trained_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    as_of: Mapped[date] = mapped_column(Date)
    metrics: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    model_json: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))


class ChannelOutcome(Base):
    """What sending a step on a channel brought: judged sends and how many paid in 7 days.

    Replaced as a whole each time `creditflow model train` learns (intelligence.learning).
    """

    __tablename__ = "channel_outcome"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    strategy: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(12))
    sent: Mapped[int] = mapped_column(Integer)
    paid: Mapped[int] = mapped_column(Integer)
    learned_on: Mapped[date] = mapped_column(Date)


class CustomerHabit(Base):
    """The local minute of day a customer usually pays, signs in or opens a link."""

    __tablename__ = "customer_habit"
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True
    )
    usual_minute: Mapped[int] = mapped_column(Integer)
    moments: Mapped[int] = mapped_column(Integer)
    learned_on: Mapped[date] = mapped_column(Date)
