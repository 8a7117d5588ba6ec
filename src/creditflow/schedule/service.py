"""The scheduler: runs each due job once, records it in `job_run`, never twice at once.

Each job is done under a lease of its own (`run_lease`, name `schedule:<job>`), so of
several workers on one database one does a job and the others skip it; the job
table, read inside the lease, says what is left to do. A job that fails is recorded
with its error and the worker carries on.
"""

from __future__ import annotations

import hashlib
import threading
import time as monotonic_clock
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, func, insert, select, update

from creditflow.config import Settings
from creditflow.schedule.core import (
    DailyState,
    due_days,
    interval_due,
    new_files,
    scheduled_moment,
)
from creditflow.schedule.models import JobRun
from creditflow.schedule.settings import ScheduleSettings
from creditflow.strategy.lease import RunInProgress, run_lease

__all__ = ["JOBS", "Scheduler"]

JOBS = ("collection", "figures", "statement", "imap", "letters", "model", "moneybird")
# A scheduled collection run waits this long for a manual `creditflow run` under way.
RUN_WAIT_SECONDS = 600.0


class Scheduler:
    """Runs the jobs that are due whenever `tick()` is called (by the worker's loop)."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        schedule: ScheduleSettings,
        *,
        clock: Callable[[], datetime],
        worker: str,
        report: Callable[[str], object] = lambda line: None,
        stop: threading.Event | None = None,
        run_wait: float = RUN_WAIT_SECONDS,
        monotonic: Callable[[], float] = monotonic_clock.monotonic,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.schedule = schedule
        self.clock = clock
        self.worker = worker
        self.report = report
        self.stop = stop or threading.Event()
        self.run_wait = run_wait
        self.monotonic = monotonic
        self._statements_polled: float | None = None
        self._hashes: dict[tuple[str, int, int], str] = {}
        self._sftp_polled: float | None = None
        self._sftp_hashes: dict[tuple[str, int, int], str] = {}

    def tick(self) -> None:
        """Run every job that is due now, in a fixed order."""
        for job in (
            self._collection,
            self._figures,
            self._statements,
            self._statements_sftp,
            self._imap,
            self._letters,
            self._model,
            self._moneybird,
        ):
            if self.stop.is_set():
                return
            try:
                job()
            except RunInProgress:
                continue  # another worker holds this job's lease: it does the job
            except Exception as exc:  # noqa: BLE001 - a job's failure must not stop the worker
                self.report(f"schedule: {type(exc).__name__}: {exc}")

    # --- the jobs ---------------------------------------------------------------

    def _collection(self) -> None:
        at = self.schedule.run_at
        if at is None:
            return
        from creditflow.strategy.run import collection_run

        def run(day: date, now: datetime) -> str:
            moment = now
            if day != now.astimezone(self.schedule.zone).date():
                moment = scheduled_moment(day, at, self.schedule.zone).astimezone(UTC)
            result = collection_run(self.engine, self.settings, day, now=moment, wait=self.run_wait)
            summary = result.summary
            return (
                f"run {result.run_id}: {summary['actions']} actions, "
                f"{summary['superseded']} superseded"
            )

        self._daily("collection", at, run)

    def _figures(self) -> None:
        """Store the figures at the month-ends and the day, after the collection run."""
        at = self.schedule.figures_at
        if at is None:
            return
        from creditflow.analytics.stored import store_figures

        def store(day: date, now: datetime) -> str:
            return store_figures(self.engine, day, now=self.clock()).line()

        self._daily("figures", at, store)

    def _letters(self) -> None:
        at = self.schedule.letters_at
        if at is None:
            return
        from creditflow.dispatch.letters import letters_batch

        def batch(day: date, now: datetime) -> str:
            folder = self.settings.outbox_dir / "letters" / day.isoformat()
            target = folder / "letters.zip" if self.schedule.letters_zip else None
            return letters_batch(self.engine, self.settings.outbox_dir, day, zip_path=target).line()

        self._daily("letters", at, batch)

    def _model(self) -> None:
        at = self.schedule.retrain_at
        if at is None:
            return
        from creditflow.intelligence.learning import learn_channels_and_hours
        from creditflow.intelligence.service import NotEnoughHistory, train_model

        def retrain(day: date, now: datetime) -> str:
            learned = learn_channels_and_hours(self.engine, day)
            habits = (
                f"{learned.judged_sends} sends judged, {learned.customers_with_habit} usual hours"
            )
            try:
                result = train_model(self.engine, day, now=now)
            except NotEnoughHistory as exc:
                return f"not retrained: {exc} (the run keeps the model it has); {habits}"
            return f"risk model version {result.version} (as of {day}); {habits}"

        weekday = self.schedule.retrain_weekday
        self._daily("model", at, retrain, only=lambda day: day.weekday() == weekday)

    def _daily(
        self,
        job: str,
        at: time,
        action: Callable[[date, datetime], str],
        only: Callable[[date], bool] = lambda _day: True,
    ) -> None:
        now = self.clock()
        with run_lease(self.engine, now.date(), name=f"schedule:{job}"):
            days = due_days(
                self._daily_state(job),
                now,
                at=at,
                zone=self.schedule.zone,
                catch_up_days=self.schedule.catch_up_days,
                retry=self.schedule.retry,
            )
            for day in [d for d in days if only(d)]:
                if self.stop.is_set() or not self._attempt(
                    job, day.isoformat(), partial(action, day, now)
                ):
                    return

    def _statements(self) -> None:
        folder = self.schedule.statements_dir
        # The folder is paced by this process's own clock, not the calendar's.
        polled = self.monotonic()
        if folder is None or (
            self._statements_polled is not None
            and polled - self._statements_polled < self.schedule.statements_every.total_seconds()
        ):
            return
        self._statements_polled = polled
        now = self.clock()
        with run_lease(self.engine, now.date(), name="schedule:statement"):
            listing = self._digests(Path(folder))
            known = self._keys("statement", [digest for _, digest in listing])
            for name, digest in new_files(listing, known):
                if self.stop.is_set():
                    return

                def load(name: str = name, digest: str = digest) -> str:
                    data = (Path(folder) / name).read_bytes()
                    if hashlib.sha256(data).hexdigest() != digest:
                        raise RuntimeError(f"{name} changed while it was read; read again later")
                    return self._import_statement(name, data)

                self._attempt("statement", digest, load)

    def _statements_sftp(self) -> None:
        inbox = self.schedule.statements_sftp
        polled = self.monotonic()
        if inbox is None or (
            self._sftp_polled is not None
            and polled - self._sftp_polled < inbox.every.total_seconds()
        ):
            return
        self._sftp_polled = polled
        from creditflow.schedule.sftp_poll import InboxJobs, poll_sftp_inbox

        jobs = InboxJobs(
            attempt=self._attempt,
            done_keys=self._keys,
            import_file=self._import_statement,
            stopping=self.stop.is_set,
            report=self.report,
        )
        now = self.clock()
        # Same job and lease as the folder: a content is imported once, whichever way it came.
        with run_lease(self.engine, now.date(), name="schedule:statement"):
            poll_sftp_inbox(inbox, jobs, self._sftp_hashes, now)

    def _import_statement(self, name: str, data: bytes) -> str:
        """Import one statement file's bytes; unreadable files are rejected for good."""
        from creditflow.payments.statement_import import import_statement
        from creditflow.payments.statements.model import StatementError

        try:
            summary = import_statement(self.engine, data, name, self.clock())
        except StatementError as exc:
            raise _Rejected(f"{name}: {exc}; nothing imported") from exc
        matched = sum(summary.matched.values())
        return (
            f"{name}: {summary.entries} entries, {matched} matched, "
            f"{summary.unmatched} unmatched, {summary.already_imported} known"
        )

    def _digests(self, folder: Path) -> list[tuple[str, str]]:
        """(name, sha256) of the folder's files; a file is read again only when it changed."""
        listing = []
        for path in sorted(folder.iterdir()):
            if not path.is_file() or path.name.startswith("."):
                continue
            stat = path.stat()
            seen = (path.name, stat.st_size, stat.st_mtime_ns)
            digest = self._hashes.get(seen)
            if digest is None:
                digest = self._hashes[seen] = hashlib.sha256(path.read_bytes()).hexdigest()
            listing.append((path.name, digest))
        return listing

    def _imap(self) -> None:
        every = self.schedule.imap_every
        if every is None:
            return
        from creditflow.inbound.imap import poll_mailbox

        now = self.clock()
        with run_lease(self.engine, now.date(), name="schedule:imap"):
            if not interval_due(self._last_started("imap"), now, every):
                return
            self._attempt(
                "imap",
                now.isoformat(timespec="seconds"),
                lambda: (
                    f"replies handled: {poll_mailbox(self.engine, self.settings, now=self.clock)}"
                ),
            )

    def _moneybird(self) -> None:
        """Sync with Moneybird every `every_minutes`, when `[connectors.moneybird]` is set."""
        config = self.settings.moneybird
        if config is None:
            return
        from creditflow.connectors.moneybird.client import client_for
        from creditflow.connectors.moneybird.sync import sync_moneybird

        now = self.clock()
        with run_lease(self.engine, now.date(), name="schedule:moneybird"):
            if not interval_due(
                self._last_started("moneybird"), now, timedelta(minutes=config.every_minutes)
            ):
                return

            def sync() -> str:
                with client_for(config) as client:
                    report = sync_moneybird(self.engine, self.settings, client, now=self.clock)
                return "; ".join(report.lines())

            self._attempt("moneybird", now.isoformat(timespec="seconds"), sync)

    # --- the job table ----------------------------------------------------------

    def _attempt(self, job: str, key: str, action: Callable[[], str]) -> bool:
        """Run one job for one key, recorded before and after; True when it succeeded."""
        started = self.clock()
        begun = monotonic_clock.monotonic()
        with self.engine.begin() as conn:
            run_id = conn.execute(
                insert(JobRun)
                .values(
                    job=job,
                    run_key=key,
                    worker=self.worker,
                    started_at=started,
                    outcome="running",
                    message="",
                )
                .returning(JobRun.id)
            ).scalar_one()
        try:
            message, outcome = action(), "ok"
        except _Rejected as exc:
            message, outcome = str(exc), "rejected"
        except Exception as exc:  # noqa: BLE001 - recorded, then the worker carries on
            message, outcome = f"{type(exc).__name__}: {exc}", "failed"
        took = round((monotonic_clock.monotonic() - begun) * 1000)
        with self.engine.begin() as conn:
            conn.execute(
                update(JobRun)
                .where(JobRun.id == run_id)
                .values(
                    finished_at=self.clock(),
                    duration_ms=took,
                    outcome=outcome,
                    message=message[:2000],
                )
            )
        self.report(f"schedule: {job} {key[:16]} {outcome}: {message}")
        return outcome == "ok"

    def _daily_state(self, job: str) -> DailyState:
        with self.engine.connect() as conn:
            done = conn.execute(
                select(func.max(JobRun.run_key)).where(JobRun.job == job, JobRun.outcome == "ok")
            ).scalar()
            last = conn.execute(
                select(JobRun.run_key, JobRun.outcome, JobRun.started_at)
                .where(JobRun.job == job, JobRun.outcome != "running")
                .order_by(JobRun.id.desc())
                .limit(1)
            ).first()
        failed = last is not None and last.outcome == "failed"
        return DailyState(
            last_done=date.fromisoformat(done) if done else None,
            failed_day=date.fromisoformat(last.run_key) if failed and last else None,
            failed_at=last.started_at if failed and last else None,
        )

    def _keys(
        self, job: str, keys: list[str], outcomes: tuple[str, ...] = ("ok", "rejected")
    ) -> set[str]:
        """Which of these keys are done for good (imported, or rejected as unreadable)."""
        if not keys:
            return set()
        with self.engine.connect() as conn:
            return set(
                conn.execute(
                    select(JobRun.run_key).where(
                        JobRun.job == job,
                        JobRun.run_key.in_(keys),
                        JobRun.outcome.in_(outcomes),
                    )
                ).scalars()
            )

    def _last_started(self, job: str) -> datetime | None:
        with self.engine.connect() as conn:
            return conn.execute(
                select(JobRun.started_at)
                .where(JobRun.job == job)
                .order_by(JobRun.id.desc())
                .limit(1)
            ).scalar()


class _Rejected(RuntimeError):
    """The input of a job cannot be used: recorded as rejected, not tried again."""
