"""Stored late-payment models: one row per trained version."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

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
