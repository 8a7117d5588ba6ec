"""Prometheus metrics: counts read from the database at scrape time, timings in-process.

What every process shares lives in the database (actions by status and channel, the
queue, runs, delivery attempts, job runs): `serve`'s /metrics reads it when scraped,
so one scrape target describes the whole installation however many workers run.
What only a process sees (how long a provider call took, provider errors, webhooks
refused) is counted in that process: `serve` shows its own on /metrics and each
worker on `--metrics-port`.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import Engine, text

from creditflow.channels.base import SendResult
from creditflow.store import db_value

__all__ = [
    "PROCESS",
    "DatabaseCollector",
    "install_webhook_counter",
    "installation_registry",
    "observe_send",
    "observe_webhook",
]

# The in-process metrics, one registry per process.
PROCESS = CollectorRegistry(auto_describe=True)
SEND_SECONDS = Histogram(
    "creditflow_send_seconds",
    "Seconds a provider took to answer one send (a batch's time shared over its messages).",
    ["channel"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=PROCESS,
)
SENDS = Counter(
    "creditflow_sends",
    "Messages handed to a provider by this process, by channel and provider answer.",
    ["channel", "status"],
    registry=PROCESS,
)
PROVIDER_ERRORS = Counter(
    "creditflow_provider_errors",
    "Sends a provider refused or failed (transient or permanent) in this process.",
    ["channel", "status"],
    registry=PROCESS,
)
WEBHOOK_FAILURES = Counter(
    "creditflow_webhook_failures",
    "Provider callbacks (webhooks, inbound messages) that serve answered with an error.",
    ["path"],
    registry=PROCESS,
)
WEBHOOK_PREFIXES = ("/webhooks/", "/twilio/", "/email/inbound")


def observe_send(channel: str, result: SendResult, seconds: float) -> None:
    """Count one send and its provider answer, and how long the provider took."""
    SEND_SECONDS.labels(channel).observe(seconds)
    SENDS.labels(channel, result.status).inc()
    if not result.ok:
        PROVIDER_ERRORS.labels(channel, result.status).inc()


def observe_webhook(path: str, status_code: int) -> None:
    """Count a provider callback that was answered with a 4xx/5xx."""
    if status_code >= 400 and path.startswith(WEBHOOK_PREFIXES):
        WEBHOOK_FAILURES.labels(path).inc()


_ACTIONS = "SELECT status, channel, count(*) FROM action GROUP BY status, channel"
_DUE = "SELECT count(*) FROM action WHERE status = 'queued' AND scheduled_at <= :now"
_QUEUED = "SELECT count(*) FROM action WHERE status = 'queued'"
_RUNS = "SELECT count(*) FROM collection_run WHERE dry_run = :no"
_ATTEMPTS = (
    "SELECT channel, coalesce(outcome, 'unfinished'), count(*) FROM delivery_attempt "
    "GROUP BY channel, coalesce(outcome, 'unfinished')"
)
_JOBS = "SELECT job, outcome, count(*) FROM job_run GROUP BY job, outcome"


class DatabaseCollector(Collector):
    """Reads the installation's counts from the database at every scrape."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        """The database's figures, or `creditflow_database_up 0` when it cannot be read."""
        up = GaugeMetricFamily("creditflow_database_up", "1 when the scrape read the database.")
        began = time.monotonic()
        try:
            figures = list(self._read())
        except Exception:  # noqa: BLE001 - a scrape reports the database down, never a 500
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from figures
        took = GaugeMetricFamily(
            "creditflow_scrape_database_seconds", "Seconds the scrape spent reading the database."
        )
        took.add_metric([], time.monotonic() - began)
        yield took

    def _read(self) -> Iterator[Metric]:
        with self.engine.connect() as conn:
            dialect = conn.dialect.name
            now = db_value(datetime.now(UTC), dialect)
            actions = GaugeMetricFamily(
                "creditflow_actions", "Actions by status and channel.", labels=["status", "channel"]
            )
            for status, channel, count in conn.execute(text(_ACTIONS)):
                actions.add_metric([status, channel], count)
            yield actions
            queue = GaugeMetricFamily(
                "creditflow_queue_depth",
                "Queued actions: due now, or all of them.",
                labels=["when"],
            )
            queue.add_metric(["due"], _count(conn, _DUE, now=now))
            queue.add_metric(["all"], _count(conn, _QUEUED))
            yield queue
            runs = CounterMetricFamily("creditflow_collection_runs", "Collection runs written.")
            runs.add_metric([], _count(conn, _RUNS, no=False))
            yield runs
            attempts = CounterMetricFamily(
                "creditflow_delivery_attempts",
                "Delivery attempts by channel and provider answer (all processes).",
                labels=["channel", "outcome"],
            )
            for channel, outcome, count in conn.execute(text(_ATTEMPTS)):
                attempts.add_metric([channel, outcome], count)
            yield attempts
            jobs = CounterMetricFamily(
                "creditflow_job_runs",
                "Scheduled job runs by job and outcome.",
                labels=["job", "outcome"],
            )
            for job, outcome, count in conn.execute(text(_JOBS)):
                jobs.add_metric([job, outcome], count)
            yield jobs


def _count(conn: Any, sql: str, **params: Any) -> int:
    return int(conn.execute(text(sql), params).scalar_one())


class _Process(Collector):
    """The process's own metrics inside another registry."""

    def collect(self) -> Iterator[Metric]:
        """Everything in PROCESS."""
        yield from PROCESS.collect()


def installation_registry(engine: Engine) -> CollectorRegistry:
    """A registry with the database's figures and this process's own metrics."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(engine))
    registry.register(_Process())
    return registry


def install_webhook_counter(app: Any) -> None:
    """Count provider callbacks that `serve` answers with an error (middleware)."""

    @app.middleware("http")
    async def count_webhook_failures(request: Any, call_next: Any) -> Any:
        try:
            response = await call_next(request)
        except Exception:
            observe_webhook(request.url.path, 500)
            raise
        observe_webhook(request.url.path, response.status_code)
        return response
