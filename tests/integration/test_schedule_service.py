"""The scheduler in one process with a clock the test sets: failures, retries, files, letters."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text

from creditflow.config import Settings
from creditflow.config.operations import parse_schedule
from creditflow.schedule.service import Scheduler
from creditflow.schedule.settings import schedule_settings
from creditflow.strategy.lease import run_lease
from tests.support.schedule_workers import CREDITFLOW, job_rows


class Clock:
    """A clock the test moves."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def seconds(self) -> float:
        return self.moment.timestamp()


def scheduler(engine: Engine, settings: Settings, clock: Clock, **schedule: object) -> Scheduler:
    data = {"schedule": schedule, "providers": settings.providers}
    with_schedule = replace(settings, schedule=parse_schedule(data))
    plan = schedule_settings(with_schedule)
    assert plan is not None
    return Scheduler(
        engine, with_schedule, plan, clock=clock, worker="test", run_wait=0, monotonic=clock.seconds
    )


def test_a_run_that_cannot_start_is_recorded_failed_and_tried_again_after_the_retry_wait(
    engine: Engine, settings: Settings
) -> None:
    clock = Clock(datetime(2026, 3, 9, 6, 30, tzinfo=UTC))  # 07:30 in Amsterdam
    jobs = scheduler(engine, settings, clock, run_at="07:00", retry_minutes=15)
    with run_lease(engine, clock.moment.date()):  # a manual `creditflow run` under way
        jobs.tick()
    [(day, outcome, _)] = job_rows(engine, "collection")
    assert (day, outcome) == ("2026-03-09", "failed")
    clock.moment += timedelta(minutes=10)
    jobs.tick()
    assert len(job_rows(engine, "collection")) == 1  # still waiting to retry
    clock.moment += timedelta(minutes=6)
    jobs.tick()
    assert [r[:2] for r in job_rows(engine, "collection")] == [
        ("2026-03-09", "failed"),
        ("2026-03-09", "ok"),
    ]
    jobs.tick()
    assert len(job_rows(engine, "collection")) == 2  # done for the day


def test_an_unreadable_statement_is_rejected_once_and_a_good_one_still_imported(
    engine: Engine, settings: Settings, tmp_path: Path, shared_dir: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "broken.xml").write_text("<Document>not a statement", encoding="utf-8")
    (inbox / ".partial.940").write_text("ignored: a dot file is still being written")
    clock = Clock(datetime(2026, 3, 9, 10, 0, tzinfo=UTC))
    jobs = scheduler(
        engine, settings, clock, run_at="", statements_dir=str(inbox), statements_every_seconds=30
    )
    jobs.tick()
    [(_, outcome, _)] = job_rows(engine, "statement")
    assert outcome == "rejected"
    (inbox / "ing.940").write_bytes((shared_dir / "testdata/bank/oca-ing.940").read_bytes())
    jobs.tick()  # within 30 seconds of the last poll: the folder is not read
    assert len(job_rows(engine, "statement")) == 1
    clock.moment += timedelta(seconds=30)
    jobs.tick()
    clock.moment += timedelta(seconds=30)
    jobs.tick()
    assert [r[1] for r in job_rows(engine, "statement")] == ["rejected", "ok"]
    assert job_rows(engine, "collection") == []  # run_at = "" switches the run off


def test_the_letters_batch_runs_at_its_hour_and_writes_the_print_folder(
    engine: Engine, settings: Settings
) -> None:
    clock = Clock(datetime(2026, 3, 9, 16, 0, tzinfo=UTC))  # 17:00 Amsterdam
    jobs = scheduler(engine, settings, clock, run_at="", letters_at="17:30")
    jobs.tick()
    assert job_rows(engine, "letters") == []
    clock.moment += timedelta(minutes=30)
    jobs.tick()
    [(day, outcome, _)] = job_rows(engine, "letters")
    assert (day, outcome) == ("2026-03-09", "ok")
    assert (settings.outbox_dir / "letters" / "2026-03-09" / "manifest.csv").is_file()


