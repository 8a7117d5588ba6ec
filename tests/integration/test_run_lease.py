"""One collection run at a time: the run lease, held, expired, left by a crashed run."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert

from creditflow.strategy.lease import RunInProgress
from creditflow.strategy.models import RunLease
from creditflow.strategy.run import collection_run
from tests.support.compliance_ledger import consumer, morning, rows, seed
from tests.support.dispatch_ledger import invoice

DAY = date(2026, 1, 12)  # the reminder of INV-1 (due 5 January) is due


def hold(engine, *, host: str, pid: int, started: datetime, expires: datetime) -> None:
    """A lease row as another run leaves it."""
    with engine.begin() as conn:
        conn.execute(
            insert(RunLease).values(
                name="collection_run",
                as_of=DAY,
                host=host,
                pid=pid,
                token="f" * 32,
                started_at=started,
                expires_at=expires,
            )
        )


@pytest.fixture
def ledger(engine, settings, tmp_path):
    seed(engine, settings, tmp_path, [consumer("C001")], [invoice("INV-1")])
    return engine


def runs_and_leases(engine) -> tuple[int, int]:
    [row] = rows(
        engine,
        "SELECT (SELECT COUNT(*) FROM collection_run) AS runs, "
        "(SELECT COUNT(*) FROM run_lease) AS leases",
    )
    return row["runs"], row["leases"]


def test_a_run_under_way_on_another_machine_is_reported_and_nothing_is_written(ledger, settings):
    started = datetime.now(UTC) - timedelta(minutes=3)
    hold(ledger, host="batch-2", pid=4242, started=started, expires=started + timedelta(hours=2))

    with pytest.raises(RunInProgress) as caught:
        collection_run(ledger, settings, DAY, now=morning(DAY), wait=0.6)

    assert str(caught.value).startswith(
        f"a collection run for 2026-01-12 is in progress (started "
        f"{started:%Y-%m-%d %H:%M:%S} UTC by batch-2 pid 4242)"
    )
    assert runs_and_leases(ledger) == (0, 1)
    dry = collection_run(ledger, settings, DAY, now=morning(DAY), dry_run=True)
    assert dry.actions.height == 1  # a dry run writes nothing and needs no lease


def test_the_expired_lease_of_a_crashed_run_is_taken_over(ledger, settings):
    started = datetime.now(UTC) - timedelta(hours=3)
    hold(ledger, host="batch-2", pid=4242, started=started, expires=started + timedelta(hours=2))

    result = collection_run(ledger, settings, DAY, now=morning(DAY))

    assert result.actions.height == 1
    assert runs_and_leases(ledger) == (1, 0)  # given back when done


def test_the_lease_of_a_process_gone_from_this_machine_is_taken_over_at_once(ledger, settings):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    now = datetime.now(UTC)
    hold(ledger, host=socket.gethostname(), pid=int(gone.stdout), started=now,
         expires=now + timedelta(hours=2))  # fmt: skip

    result = collection_run(ledger, settings, DAY, now=morning(DAY))

    assert result.actions.height == 1
    assert runs_and_leases(ledger) == (1, 0)


def test_a_live_process_on_this_machine_keeps_its_lease(ledger, settings):
    now = datetime.now(UTC)
    hold(ledger, host=socket.gethostname(), pid=os.getppid(), started=now,
         expires=now + timedelta(hours=2))  # fmt: skip

    with pytest.raises(RunInProgress):
        collection_run(ledger, settings, DAY, now=morning(DAY))
    assert runs_and_leases(ledger) == (0, 1)
