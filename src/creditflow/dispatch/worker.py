"""Dispatch: claim due actions, re-check them, render, send, record; and the worker loop.

One batch goes through four steps:

1. claim (`claim.py`), committed, so other workers skip these actions;
2. re-check in one transaction (`recheck.py`): cancel what must not be sent, narrow
   partly paid actions to the invoices still open, put tasks in the work queue and
   hand escalations over;
3. render each message (outside any transaction);
4. per message: confirm the claim and commit a `delivery_attempt` (outcome empty),
   call the adapter, then record the outcome in one transaction: sent; retry later
   (transient, with backoff); or fail over to the next channel (permanent, limit
   reached, bad address), failed when none is left.

`now` is the clock retries and records use (the wall clock unless given);
`until` bounds the scheduled time of what is sent.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from creditflow.channels.base import ChannelAdapter, OutboundMessage, SendResult
from creditflow.channels.registry import build_adapters
from creditflow.compliance.service import local_today
from creditflow.config import Settings
from creditflow.db import transaction
from creditflow.dispatch.claim import claim_batch, confirm_claim
from creditflow.dispatch.letters import archive_letter
from creditflow.dispatch.models import Action, DeliveryAttempt
from creditflow.dispatch.outcome import cancel, fail_over, mark_contact_invalid, mark_sent, timeline
from creditflow.dispatch.recheck import (
    BatchFacts,
    is_opt_out_confirmation,
    load_facts,
    postpone,
    recheck_action,
)
from creditflow.dispatch.reconcile import reconcile_unfinished
from creditflow.dispatch.render import (
    RenderedAction,
    build_context,
    creditor_of,
    links_for,
    render_action,
)
from creditflow.dispatch.retry import DispatchPolicy, next_attempt_at, policy_from
from creditflow.dispatch.tasks import send_task
from creditflow.ledger.service import link_secret
from creditflow.messages.render import MessageTemplateError

__all__ = ["DispatchReport", "default_worker_id", "dispatch_due"]

log = logging.getLogger(__name__)


@dataclass
class DispatchReport:
    """What one dispatch pass did."""

    claimed: int = 0
    sent: int = 0
    cancelled: int = 0
    retried: int = 0
    failed_over: int = 0
    failed: int = 0
    tasks: int = 0
    escalated: int = 0
    review: int = 0
    reconciled: int = 0
    lost: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One-line summary for the command line."""
        text = (
            f"claimed {self.claimed}: sent {self.sent}, cancelled {self.cancelled}, "
            f"retry later {self.retried}, failed over {self.failed_over}, failed {self.failed}, "
            f"tasks {self.tasks}, escalated {self.escalated}"
        )
        if self.reconciled or self.review:
            text += (
                f"; after a stopped worker: {self.reconciled} found sent, {self.review} to review"
            )
        return text


@dataclass
class _Planned:
    action_pk: int
    action_id: str
    channel: str
    address: str
    rendered: RenderedAction


def default_worker_id() -> str:
    """host:pid, unique per running worker."""
    return f"{socket.gethostname()}:{os.getpid()}"


def dispatch_due(
    engine: Engine,
    settings: Settings,
    *,
    until: datetime,
    worker_id: str | None = None,
    limit: int | None = None,
    now: datetime | None = None,
    adapters: Mapping[str, ChannelAdapter] | None = None,
    batch_size: int | None = None,
) -> DispatchReport:
    """Send every action due by `until`, in batches, and report what happened."""
    if until.tzinfo is None:
        raise ValueError("until must be timezone-aware")
    policy = policy_from(settings.raw.get("dispatch"))
    worker = worker_id or default_worker_id()
    clock: Callable[[], datetime] = (
        (lambda: now) if now is not None else (lambda: datetime.now(UTC))
    )
    owned = adapters is None
    channel_adapters = (
        dict(adapters)
        if adapters is not None
        else build_adapters(settings.channels, settings.outbox_dir)
    )
    report = DispatchReport()
    _ensure_link_secret(engine, settings)
    try:
        found = reconcile_unfinished(
            engine,
            channel_adapters,
            settings.outbox_dir,
            worker,
            clock(),
            policy.claim_timeout_seconds,
        )
        report.reconciled, report.review = found.sent, found.review
        size = batch_size or policy.batch_size
        while limit is None or report.claimed < limit:
            wanted = size if limit is None else min(size, limit - report.claimed)
            with engine.begin() as conn:
                ids = claim_batch(
                    conn,
                    worker,
                    until=until,
                    now=clock(),
                    limit=wanted,
                    claim_timeout=policy.claim_timeout_seconds,
                )
            if not ids:
                break
            report.claimed += len(ids)
            _process(engine, settings, channel_adapters, worker, ids, policy, clock, report)
    finally:
        if owned:
            for adapter in channel_adapters.values():
                adapter.close()
    return report


