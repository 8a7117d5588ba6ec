"""Simulations started from the workbench: run in a background thread, found by a token.

An in-process registry (this process only, not the database): a simulation of a few
strategies over at most `MAX_DAYS` days takes seconds to a minute, too long for one
request, too short and too private for a job table. The registry keeps the latest
`KEEP` simulations; a restart of `creditflow serve` forgets them (start again). At most
`MAX_RUNNING` run at once, so the page cannot load the server without bound.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from creditflow.simulation.ranges import OutcomeRange, seed_list, simulate_over_seeds

__all__ = ["SimulationJob", "busy", "find_job", "start_job"]

MAX_DAYS = 180
MAX_SEEDS = 3
MAX_RUNNING = 2
KEEP = 20

_lock = threading.Lock()
_jobs: OrderedDict[str, SimulationJob] = OrderedDict()


@dataclass
class SimulationJob:
    """One simulation: a draft version against the active one, its progress and result."""

    token: str
    draft_id: int
    active_id: int | None
    days: int
    seeds: list[int]
    start: date
    total: int
    done: int = 0
    state: str = "running"  # running, done or failed
    error: str = ""
    ranges: list[OutcomeRange] = field(default_factory=list)

    def advance(self, days: int) -> None:
        """Count simulated days (called from the worker thread)."""
        with _lock:
            self.done = min(self.total, self.done + days)

    @property
    def percent(self) -> int:
        """How far the simulation is, 0-100."""
        return 100 if self.state != "running" else int(100 * self.done / max(1, self.total))


def busy() -> bool:
    """True when `MAX_RUNNING` simulations are already running."""
    with _lock:
        return sum(job.state == "running" for job in _jobs.values()) >= MAX_RUNNING


def find_job(token: str) -> SimulationJob | None:
    """The simulation with this token, None when unknown or forgotten."""
    with _lock:
        return _jobs.get(token)


def start_job(
    engine: Any,
    settings: Any,
    strategies: list[tuple[str, str]],
    *,
    draft_id: int,
    active_id: int | None,
    days: int,
    seeds: int,
    start: date,
) -> SimulationJob:
    """Start simulating (name, text) pairs in a background thread; returns the job."""
    runs = seed_list(7, max(1, min(seeds, MAX_SEEDS)))
    days = max(1, min(days, MAX_DAYS))
    job = SimulationJob(
        token=secrets.token_urlsafe(12),
        draft_id=draft_id,
        active_id=active_id,
        days=days,
        seeds=runs,
        start=start,
        total=days * len(strategies) * len(runs),
    )
    with _lock:
        _jobs[job.token] = job
        while len(_jobs) > KEEP:
            _jobs.popitem(last=False)

    def work() -> None:
        try:
            ranges = simulate_over_seeds(
                engine, settings, strategies, seeds=runs, days=days, start=start,
                progress=job.advance,
            )  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - shown on the page, never lost silently
            with _lock:
                job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"
            return
        with _lock:
            job.ranges, job.state = ranges, "done"

    threading.Thread(target=work, name=f"simulate-{job.token}", daemon=True).start()
    return job
