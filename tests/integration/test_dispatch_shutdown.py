"""SIGTERM to a worker mid-batch: the claimed batch is finished, nothing else is claimed.

The worker is a real subprocess (tests/support/dispatch_slow_worker.py: batches of
two, each send pausing half a second). SIGTERM arrives while the first message of
its batch is out: the second is still sent and both are recorded, the attempts are
closed, the worker exits 0 without claiming the next batch, and no queued action is
left claimed for another worker to wait for.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from sqlalchemy import Engine

from creditflow.config import Settings
from tests.integration.test_dispatch_workers import ledger, sent_log, start_worker, wait_for
from tests.support.compliance_ledger import rows
from tests.support.dispatch_ledger import with_organisation


@pytest.mark.slow
def test_sigterm_mid_batch_finishes_the_batch_and_leaves_the_rest_unclaimed(
    engine: Engine, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    settings = with_organisation(settings)
    queued = ledger(engine, settings, tmp_path, 6)
    log = tmp_path / "sent.log"
    worker = start_worker(database_url, settings.outbox_dir, log, delay=0.5, claim_timeout=600)
    try:
        wait_for(lambda: len(sent_log(log)) >= 1, 30, "the first send of the batch")
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=30)
    finally:
        worker.kill()
    assert code == 0, worker.stderr.read() if worker.stderr else ""

    assert len(sent_log(log)) == 2, "the batch of two was finished, no new batch claimed"
    status = rows(engine, "SELECT status, COUNT(*) AS n FROM action GROUP BY status")
    assert {r["status"]: r["n"] for r in status} == {"sent": 2, "queued": len(queued) - 2}
    assert rows(engine, "SELECT COUNT(*) AS n FROM delivery_attempt WHERE finished_at IS NULL") == [
        {"n": 0}
    ]
    assert rows(
        engine,
        "SELECT COUNT(*) AS n FROM action WHERE status = 'queued' AND claimed_by IS NOT NULL",
    ) == [{"n": 0}]