def _ensure_link_secret(engine: Engine, settings: Settings) -> None:
    """Create the organisation's link secret up front, once, even with workers racing."""
    try:
        with transaction(engine) as session:
            link_secret(session, settings)
    except IntegrityError:
        pass  # another worker created the organisation row at the same moment


def _process(
    engine: Engine,
    settings: Settings,
    adapters: Mapping[str, ChannelAdapter],
    worker: str,
    ids: list[int],
    policy: DispatchPolicy,
    clock: Callable[[], datetime],
    report: DispatchReport,
) -> None:
    creditor = creditor_of(settings)
    planned: list[_Planned] = []
    with transaction(engine) as session:
        actions = session.scalars(
            select(Action)
            .where(Action.id.in_(ids), Action.claimed_by == worker, Action.status == "queued")
            .order_by(Action.scheduled_at, Action.id)
        ).all()
        facts = load_facts(session, actions, settings.rules.promise_grace_days)
        secret = link_secret(session, settings)
        for action in actions:
            now = clock()
            if _prepare(session, settings, action, facts, now, report) is None:
                continue
            customer = facts.customers[action.customer_id]
            point = facts.contact(
                customer.id, action.channel, include_opted_out=is_opt_out_confirmation(action)
            )
            if point is None:
                _fail_over(session, action, f"no valid {action.channel} address", now, report)
                continue
            try:
                invoices = [facts.invoices[i] for i in action.invoice_ids or []]
                ctx = build_context(
                    action,
                    customer,
                    invoices,
                    action.amount_due_minor,
                    creditor=creditor,
                    links=links_for(settings, secret, customer.customer_id, action.action_id, now),
                    today=local_today(customer, now),
                    organisation_country=settings.organisation.country,
                )
                rendered = render_action(action, ctx, settings=settings, to=point.address)
            except (MessageTemplateError, ValueError) as exc:
                _fail_over(
                    session, action, f"cannot render for {action.channel}: {exc}", now, report
                )
                continue
            planned.append(
                _Planned(action.id, action.action_id, action.channel, point.address, rendered)
            )
    for item in planned:
        _send(engine, settings, adapters, worker, item, policy, clock, report)


def _prepare(
    session: Session,
    settings: Settings,
    action: Action,
    facts: BatchFacts,
    now: datetime,
    report: DispatchReport,
) -> Action | None:
    """Re-check one action; do tasks and escalations; the action when a message is to go."""
    customer = facts.customers[action.customer_id]
    verdict = recheck_action(session, settings, action, facts, now)
    if verdict.postponed:
        postpone(session, action, verdict, now)
        report.retried += 1
        return None
    if verdict.cancelled:
        cancel(session, action, verdict.cancel_reason or "", now)
        report.cancelled += 1
        return None
    if verdict.dropped:
        action.payload = {
            **(action.payload or {}),
            "recheck": {
                "dropped": list(verdict.dropped),
                "amount_due_minor_before": action.amount_due_minor,
            },
        }
        action.invoice_ids = list(verdict.invoice_ids)
        action.invoice_numbers = list(verdict.invoice_numbers)
    if verdict.amount_due_minor is not None:
        action.amount_due_minor = verdict.amount_due_minor
    if action.kind == "task":
        send_task(session, action, customer, settings.outbox_dir, now)
        report.tasks += 1
        return None
    if action.kind == "escalation":
        _escalate(session, settings, action, now, report)
        return None
    return action


