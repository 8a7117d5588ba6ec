"""Stored strategy files and the bookkeeping of each collection run."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from creditflow.models import Base, JsonType, UtcDateTime, utcnow


class StrategyVersion(Base):
    """A validated strategy file; exactly one is active."""

    __tablename__ = "strategy_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_name: Mapped[str] = mapped_column(String(400))
    content: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    loaded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CollectionRun(Base):
    """One daily collection run: when, for which day, with what outcome."""

    __tablename__ = "collection_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[date] = mapped_column(Date, index=True)
    strategy_version_id: Mapped[int | None] = mapped_column(Integer)
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    summary: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)


class RunLease(Base):
    """The collection run under way: one row per lease name while a run holds it."""

    __tablename__ = "run_lease"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    token: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
