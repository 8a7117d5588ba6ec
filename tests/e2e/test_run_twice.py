"""Running `creditflow run` again the same day, and two runs at once, as a user would.

The ledger is a generated company of 600 customers, imported through the importers;
the runs, for Monday 9 March 2026, are `creditflow run` subprocesses. To make "at once" certain rather than lucky, the test
pins the run lease table while the first run holds the lease (a write lock on
SQLite, a table lock on PostgreSQL): the first run then cannot give its lease back
until the second has looked.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from creditflow.db import make_engine
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.ledger.payments import import_payments
from creditflow.simulation.company import generate_company

CREDITFLOW = Path(sys.executable).with_name("creditflow")
DAY = "2026-03-09"
IN_PROGRESS = re.compile(
    r"^a collection run for 2026-03-09 is in progress \(started \d{4}-\d\d-\d\d "
    r"\d\d:\d\d:\d\d UTC by \S+ pid \d+\); run again when it has finished, or wait for it "
    r"with --wait SECONDS$"
)


class Cli:
    """The console script in subprocesses, on one database and folder."""

    def __init__(self, url: str, folder: Path) -> None:
        self.url = url
        self.folder = folder
        self.env = {
            **os.environ,
            "CREDITFLOW_DATABASE_URL": url,
            "CREDITFLOW_OUTBOX_DIR": str(folder / "outbox"),
        }
        self.env.pop("CREDITFLOW_CONFIG", None)

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start a command; read it with communicate()."""
        return subprocess.Popen(
            [str(CREDITFLOW), *args],
            cwd=self.folder,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        process = self.start(*args)
        out, err = process.communicate(timeout=300)
        return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.fixture
def cli(engine, settings, tmp_path: Path) -> Cli:
    """A database holding a generated company's ledger (imported before the runs)."""
    files = generate_company(600, as_of=date.fromisoformat(DAY), seed=11).write_csv(tmp_path)
    assert import_customers(engine, files["customers"], settings).rejected == 0
    assert import_invoices(engine, files["invoices"], settings).rejected == 0
    assert import_payments(engine, files["payments"], settings).rejected == 0
    return Cli(settings.database_url, tmp_path)


def count(url: str, sql: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())
    finally:
        engine.dispose()


def wait_for_lease(url: str, process: subprocess.Popen[str]) -> None:
    """Until the run in `process` holds the lease."""
    deadline = time.monotonic() + 120
    while count(url, "SELECT COUNT(*) FROM run_lease") == 0:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the first run never took the lease"
        time.sleep(0.005)


@contextmanager
def lease_pinned(url: str) -> Iterator[Callable[[], int]]:
    """Lock the run lease table: its holder cannot give it back; others can read it.

    Yields a function counting the lease rows through the locking connection.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(str(parsed.database), isolation_level=None, timeout=30)
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield lambda: conn.execute("SELECT COUNT(*) FROM run_lease").fetchone()[0]
            conn.execute("ROLLBACK")
        finally:
            conn.close()
        return
    engine = make_engine(url)
    try:
        with engine.begin() as pg:
            pg.execute(text("LOCK TABLE run_lease IN EXCLUSIVE MODE"))
            yield lambda: int(pg.execute(text("SELECT COUNT(*) FROM run_lease")).scalar_one())
    finally:
        engine.dispose()


def test_the_second_and_third_run_of_the_day_create_nothing(cli):
    outputs = [cli("run", "--as-of", DAY, "--json") for _ in range(3)]

    assert [o.returncode for o in outputs] == [0, 0, 0], outputs[-1].stderr
    first, second, third = (len(o.stdout.splitlines()) for o in outputs)
    assert first > 150
    assert (second, third) == (0, 0)
    assert count(cli.url, "SELECT COUNT(*) FROM action") == first


def test_a_run_started_while_another_is_under_way_says_so_and_exits_2(cli):
    first = cli.start("run", "--as-of", DAY)
    wait_for_lease(cli.url, first)
    with lease_pinned(cli.url) as leases:
        assert leases() == 1, "the first run finished before the lease was pinned"
        second = cli("run", "--as-of", DAY)
    out, err = first.communicate(timeout=300)

    assert (first.returncode, second.returncode) == (0, 2), (err, second.stderr)
    assert IN_PROGRESS.match(second.stderr.strip()), second.stderr
    assert second.stdout == ""
    planned = int(re.search(r": (\d+) actions", out).group(1))  # type: ignore[union-attr]
    assert planned > 150
    assert count(cli.url, "SELECT COUNT(*) FROM action") == planned
    assert count(cli.url, "SELECT COUNT(*) FROM run_lease") == 0


def test_a_run_told_to_wait_runs_after_the_other_and_creates_nothing(cli):
    first = cli.start("run", "--as-of", DAY)
    wait_for_lease(cli.url, first)
    with lease_pinned(cli.url) as leases:
        assert leases() == 1, "the first run finished before the lease was pinned"
        second = cli.start("run", "--as-of", DAY, "--wait", "120")
        time.sleep(3)
        assert second.poll() is None, second.communicate()  # waiting for the first
    first_out, first_err = first.communicate(timeout=300)
    second_out, second_err = second.communicate(timeout=300)

    assert (first.returncode, second.returncode) == (0, 0), (first_err, second_err)
    assert re.search(r"run 1 for 2026-03-09: \d+ actions", first_out), first_out
    assert "run 2 for 2026-03-09: 0 actions, 0 superseded, 0 invoices covered" in second_out
