"""The last run of each scheduled job, for `creditflow status` (and anything else)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from creditflow.schedule.models import JobRun

__all__ = ["last_runs"]


def last_runs(engine: Engine) -> list[dict[str, Any]]:
    """One dict per job that ever ran: its latest run, oldest job name first."""
    latest = select(func.max(JobRun.id)).group_by(JobRun.job).scalar_subquery()
    with engine.connect() as conn:
        rows = conn.execute(select(JobRun).where(JobRun.id.in_(latest)).order_by(JobRun.job)).all()
    return [
        {
            "job": row.job,
            "key": row.run_key,
            "worker": row.worker,
            "started_at": row.started_at.isoformat(),
            "finished_at": row.finished_at.isoformat() if row.finished_at else None,
            "duration_ms": row.duration_ms,
            "outcome": row.outcome,
            "message": row.message,
        }
        for row in rows
    ]