def test_status_shows_each_jobs_last_run_at_80_columns_and_as_json(
    engine: Engine, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    clock = Clock(datetime(2026, 3, 9, 16, 30, tzinfo=UTC))
    scheduler(engine, settings, clock, run_at="06:00", letters_at="17:00").tick()
    env = {**os.environ, "CREDITFLOW_DATABASE_URL": database_url, "COLUMNS": "80"}
    env.pop("CREDITFLOW_CONFIG", None)
    shown = subprocess.run(  # noqa: S603 - our own console script
        [str(CREDITFLOW), "status"], env=env, cwd=tmp_path, capture_output=True, text=True,
        check=False, timeout=120,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80, shown.stdout
    assert [
        line.split()[:2] for line in lines if line.split()[:1] in (["collection"], ["letters"])
    ] == [
        ["collection", "2026-03-09"],
        ["letters", "2026-03-09"],
    ], shown.stdout
    as_json = subprocess.run(  # noqa: S603 - our own console script
        [str(CREDITFLOW), "status", "--json"], env=env, cwd=tmp_path, capture_output=True,
        text=True, check=False, timeout=120,
    )  # fmt: skip
    runs = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [(r["job"], r["key"], r["outcome"]) for r in runs] == [
        ("collection", "2026-03-09", "ok"),
        ("figures", "2026-03-09", "ok"),  # after the run, by default (docs/analytics.md)
        ("letters", "2026-03-09", "ok"),
    ]
    assert all(isinstance(r["duration_ms"], int) for r in runs)


def test_replies_are_polled_from_a_real_imap_mailbox_every_five_minutes(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    from tests.integration.test_inbound_imap_server import JAN_PROMISES, PASSWORD, USER
    from tests.support.imap_server import imap_server

    with imap_server(tmp_path / "imap", USER, PASSWORD) as server:
        with_imap = replace(
            settings, providers={**settings.providers, "imap": server.provider_settings()}
        )
        server.append(JAN_PROMISES)
        clock = Clock(datetime(2026, 3, 9, 10, 0, tzinfo=UTC))
        jobs = scheduler(engine, with_imap, clock, run_at="", imap_every_minutes=5)
        jobs.tick()
        [(_, outcome, _)] = job_rows(engine, "imap")
        assert outcome == "ok"
        assert server.unseen() == []
        clock.moment += timedelta(minutes=4)
        jobs.tick()
        assert len(job_rows(engine, "imap")) == 1
        clock.moment += timedelta(minutes=1)
        jobs.tick()
    polls = job_rows(engine, "imap")
    assert [r[1] for r in polls] == ["ok", "ok"]
    with engine.connect() as conn:
        messages = [
            row[0]
            for row in conn.execute(
                text("SELECT message FROM job_run WHERE job = 'imap' ORDER BY id")
            )
        ]
    assert messages == ["replies handled: 1", "replies handled: 0"]


def _model_runs(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT run_key, outcome, message FROM job_run WHERE job = 'model' ORDER BY id")
        )
        return [(r[0], r[1], r[2]) for r in rows]


def test_the_risk_model_is_retrained_on_its_weekday_and_a_thin_ledger_keeps_the_prior(
    engine: Engine, settings: Settings, tmp_path: Path
) -> None:
    from creditflow.ledger.imports import import_customers, import_invoices
    from tests.integration.test_intelligence_risk import _ledger

    clock = Clock(datetime(2026, 3, 9, 5, 30, tzinfo=UTC))  # Monday 06:30 in Amsterdam
    jobs = scheduler(
        engine, settings, clock, run_at="", retrain_at="06:00", retrain_weekday="monday"
    )
    jobs.tick()
    [(key, outcome, message)] = _model_runs(engine)
    assert (key, outcome) == ("2026-03-09", "ok") and "not retrained" in message
    customers, invoices = _ledger(tmp_path)
    assert import_customers(engine, customers, settings).rejected == 0
    assert import_invoices(engine, invoices, settings).rejected == 0
    for _ in range(6):  # Tuesday to Sunday: not the retraining day
        clock.moment += timedelta(days=1)
        jobs.tick()
    assert len(_model_runs(engine)) == 1
    clock.moment += timedelta(days=1)
    jobs.tick()
    jobs.tick()  # once per retraining day, however often the worker ticks
    runs = _model_runs(engine)
    assert [r[:2] for r in runs] == [("2026-03-09", "ok"), ("2026-03-16", "ok")]
    assert "risk model version 1 (as of 2026-03-16)" in runs[1][2]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version FROM risk_model")).scalars().all() == [1]
