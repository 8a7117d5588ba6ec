"""Workers that die mid-send, and workers that share one queue."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from creditflow.channels.base import OutboundMessage, SendResult
from creditflow.channels.registry import build_adapters
from creditflow.channels.sandbox import SandboxAdapter
from creditflow.dispatch.worker import dispatch_due
from tests.support.any_hour import any_hour
from tests.support.compliance_ledger import consumer, rows
from tests.support.dispatch_ledger import END_OF_DAY, invoice, queued_reminders, with_organisation

ROOT = Path(__file__).resolve().parents[2]
CUSTOMERS = 8


def ledger(engine, settings, tmp_path, count: int):
    customers = [consumer(f"C{i:03d}") for i in range(count)]
    invoices = [invoice(f"INV-{i}", f"C{i:03d}") for i in range(count)]
    return queued_reminders(engine, settings, tmp_path, customers=customers, invoices=invoices)


def start_worker(database_url, outbox, log, delay, claim_timeout) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.support.dispatch_slow_worker",
            database_url,
            str(outbox),
            str(log),
            str(delay),
            str(claim_timeout),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline().strip() == "ready", process.stderr.read()
    return process


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def sent_log(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


@pytest.mark.slow
def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(
    engine, settings, database_url, tmp_path
):
    settings = with_organisation(settings)
    queued = ledger(engine, settings, tmp_path, CUSTOMERS)
    assert len(queued) == CUSTOMERS
    log = tmp_path / "sent.log"

    first = start_worker(database_url, settings.outbox_dir, log, delay=0.5, claim_timeout=1)
    try:
        wait_for(lambda: len(sent_log(log)) >= 3, 30, "three sends")
        first.send_signal(signal.SIGKILL)  # mid-send: the third one is in its pause
        first.wait(timeout=10)
    finally:
        first.kill()
    unfinished = {
        r["action_id"]
        for r in rows(engine, "SELECT action_id FROM delivery_attempt WHERE finished_at IS NULL")
    }
    # The worker (batch size 2) commits the attempts of its whole batch before the
    # first send: the kill in the third send leaves that batch unfinished, one of its
    # messages out (in the log), the other not yet handed to the adapter.
    assert len(unfinished) == 2, "the kill came while one batch was being sent"
    went_out = unfinished & set(sent_log(log))
    assert len(went_out) == 1, "exactly one message of the batch had left"

    time.sleep(1.2)  # the dead worker's claims go stale
    second = start_worker(database_url, settings.outbox_dir, log, delay=0, claim_timeout=1)
    try:
        wait_for(
            lambda: (
                rows(engine, "SELECT COUNT(*) AS n FROM action WHERE status = 'sent'")[0]["n"]
                == CUSTOMERS
            ),
            30,
            "every action sent",
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=10)

    sends = Counter(sent_log(log))
    assert set(sends) == {a["action_id"] for a in queued}, "nothing lost"
    assert max(sends.values()) == 1, f"sent twice: {sends.most_common(1)}"
    for action_id in unfinished:
        [found] = rows(engine, "SELECT payload FROM action WHERE action_id = :a", a=action_id)
        reconciled = "reconciled" in str(found["payload"])
        assert reconciled == (action_id in went_out), "reconciled as sent, or sent normally"
    assert rows(engine, "SELECT COUNT(*) AS n FROM delivery_attempt WHERE finished_at IS NULL") == [
        {"n": 0}
    ]


class CountingSandbox(SandboxAdapter):
    """The e-mail sandbox counting sends per action (thread-safe), a little slow."""

    def __init__(self, outbox: Path) -> None:
        super().__init__("email", outbox)
        self.sent: list[str] = []
        self.lock = threading.Lock()

    def send(self, message: OutboundMessage) -> SendResult:
        time.sleep(0.005)
        with self.lock:
            self.sent.append(message.action_id)
        return super().send(message)


@pytest.mark.postgres
def test_two_workers_drain_one_queue_on_postgresql_sending_each_action_once(
    engine, settings, database_url, tmp_path
):
    if not database_url.startswith("postgresql"):
        pytest.skip("SKIP LOCKED sharing needs PostgreSQL; SQLite has a single writer")
    settings = any_hour(with_organisation(settings))  # dispatch_due on the wall clock
    queued = ledger(engine, settings, tmp_path, 60)
    adapters = build_adapters({}, settings.outbox_dir)
    counting = CountingSandbox(settings.outbox_dir)
    adapters["email"] = counting
    reports = {}

    def work(name: str) -> None:
        reports[name] = dispatch_due(
            engine, settings, until=END_OF_DAY, worker_id=name, adapters=adapters, batch_size=5
        )

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    counts = Counter(counting.sent)
    assert set(counts) == {a["action_id"] for a in queued}
    assert max(counts.values()) == 1
    assert sum(r.sent for r in reports.values()) == 60
    assert all(r.sent > 0 for r in reports.values()), {k: r.line() for k, r in reports.items()}
