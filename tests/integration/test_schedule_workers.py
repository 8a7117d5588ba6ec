"""Two real `creditflow worker` processes share one schedule on one database.

The schedule's clock is the test hook CREDITFLOW_TEST_CLOCK_FILE: the test rewrites
the file to move the workers' day forward. The workers are real subprocesses of the
console script; the database is the test's (PostgreSQL when
CREDITFLOW_TEST_DATABASE_URL is set, else a SQLite file).
"""

from __future__ import annotations

import shutil
import time
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from creditflow.config import Settings
from creditflow.payments.statements import parse_statements
from tests.support.compliance_ledger import consumer, seed
from tests.support.dispatch_ledger import invoice
from tests.support.schedule_workers import (
    job_rows,
    schedule_config,
    start_worker,
    stop_worker,
    wait_for,
    worker_env,
)

SCHEDULE = """timezone = "Europe/Amsterdam"
run_at = "06:00"
statements_dir = "{folder}"
statements_every_seconds = 1
"""


def collection_days(engine: Engine) -> list[tuple[date, bool]]:
    with engine.connect() as conn:
        return [
            (date.fromisoformat(str(day)), bool(dry))
            for day, dry in conn.execute(
                text("SELECT as_of, dry_run FROM collection_run ORDER BY id")
            )
        ]


def statement_entries(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM statement_entry")).scalar_one())


@pytest.mark.slow
def test_two_workers_run_each_day_once_in_order_after_the_clock_jumps_three_days(
    engine: Engine, settings: Settings, tmp_path: Path, database_url: str, shared_dir: Path
) -> None:
    seed(engine, settings, tmp_path, [consumer("C001")], [invoice("INV-1", "C001")])
    inbox = tmp_path / "statements"
    inbox.mkdir()
    config = schedule_config(tmp_path, SCHEDULE.format(folder=inbox))
    clock = tmp_path / "now.txt"
    clock.write_text("2026-01-12T07:00:00+01:00", encoding="utf-8")
    env = worker_env(database_url, tmp_path, config, clock)
    workers = [start_worker(env, tmp_path, name) for name in ("worker-a", "worker-b")]
    try:
        wait_for(lambda: ("2026-01-12", "ok") in [r[:2] for r in job_rows(engine, "collection")],
                 120, "the run of Monday 12 January")  # fmt: skip
        clock.write_text("2026-01-15T07:00:00+01:00", encoding="utf-8")
        wait_for(lambda: ("2026-01-15", "ok") in [r[:2] for r in job_rows(engine, "collection")],
                 180, "the runs up to Thursday 15 January")  # fmt: skip

        camt = shared_dir / "testdata" / "bank" / "oca-camt053.xml"
        # Written under a dot name and renamed, as docs/operations.md asks of a drop.
        shutil.copy(camt, inbox / ".incoming")
        (inbox / ".incoming").rename(inbox / "statement-1.xml")
        wait_for(lambda: job_rows(engine, "statement") != [], 60, "the statement import")
        shutil.copy(camt, inbox / "statement-1-again.xml")  # the same content, another name
        # Both workers poll the folder every second: give each several chances.
        wait_for(lambda: all(w.poll() is None for w in workers), 1, "workers alive")
        time.sleep(4)
        codes = [stop_worker(w) for w in workers]
    finally:
        for worker in workers:
            stop_worker(worker)
    logs = "\n".join((tmp_path / f"{n}.log").read_text() for n in ("worker-a", "worker-b"))
    assert codes == [0, 0], logs

    runs = job_rows(engine, "collection")
    assert [(key, outcome) for key, outcome, _ in runs] == [
        ("2026-01-12", "ok"),
        ("2026-01-13", "ok"),
        ("2026-01-14", "ok"),
        ("2026-01-15", "ok"),
    ], logs
    assert collection_days(engine) == [
        (date(2026, 1, 12), False),
        (date(2026, 1, 13), False),
        (date(2026, 1, 14), False),
        (date(2026, 1, 15), False),
    ]
    imports = job_rows(engine, "statement")
    assert [outcome for _, outcome, _ in imports] == ["ok"], logs
    entries = sum(len(s.entries) for s in parse_statements(camt.read_bytes(), camt.name))
    assert entries > 0
    assert statement_entries(engine) == entries
