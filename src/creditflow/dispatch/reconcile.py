"""Reconciling sends a worker started but never finished (it was killed mid-send).

A `delivery_attempt` row is committed before the provider is called and completed
after, so an attempt without `finished_at` whose action is still queued means the
worker died in between: the message may or may not have left. The rule:

- the sandbox and print-folder adapters are idempotent and leave evidence: the file
  named after the action id. File present: the send happened; record it as sent
  with the deterministic provider id. File absent: nothing left; the action goes
  back to the queue and is sent normally.
- every other provider (SMTP, Twilio, webhooks) cannot be asked whether the message
  left. Sending again could reach the debtor twice, so the action is marked
  'failed' with status_reason "manual review: ..." and a message.review event; a
  person checks the provider's log and re-queues it if needed. (An e-mail re-sent
  by hand keeps its Message-ID, which is derived from the action id.)

Only attempts whose worker lost its claim (stale `claimed_at`, released, or this
same worker id restarting) are reconciled, so a slow send of a live worker is left
alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, or_, select

from creditflow.channels.base import ChannelAdapter, SendResult, safe_file_stem
from creditflow.channels.sandbox import PrintFolderAdapter, SandboxAdapter
from creditflow.db import transaction
from creditflow.dispatch.letters import archive_letter
from creditflow.dispatch.outcome import mark_sent, timeline
from creditflow.outbox.models import Action, DeliveryAttempt

__all__ = ["Reconciled", "evidence_of_send", "reconcile_unfinished"]

_SANDBOX_SUFFIX = {"email": ".eml", "letter": ".pdf"}


@dataclass
class Reconciled:
    """What reconciliation found: sent (evidence), requeued (no send), review (unknown)."""

    sent: int = 0
    requeued: int = 0
    review: int = 0


def _deterministic_id(prefix: str, channel: str, action_id: str) -> str:
    # The same id the sandbox and print-folder adapters give a message.
    digest = hashlib.sha256(f"{channel}:{action_id}".encode()).hexdigest()
    return f"{prefix}-{digest[:20]}"


def evidence_of_send(
    adapter: ChannelAdapter | None, channel: str, action_id: str
) -> tuple[SendResult | None, Path | None] | None:
    """For idempotent adapters: (the result if the file exists else None, the file).

    None when the adapter leaves no evidence that can be checked.
    """
    stem = safe_file_stem(action_id)
    if isinstance(adapter, SandboxAdapter):
        path = adapter.folder / f"{stem}{_SANDBOX_SUFFIX.get(channel, '.json')}"
        result = SendResult.sent("sandbox", _deterministic_id("sandbox", channel, action_id))
        return (result if path.is_file() else None), path
    if isinstance(adapter, PrintFolderAdapter):
        path = adapter.folder / f"{stem}.pdf"
        result = SendResult.sent("print_folder", _deterministic_id("print", channel, action_id))
        return (result if path.is_file() else None), path
    return None


def reconcile_unfinished(
    engine: Engine,
    adapters: Mapping[str, ChannelAdapter],
    outbox_dir: Path,
    worker_id: str,
    now: datetime,
    claim_timeout: float,
) -> Reconciled:
    """Settle attempts left unfinished by a worker that died; see the module rule."""
    found = Reconciled()
    stale = now - timedelta(seconds=claim_timeout)
    with transaction(engine) as session:
        rows = session.execute(
            select(DeliveryAttempt, Action)
            .join(Action, Action.action_id == DeliveryAttempt.action_id)
            .where(
                DeliveryAttempt.finished_at.is_(None),
                or_(
                    Action.claimed_by.is_(None),
                    Action.claimed_by == worker_id,
                    Action.claimed_at < stale,
                ),
            )
            .order_by(DeliveryAttempt.id)
        ).all()
        for attempt, action in rows:
            attempt.finished_at = now
            if action.status != "queued" or action.channel != attempt.channel:
                attempt.outcome = "abandoned"
                continue
            checked = evidence_of_send(
                adapters.get(attempt.channel), attempt.channel, action.action_id
            )
            if checked is None:
                attempt.outcome = "unknown"
                reason = (
                    f"manual review: worker {attempt.worker} stopped while sending by "
                    f"{attempt.channel}; the provider may have sent it"
                )
                action.status = "failed"
                action.status_reason = reason[:400]
                action.payload = {**(action.payload or {}), "review": True}
                action.claimed_by = None
                action.claimed_at = None
                timeline(session, action, "message.review", reason, now)
                found.review += 1
                continue
            result, path = checked
            if result is None:
                attempt.outcome = "not_sent"
                action.claimed_by = None
                action.claimed_at = None
                found.requeued += 1
                continue
            attempt.outcome = "sent"
            attempt.provider_message_id = result.provider_message_id
            mark_sent(session, action, result, now)
            action.payload = {**(action.payload or {}), "reconciled": True}
            if attempt.channel == "letter" and path is not None:
                archive_letter(outbox_dir, action.action_id, path.read_bytes())
            found.sent += 1
    return found
