"""Send chosen actions now (serve's send-at-once), through the same phases as a dispatch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from sqlalchemy import Engine

from creditflow.channels.base import ChannelAdapter
from creditflow.config import Settings
from creditflow.dispatch.claim import claim_actions
from creditflow.dispatch.dispatch_pass import adapters_for, default_worker_id, new_pass
from creditflow.dispatch.report import DispatchReport
from creditflow.dispatch.worker import process_batch

__all__ = ["dispatch_actions"]


def dispatch_actions(
    engine: Engine,
    settings: Settings,
    action_pks: Sequence[int],
    *,
    worker_id: str | None = None,
    adapters: Mapping[str, ChannelAdapter] | None = None,
) -> DispatchReport:
    """Send these actions now if they are due, through the same phases as `dispatch_due`.

    What is not due (a retry waiting, another worker's claim) is left to the workers.
    """
    policy = settings.dispatch
    worker = worker_id or default_worker_id()
    report = DispatchReport()
    with engine.begin() as conn:
        ids = claim_actions(
            conn,
            worker,
            action_pks,
            now=datetime.now(UTC),
            claim_timeout=policy.claim_timeout_seconds,
        )
    if not ids:
        return report
    report.claimed = len(ids)
    owned = adapters is None
    channel_adapters = adapters_for(settings, adapters)
    try:
        clock = lambda: datetime.now(UTC)  # noqa: E731 - the wall clock of this pass
        batch = new_pass(engine, settings, channel_adapters, worker, policy, clock)
        process_batch(engine, batch, ids, report)
    finally:
        if owned:
            for adapter in channel_adapters.values():
                adapter.close()
    return report
