"""The record of every scheduled job run: what, for which day or file, how it went."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from creditflow.models import Base, UtcDateTime


class JobRun(Base):
    """One run of a scheduled job; `run_key` is the day (YYYY-MM-DD) or the file's sha256."""

    __tablename__ = "job_run"
    __table_args__ = (
        Index("ix_job_run_job_key", "job", "run_key"),
        Index("ix_job_run_job_id", "job", "id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(32))
    run_key: Mapped[str] = mapped_column(String(64))
    worker: Mapped[str] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))  # running, ok, failed
    message: Mapped[str] = mapped_column(Text, default="")
