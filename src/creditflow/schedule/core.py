"""Which scheduled jobs are due: pure functions of the last runs, the settings and now.

No database, clock or files here: the service (`schedule/service.py`) reads the
last runs and the time and does what these functions say, in the order they say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = ["DailyState", "due_days", "interval_due", "new_files", "scheduled_moment"]


@dataclass(frozen=True)
class DailyState:
    """What the job table says of a daily job: the last day done, the last failure."""

    last_done: date | None = None
    failed_day: date | None = None
    failed_at: datetime | None = None


def due_days(
    state: DailyState,
    now: datetime,
    *,
    at: time,
    zone: ZoneInfo,
    catch_up_days: int,
    retry: timedelta,
) -> list[date]:
    """The days a daily job still has to run for, oldest first.

    The local day of `now` counts once its local time is at or past `at`. A job
    that never ran starts with that day (no history is invented); after downtime
    the missed days follow the last day done, at most `catch_up_days` of them.
    A day whose last attempt failed waits `retry` before it is tried again, and
    the days after it wait for it (the days run in order).
    """
    local = now.astimezone(zone)
    latest = local.date() if local.time() >= at else local.date() - timedelta(days=1)
    if state.last_done is None:
        first = local.date() if local.time() >= at else None
        if first is None:
            return []
        days = [first]
    else:
        start = max(state.last_done + timedelta(days=1), latest - timedelta(days=catch_up_days - 1))
        days = [start + timedelta(days=n) for n in range((latest - start).days + 1)]
    if (
        days
        and state.failed_day == days[0]
        and state.failed_at is not None
        and now - state.failed_at < retry
    ):
        return []
    return days


def scheduled_moment(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The moment (aware, in `zone`) a daily job is due on `day`."""
    return datetime.combine(day, at, tzinfo=zone)


def interval_due(last_started: datetime | None, now: datetime, every: timedelta) -> bool:
    """A repeating job is due when it never ran or `every` has passed since it started."""
    return last_started is None or now - last_started >= every


def new_files(listing: list[tuple[str, str]], known: set[str]) -> list[tuple[str, str]]:
    """The (name, sha256) pairs whose content was not imported yet, each content once.

    Sorted by name so files dropped together are imported in a stable order.
    """
    seen = set(known)
    out: list[tuple[str, str]] = []
    for name, digest in sorted(listing):
        if digest not in seen:
            seen.add(digest)
            out.append((name, digest))
    return out
