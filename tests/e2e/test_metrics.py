"""Prometheus metrics of a real `serve` and a real worker after a run and a dispatch.

The run is `creditflow run` and the dispatch a `creditflow worker` subprocess (JSON
logs, its own --metrics-port); `serve` is a subprocess too. serve's /metrics reads
the database when scraped, the worker's shows the sends it made itself.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Engine, text

from creditflow.config import Settings
from tests.support.any_hour import ANY_HOUR_RULES
from tests.support.compliance_ledger import consumer, seed
from tests.support.dispatch_ledger import invoice
from tests.support.schedule_workers import CREDITFLOW, wait_for
from tests.support.serve_process import free_port, serve

CONFIG = '[organisation]\nname = "Voorbeeld B.V."\niban = "NL91ABNA0417164300"\n' + ANY_HOUR_RULES


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a scrape, keyed by name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def test_metrics_count_the_run_the_queue_and_the_send_with_its_latency(
    engine: Engine, settings: Settings, tmp_path: Path, database_url: str
) -> None:
    seed(engine, settings, tmp_path, [consumer("C001")], [invoice("INV-1", "C001")])
    (tmp_path / "creditflow.toml").write_text(CONFIG, encoding="utf-8")
    env = {
        **os.environ,
        "CREDITFLOW_DATABASE_URL": database_url,
        "CREDITFLOW_CONFIG": str(tmp_path / "creditflow.toml"),
        "CREDITFLOW_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    ran = subprocess.run(  # noqa: S603 - our own console script
        [str(CREDITFLOW), "run", "--as-of", "2026-01-12"], env=env, cwd=tmp_path,
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    with engine.connect() as conn:
        [action_id] = conn.execute(text("SELECT action_id FROM action")).scalars().all()

    with serve(database_url, tmp_path / "serve", config=CONFIG) as server:
        before = scrape(f"{server.base_url}/metrics")
        assert before[("creditflow_database_up", ())] == 1
        assert before[("creditflow_collection_runs_total", ())] == 1
        assert before[("creditflow_actions", (("channel", "email"), ("status", "queued")))] == 1
        assert before[("creditflow_queue_depth", (("when", "due"),))] == 1
        ready = httpx.get(f"{server.base_url}/api/ready", timeout=30)
        assert ready.status_code == 200 and ready.json()["status"] == "ready", ready.text
        refused = httpx.post(f"{server.base_url}/webhooks/mollie", data={"id": "not-an-id"})
        assert refused.status_code == 400

        port = free_port()
        worker = subprocess.Popen(  # noqa: S603 - our own console script
            [str(CREDITFLOW), "worker", "--poll-seconds", "0.2", "--metrics-port", str(port),
             "--log-format", "json"],
            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            wait_for(lambda: _status(engine, action_id) == "sent", 120, "the send")
            own = scrape(f"http://127.0.0.1:{port}/metrics")
        finally:
            worker.send_signal(signal.SIGTERM)
            out, err = worker.communicate(timeout=60)
        assert worker.returncode == 0, err
        assert own[("creditflow_sends_total", (("channel", "email"), ("status", "sent")))] == 1
        assert own[("creditflow_send_seconds_count", (("channel", "email"),))] == 1
        assert own[("creditflow_send_seconds_sum", (("channel", "email"),))] > 0
        sends = [
            line for line in map(json.loads, err.splitlines()) if line.get("action_id") == action_id
        ]
        assert [(s["channel"], s["status"], s["logger"]) for s in sends] == [
            ("email", "sent", "creditflow.dispatch.batch")
        ], err

        after = scrape(f"{server.base_url}/metrics")
    assert after[("creditflow_actions", (("channel", "email"), ("status", "sent")))] == 1
    assert after[("creditflow_queue_depth", (("when", "due"),))] == 0
    assert (
        after[("creditflow_delivery_attempts_total", (("channel", "email"), ("outcome", "sent")))]
        == 1
    )
    assert after[("creditflow_webhook_failures_total", (("path", "/webhooks/mollie"),))] == 1


def _status(engine: Engine, action_id: str) -> str:
    with engine.connect() as conn:
        return str(
            conn.execute(
                text("SELECT status FROM action WHERE action_id = :a"), {"a": action_id}
            ).scalar_one()
        )
