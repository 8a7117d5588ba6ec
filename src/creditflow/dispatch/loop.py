"""The long-running worker: dispatch what is due, sleep when nothing is, repeat."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from creditflow.channels.base import ChannelAdapter
from creditflow.channels.registry import build_adapters
from creditflow.config import Settings
from creditflow.dispatch.dispatch_pass import default_worker_id
from creditflow.dispatch.worker import DispatchReport, dispatch_due

__all__ = ["run_worker"]


def run_worker(
    engine: Engine,
    settings: Settings,
    *,
    poll_seconds: float = 5.0,
    batch_size: int | None = None,
    worker_id: str | None = None,
    stop: threading.Event | None = None,
    adapters: Mapping[str, ChannelAdapter] | None = None,
    on_report: Callable[[DispatchReport], Any] | None = None,
) -> None:
    """Dispatch what is due, again and again, until `stop` is set (or SIGTERM/SIGINT)."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
    worker = worker_id or default_worker_id()
    channel_adapters = (
        dict(adapters)
        if adapters is not None
        else build_adapters(settings.channels, settings.outbox_dir)
    )
    try:
        while not stop.is_set():
            moment = datetime.now(UTC)
            report = dispatch_due(
                engine,
                settings,
                until=moment,
                worker_id=worker,
                adapters=channel_adapters,
                batch_size=batch_size,
            )
            if on_report is not None and (report.claimed or report.reconciled or report.review):
                on_report(report)
            if not report.claimed:
                stop.wait(poll_seconds)
    finally:
        for adapter in channel_adapters.values():
            adapter.close()