def _escalate(
    session: Session, settings: Settings, action: Action, now: datetime, report: DispatchReport
) -> None:
    from creditflow.compliance.handover import hand_over

    try:
        with session.begin_nested():
            hand_over(session, settings, action, action.channel, now, actor="dispatch")
        report.escalated += 1
    except ValueError as exc:
        action.status = "failed"
        action.status_reason = f"hand-over refused: {exc}"[:400]
        action.claimed_by = None
        timeline(session, action, "escalation.failed", action.status_reason, now)
        report.failed += 1
    except Exception as exc:  # noqa: BLE001 - delivery of the dossier failed: try again later
        action.claimed_by = None
        action.next_attempt_at = next_attempt_at(policy_from(settings.raw.get("dispatch")), 1, now)
        action.error = f"hand-over delivery failed: {exc!r}"[:2000]
        report.retried += 1


def _fail_over(
    session: Session, action: Action, reason: str, now: datetime, report: DispatchReport
) -> None:
    if fail_over(session, action, reason, now) is None:
        report.failed += 1
    else:
        report.failed_over += 1


def _start_attempt(engine: Engine, worker: str, item: _Planned, now: datetime) -> bool:
    """Confirm the claim and commit the attempt row BEFORE the provider is called."""
    with transaction(engine) as session:
        if not confirm_claim(session.connection(), item.action_pk, worker, now):
            return False
        action = session.get(Action, item.action_pk)
        assert action is not None
        payload = {**(action.payload or {}), "to": item.address}
        if item.channel == "voice":
            payload["voice_text"] = item.rendered.message.text
        action.payload = payload
        session.add(
            DeliveryAttempt(
                action_id=item.action_id,
                attempt=action.attempts,
                channel=item.channel,
                worker=worker,
                started_at=now,
            )
        )
    return True


def _call(adapter: ChannelAdapter | None, message: OutboundMessage) -> SendResult:
    if adapter is None:
        return SendResult.permanent("none", f"no adapter for channel {message.channel}")
    try:
        return adapter.send(message)
    except Exception as exc:  # noqa: BLE001 - an adapter bug must not stop the batch
        log.exception(
            "adapter %s raised for action %s", getattr(adapter, "name", "?"), message.action_id
        )
        return SendResult.transient(getattr(adapter, "name", "adapter"), f"adapter raised {exc!r}")


def _send(
    engine: Engine,
    settings: Settings,
    adapters: Mapping[str, ChannelAdapter],
    worker: str,
    item: _Planned,
    policy: DispatchPolicy,
    clock: Callable[[], datetime],
    report: DispatchReport,
) -> None:
    if not _start_attempt(engine, worker, item, clock()):
        report.lost += 1
        return
    result = _call(adapters.get(item.channel), item.rendered.message)
    now = clock()
    with transaction(engine) as session:
        attempt = session.scalars(
            select(DeliveryAttempt)
            .where(
                DeliveryAttempt.action_id == item.action_id, DeliveryAttempt.finished_at.is_(None)
            )
            .order_by(DeliveryAttempt.id.desc())
        ).first()
        if attempt is not None:
            attempt.finished_at = now
            attempt.outcome = result.status
            attempt.provider_message_id = result.provider_message_id
            attempt.error = result.error
        action = session.get(Action, item.action_pk)
        assert action is not None
        if result.ok:
            mark_sent(session, action, result, now)
            if item.rendered.letter_pdf is not None and item.channel == "letter":
                archive_letter(settings.outbox_dir, item.action_id, item.rendered.letter_pdf)
            report.sent += 1
            return
        error = result.error or result.status
        if result.status == "transient_failure":
            retry_at = next_attempt_at(policy, action.attempts, now)
            if retry_at is not None:
                action.next_attempt_at = retry_at
                action.error = error[:2000]
                action.claimed_by = None
                action.claimed_at = None
                timeline(
                    session,
                    action,
                    "message.retry",
                    f"{action.step} on {action.channel}: attempt {action.attempts} failed "
                    f"({error}); next try {retry_at.isoformat(timespec='seconds')}",
                    now,
                    data={"error": error, "attempt": action.attempts},
                )
                report.retried += 1
                return
            error = f"{error} (after {action.attempts} attempts)"
        elif result.contact_invalid:
            mark_contact_invalid(session, action, item.channel, item.address, error, now)
        _fail_over(session, action, error, now, report)
