"""One collection run at a time: a lease row that a second run waits for or reports.

A run takes the lease (one row in `run_lease`, its primary key the lease name) in
a short transaction of its own before it reads the ledger, and gives it back when
it is done, committed or not. A second run finds the row: it waits up to `wait`
seconds for it to go, then raises RunInProgress, naming the day, the start and the
holder. A lease whose run crashed does not block for ever: it is taken over when
it expired (LEASE_TTL after its start) or at once when its process is gone from
this machine.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from creditflow.strategy.models import RunLease

__all__ = ["LEASE_TTL", "Lease", "RunInProgress", "run_lease"]

LEASE_NAME = "collection_run"
# Far longer than a run takes (a million open invoices decide in well under a minute).
LEASE_TTL = timedelta(hours=2)
POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Lease:
    """Who holds the run lease, for which day, since when, until when."""

    as_of: date
    host: str
    pid: int
    token: str
    started_at: datetime
    expires_at: datetime

    def describe(self) -> str:
        """'started 2026-03-09 06:00:01 UTC by host pid 123' for messages."""
        started = self.started_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
        return f"started {started} UTC by {self.host} pid {self.pid}"


class RunInProgress(RuntimeError):
    """Another collection run holds the lease."""

    def __init__(self, holder: Lease) -> None:
        self.holder = holder
        super().__init__(
            f"a collection run for {holder.as_of} is in progress ({holder.describe()}); "
            "run again when it has finished, or wait for it with --wait SECONDS"
        )


def _utcnow() -> datetime:
    return datetime.now(UTC)


@contextmanager
def run_lease(
    engine: Engine,
    as_of: date,
    *,
    wait: float = 0.0,
    ttl: timedelta = LEASE_TTL,
    clock: Callable[[], datetime] = _utcnow,
    name: str = LEASE_NAME,
) -> Iterator[Lease]:
    """Hold the collection run lease for the block; RunInProgress when another run keeps it.

    `name` picks another lease (at most 32 characters): the scheduler holds one per job.
    """
    lease = _acquire(engine, as_of, wait=wait, ttl=ttl, clock=clock, name=name)
    try:
        yield lease
    finally:
        with engine.begin() as conn:
            conn.execute(
                delete(RunLease).where(RunLease.name == name, RunLease.token == lease.token)
            )


def _acquire(
    engine: Engine,
    as_of: date,
    *,
    wait: float,
    ttl: timedelta,
    clock: Callable[[], datetime],
    name: str,
) -> Lease:
    deadline = time.monotonic() + max(wait, 0.0)
    while True:
        now = clock()
        holder = _holder(engine, name)
        if holder is None or _stale(holder, now):
            mine = Lease(as_of, socket.gethostname(), os.getpid(), uuid.uuid4().hex, now, now + ttl)
            if _take(engine, mine, replacing=holder, name=name):
                return mine
            continue  # another run was quicker: look at who holds it now
        left = deadline - time.monotonic()
        if left <= 0:
            raise RunInProgress(holder)
        time.sleep(min(POLL_SECONDS, left))


def _holder(engine: Engine, name: str) -> Lease | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(
                RunLease.as_of,
                RunLease.host,
                RunLease.pid,
                RunLease.token,
                RunLease.started_at,
                RunLease.expires_at,
            ).where(RunLease.name == name)
        ).first()
    return None if row is None else Lease(*row)


def _stale(holder: Lease, now: datetime) -> bool:
    """Expired, or held by a process of this machine that no longer exists."""
    if holder.expires_at <= now:
        return True
    return holder.host == socket.gethostname() and not _alive(holder.pid)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _take(engine: Engine, mine: Lease, *, replacing: Lease | None, name: str) -> bool:
    """Insert our lease row (removing the stale one first); False if another run won."""
    try:
        with engine.begin() as conn:
            if replacing is not None:
                gone = conn.execute(
                    delete(RunLease).where(RunLease.name == name, RunLease.token == replacing.token)
                )
                if gone.rowcount != 1:
                    return False
            conn.execute(
                insert(RunLease).values(
                    name=name,
                    as_of=mine.as_of,
                    host=mine.host,
                    pid=mine.pid,
                    token=mine.token,
                    started_at=mine.started_at,
                    expires_at=mine.expires_at,
                )
            )
    except IntegrityError:
        return False
    return True
