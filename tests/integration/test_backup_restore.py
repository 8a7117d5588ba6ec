"""A backup made with pg_dump restores into a fresh database that creditflow reads.

The procedure of docs/deploy.md, run for real: a database with a ledger, a
collection run and a scheduled job is dumped (`pg_dump -Fc`), restored into a new
empty database (`pg_restore --no-owner`), and `creditflow status` and `creditflow
actions` show the same on both.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from creditflow.config import load_settings
from creditflow.config.operations import parse_schedule
from creditflow.db import make_engine, upgrade
from creditflow.schedule.service import Scheduler
from creditflow.schedule.settings import schedule_settings
from tests.support.compliance_ledger import consumer, run_on, seed
from tests.support.dispatch_ledger import invoice
from tests.support.schedule_workers import CREDITFLOW

PG_URL = os.environ.get("CREDITFLOW_TEST_DATABASE_URL")
pytestmark = [pytest.mark.postgres, pytest.mark.db, pytest.mark.slow]


@pytest.fixture
def two_databases() -> Iterator[tuple[URL, URL]]:
    """Two new empty PostgreSQL databases on the test server, dropped afterwards."""
    if not PG_URL:
        pytest.skip("needs PostgreSQL (CREDITFLOW_TEST_DATABASE_URL)")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("pg_dump/pg_restore are not installed")
    server = make_url(PG_URL).set(query={})
    names = [f"cf_backup_{uuid.uuid4().hex[:10]}", f"cf_restore_{uuid.uuid4().hex[:10]}"]
    admin = make_engine(server.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for name in names:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=names[0]), server.set(database=names[1])
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def libpq(url: URL) -> list[str]:
    """pg_dump/pg_restore connection options for a database URL."""
    options = ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-d", url.database or ""]
    return options + (["-U", url.username] if url.username else [])


def creditflow(url: URL, folder: Path, *args: str) -> str:
    env = {**os.environ, "COLUMNS": "80"}
    env.pop("CREDITFLOW_CONFIG", None)
    done = subprocess.run(  # noqa: S603 - our own console script
        [str(CREDITFLOW), *args, "--db", url.render_as_string(hide_password=False)],
        env=env, cwd=folder, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_pg_dump_restores_into_a_fresh_database_that_status_and_actions_read(
    two_databases: tuple[URL, URL], tmp_path: Path
) -> None:
    source, target = two_databases
    settings = replace(
        load_settings({}),
        database_url=source.render_as_string(hide_password=False),
        outbox_dir=tmp_path / "outbox",
    )
    engine = make_engine(settings.database_url)
    upgrade(engine)
    seed(engine, settings, tmp_path, [consumer("C001"), consumer("C002")],
         [invoice("INV-1", "C001"), invoice("INV-2", "C002")])  # fmt: skip
    run_on(engine, settings, date(2026, 1, 12))
    scheduled = replace(settings, schedule=parse_schedule({"schedule": {"run_at": "06:00"}}))
    plan = schedule_settings(scheduled)
    assert plan is not None
    moment = datetime(2026, 1, 13, 7, 0, tzinfo=UTC)
    Scheduler(engine, scheduled, plan, clock=lambda: moment, worker="backup-test").tick()
    engine.dispose()

    dump = tmp_path / "creditflow.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), *libpq(source)], check=True, timeout=300)  # noqa: S603, S607
    subprocess.run(["pg_restore", "--no-owner", *libpq(target), str(dump)], check=True, timeout=300)  # noqa: S603, S607

    actions_before = creditflow(source, tmp_path, "actions", "--json")
    actions_after = creditflow(target, tmp_path, "actions", "--json")
    assert actions_after == actions_before
    assert len(actions_after.splitlines()) >= 2
    status_after = creditflow(target, tmp_path, "status", "--json")
    assert status_after == creditflow(source, tmp_path, "status", "--json")
    assert '"key": "2026-01-13"' in status_after
