"""Dispatch: claim due actions, re-check them, render, send, record; and the worker loop.

One batch goes through these phases, with three commits in all:

1. claim (`claim.py`), committed, so other workers skip these actions;
2. re-check in one transaction (`recheck.py`): cancel what must not be sent, narrow
   partly paid actions to the invoices still open, put tasks in the work queue and
   record hand-overs for escalations; after that commit, their dossiers go to the
   agency (`compliance.dossier_delivery`, never inside a transaction; a dossier that
   could not be delivered stays pending and is tried again at the next pass);
3. render every message (outside any transaction);
4. one transaction confirms the claims and writes every `delivery_attempt` row
   (outcome empty) BEFORE any provider is called (`batch.start_attempts`);
5. send: at once for adapters with a `send_batch` (SMTP over several reused
   connections, Twilio as concurrent requests), one by one for the others
   (`batch.send_all`);
6. one transaction records every outcome: sent; retry later (transient, with
   backoff); or fail over to the next channel (permanent, limit reached, bad
   address), failed when none is left (`batch.record_outcomes`).

The creditor block and the link secret are looked up once per pass. `now` is the
clock retries and records use (the wall clock unless given); `until` bounds the
scheduled time of what is sent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from creditflow.channels.base import ChannelAdapter
from creditflow.config import Settings
from creditflow.db import transaction
from creditflow.dispatch.batch import (
    Planned,
    fail_over_and_count,
    record_outcomes,
    send_all,
    start_attempts,
)
from creditflow.dispatch.claim import claim_batch
from creditflow.dispatch.dispatch_pass import (
    DispatchPass,
    adapters_for,
    default_worker_id,
    new_pass,
)
from creditflow.dispatch.facts import BatchFacts, load_facts, message_invoice_ids
from creditflow.dispatch.legal_check import letter_problems, refuse_letter
from creditflow.dispatch.outcome import cancel, timeline
from creditflow.dispatch.recheck import is_opt_out_confirmation, postpone, recheck_action
from creditflow.dispatch.reconcile import reconcile_unfinished
from creditflow.dispatch.render import build_context, links_for, render_action
from creditflow.dispatch.report import DispatchReport
from creditflow.dispatch.retry import next_attempt_at
from creditflow.dispatch.tasks import send_task
from creditflow.ledger.models import Customer, Invoice
from creditflow.links.short_links import (
    SHORT_LINK_CHANNELS,
    ensure_short_links,
)
from creditflow.messages.render import MessageTemplateError
from creditflow.outbox.clock import local_today
from creditflow.outbox.models import Action
from creditflow.payments.combined import ensure_combined_references

__all__ = ["DispatchReport", "default_worker_id", "dispatch_due", "process_batch"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _ToRender:
    """A re-checked message action with what its rendering needs (read in phase 2)."""

    action: Action
    customer: Customer
    invoices: list[Invoice]
    address: str
    now: datetime
    short_codes: Mapping[str, str]


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
    stop: threading.Event | None = None,
    make_documents: bool = True,
) -> DispatchReport:
    """Send every action due by `until`, in batches, and report what happened.

    When `stop` is set (SIGTERM to the worker) the batch being sent is finished and
    no further batch is claimed. `make_documents=False` (the strategy simulator only)
    makes no document a person would read: letters are rendered and checked without
    their PDF, a collector's task gets no preparation sheet, and a hand-over is
    recorded as live but its dossier is not built (it stays "dossier_pending").
    """
    if until.tzinfo is None:
        raise ValueError("until must be timezone-aware")
    policy = settings.dispatch
    worker = worker_id or default_worker_id()
    clock: Callable[[], datetime] = (
        (lambda: now) if now is not None else (lambda: datetime.now(UTC))
    )
    owned = adapters is None
    channel_adapters = adapters_for(settings, adapters)
    report = DispatchReport()
    try:
        batch = new_pass(
            engine, settings, channel_adapters, worker, policy, clock,
            make_documents=make_documents,
        )  # fmt: skip
        found = reconcile_unfinished(
            engine,
            channel_adapters,
            settings.outbox_dir,
            worker,
            clock(),
            policy.claim_timeout_seconds,
        )
        report.reconciled, report.review = found.sent, found.review
        if make_documents:
            _deliver_dossiers(engine, settings, clock(), report)
        size = batch_size or policy.batch_size
        while limit is None or report.claimed < limit:
            if stop is not None and stop.is_set():
                break
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
            process_batch(engine, batch, ids, report)
    finally:
        if owned:
            for adapter in channel_adapters.values():
                adapter.close()
    return report


def process_batch(
    engine: Engine, batch: DispatchPass, ids: list[int], report: DispatchReport
) -> None:
    """One claimed batch through re-check, render, attempts, send and record."""
    escalated = report.escalated
    to_render = _recheck(engine, batch, ids, report)
    if report.escalated > escalated and batch.make_documents:
        _deliver_dossiers(engine, batch.settings, batch.clock(), report)
    planned, unrenderable, refused = _render(batch, to_render)
    with transaction(engine) as session:
        now = batch.clock()
        for action_pk, reason in unrenderable:
            action = session.get(Action, action_pk)
            if action is not None and action.claimed_by == batch.worker:
                fail_over_and_count(session, action, reason, now, report)
        for action_pk, problems in refused:
            action = session.get(Action, action_pk)
            if action is not None and action.claimed_by == batch.worker:
                refuse_letter(session, action, problems, now)
                report.failed += 1
        started = start_attempts(session, batch.worker, planned, now)
    report.lost += len(planned) - len(started)
    if not started:
        return
    results = send_all(batch.adapters, started, batch.policy.send_concurrency)
    with transaction(engine) as session:
        record_outcomes(
            session,
            batch.policy,
            started,
            results,
            batch.clock(),
            report,
            outbox_dir=batch.settings.outbox_dir,
        )


def _recheck(
    engine: Engine, batch: DispatchPass, ids: list[int], report: DispatchReport
) -> list[_ToRender]:
    """Re-check the batch in one transaction; the message actions still to be sent.

    Messages read from a phone or paper get their short links in the same transaction.
    """
    settings = batch.settings
    out: list[_ToRender] = []
    with transaction(engine) as session:
        actions = session.scalars(
            select(Action)
            .where(Action.id.in_(ids), Action.claimed_by == batch.worker, Action.status == "queued")
            .order_by(Action.scheduled_at, Action.id)
        ).all()
        facts = load_facts(session, actions, settings.rules, now=batch.clock())
        for action in actions:
            now = batch.clock()
            prepared = _prepare(
                session, settings, action, facts, now, report, sheets=batch.make_documents
            )
            if prepared is None:
                continue
            customer = facts.customers[action.customer_id]
            point = facts.contact(
                customer.id, action.channel, include_opted_out=is_opt_out_confirmation(action)
            )
            if point is None:
                fail_over_and_count(
                    session, action, f"no valid {action.channel} address", now, report
                )
                continue
            invoices = [
                facts.invoices[i] for i in message_invoice_ids(action) if i in facts.invoices
            ]
            out.append(_ToRender(action, customer, invoices, point.address, now, {}))
        typed = [item for item in out if item.action.channel in SHORT_LINK_CHANNELS]
        codes = ensure_short_links(
            session,
            batch.secret,
            [(item.customer.id, item.action.action_id) for item in typed],
            now=batch.clock(),
            lifetimes=batch.lifetimes,
        )
        ensure_combined_references(
            session,
            [item.action for item in out],
            settings.organisation.reference_scheme,
            batch.clock(),
        )
    return [replace(item, short_codes=codes.get(item.action.action_id, {})) for item in out]


def _render(
    batch: DispatchPass, items: Sequence[_ToRender]
) -> tuple[list[Planned], list[tuple[int, str]], list[tuple[int, list[str]]]]:
    """Render every message (no transaction: the rows stay usable after commit).

    Also returns the 14-day letters that fail the legal check, with the reasons.
    """
    settings = batch.settings
    planned: list[Planned] = []
    unrenderable: list[tuple[int, str]] = []
    refused: list[tuple[int, list[str]]] = []
    for item in items:
        action, customer = item.action, item.customer
        try:
            ctx = build_context(
                action,
                customer,
                item.invoices,
                action.amount_due_minor,
                creditor=batch.creditor(),
                links=links_for(
                    settings,
                    batch.secret,
                    customer.customer_id,
                    action.action_id,
                    item.now,
                    short_codes=item.short_codes,
                    short_base=batch.short_base,
                ),
                today=local_today(customer, item.now),
                organisation_country=settings.organisation.country,
                legal=settings.legal,
            )
            rendered = render_action(
                action, ctx, settings=settings, to=item.address,
                make_documents=batch.make_documents,
            )  # fmt: skip
        except (MessageTemplateError, ValueError) as exc:
            unrenderable.append((action.id, f"cannot render for {action.channel}: {exc}"))
            continue
        message = rendered.message
        problems = letter_problems(
            message.metadata.get("template", ""), action.channel, message.text, ctx
        )
        if problems:
            refused.append((action.id, problems))
            continue
        planned.append(
            Planned(
                action.id,
                action.action_id,
                action.channel,
                item.address,
                rendered,
                dict(action.payload or {}),
                action.customer_id,
                action.step,
                action.template,
            )
        )
    return planned, unrenderable, refused


def _prepare(
    session: Session,
    settings: Settings,
    action: Action,
    facts: BatchFacts,
    now: datetime,
    report: DispatchReport,
    *,
    sheets: bool = True,
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
        send_task(session, action, customer, settings.outbox_dir, now, sheet=sheets)
        report.tasks += 1
        return None
    if action.kind == "escalation":
        _escalate(session, settings, action, now, report)
        return None
    return action


def _escalate(
    session: Session, settings: Settings, action: Action, now: datetime, report: DispatchReport
) -> None:
    """Record the hand-over (dossier pending); the dossier goes out after the commit."""
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
    except Exception as exc:  # noqa: BLE001 - the hand-over could not be recorded: try again later
        action.claimed_by = None
        action.next_attempt_at = next_attempt_at(settings.dispatch, 1, now)
        action.error = f"hand-over failed: {exc!r}"[:2000]
        report.retried += 1


def _deliver_dossiers(
    engine: Engine, settings: Settings, now: datetime, report: DispatchReport
) -> None:
    """Deliver pending hand-over dossiers, outside any transaction; count those still pending."""
    from creditflow.compliance.dossier_delivery import deliver_pending_dossiers

    done = deliver_pending_dossiers(engine, settings, now)
    report.dossiers_delivered += len(done.delivered)
    report.dossiers_pending = len(done.pending)
