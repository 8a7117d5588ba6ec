"""Sending a rendered batch in three phases: attempts, provider calls, outcomes.

1. `start_attempts` (in the caller's transaction, committed BEFORE any provider is
   called): renew the worker's claims on the whole batch in one statement and write
   one `delivery_attempt` row per message that is still ours, outcome empty. A worker
   killed after this commit leaves unfinished attempts that `reconcile.py` settles;
   nothing is sent without its attempt on record.
2. `send_all` (no transaction): per channel, an adapter with a `send_batch` (SMTP:
   several reused connections at once; Twilio SMS and WhatsApp: concurrent requests
   over keep-alive connections) gets the channel's messages at once; every other
   adapter gets them one by one.
3. `record_outcomes` (in the caller's transaction): finish the attempts still
   unfinished, in bulk, then per action: sent; retry later (transient, with backoff);
   or fail over to the next channel (permanent, limit reached, bad address), failed
   when none is left. Every change goes on the customer's timeline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.orm import Session

from creditflow.channels.base import ChannelAdapter, OutboundMessage, SendResult, send_guarded
from creditflow.dispatch.claim import confirm_claims
from creditflow.dispatch.letters import archive_letter
from creditflow.dispatch.outcome import (
    fail_over,
    mark_contact_invalid,
    sent_changes,
    sent_event,
    timeline,
)
from creditflow.dispatch.render import RenderedAction
from creditflow.dispatch.report import DispatchReport
from creditflow.dispatch.retry import DispatchPolicy, next_attempt_at
from creditflow.ledger.models import Event
from creditflow.outbox.models import Action, DeliveryAttempt
from creditflow.store import db_value

__all__ = [
    "Planned",
    "Started",
    "fail_over_and_count",
    "record_outcomes",
    "send_all",
    "start_attempts",
]

log = logging.getLogger(__name__)

_FINISH = text(
    "UPDATE delivery_attempt SET finished_at = :now "
    "WHERE id IN :ids AND finished_at IS NULL RETURNING id"
).bindparams(bindparam("ids", expanding=True))


@dataclass(frozen=True)
class Planned:
    """One rendered message of a claimed action, waiting for its attempt and send."""

    action_pk: int
    action_id: str
    channel: str
    address: str
    rendered: RenderedAction
    payload: Mapping[str, Any]
    customer_pk: int
    step: str
    template: str | None

    def payload_to_send(self) -> dict[str, Any]:
        """The action's payload with the address used (and the spoken text for voice)."""
        payload = {**self.payload, "to": self.address}
        if self.channel == "voice":
            payload["voice_text"] = self.rendered.message.text
        return payload


@dataclass(frozen=True)
class Started:
    """A planned message whose attempt row is committed."""

    planned: Planned
    attempt_pk: int
    attempt: int


def start_attempts(
    session: Session, worker: str, planned: Sequence[Planned], now: datetime
) -> list[Started]:
    """Confirm the claims and add every attempt row; the caller commits before sending."""
    conn = session.connection()
    attempts = confirm_claims(conn, [p.action_pk for p in planned], worker, now)
    going = [p for p in planned if p.action_pk in attempts]
    if not going:
        return []
    session.execute(
        update(Action), [{"id": p.action_pk, "payload": p.payload_to_send()} for p in going]
    )
    attempt_pks = session.scalars(
        insert(DeliveryAttempt).returning(DeliveryAttempt.id, sort_by_parameter_order=True),
        [
            {
                "action_id": p.action_id,
                "attempt": attempts[p.action_pk],
                "channel": p.channel,
                "worker": worker,
                "started_at": now,
            }
            for p in going
        ],
    ).all()
    return [
        Started(p, int(pk), attempts[p.action_pk]) for p, pk in zip(going, attempt_pks, strict=True)
    ]


def _adapter_name(adapter: ChannelAdapter | None) -> str:
    return str(getattr(adapter, "name", "adapter"))


def _call(adapter: ChannelAdapter | None, message: OutboundMessage) -> SendResult:
    if adapter is None:
        return SendResult.permanent("none", f"no adapter for channel {message.channel}")
    return send_guarded(_adapter_name(adapter), message, adapter.send)


def _send_batch(
    adapter: ChannelAdapter,
    send_batch: Callable[..., list[SendResult]],
    messages: list[OutboundMessage],
    concurrency: int,
) -> list[SendResult]:
    try:
        results = list(send_batch(messages, concurrency=concurrency))
    except Exception as exc:  # noqa: BLE001 - the same rule as one send that raised
        log.exception("adapter %s raised for a batch of %d", _adapter_name(adapter), len(messages))
        return [
            SendResult.transient(_adapter_name(adapter), f"adapter raised {exc!r}")
            for _ in messages
        ]
    if len(results) != len(messages):
        raise RuntimeError(
            f"adapter {_adapter_name(adapter)} answered {len(results)} results "
            f"for {len(messages)} messages"
        )
    return results


def send_all(
    adapters: Mapping[str, ChannelAdapter], started: Sequence[Started], concurrency: int
) -> list[SendResult]:
    """Hand every started message to its channel's adapter; results in the same order."""
    by_channel: dict[str, list[int]] = {}
    for index, item in enumerate(started):
        by_channel.setdefault(item.planned.channel, []).append(index)
    results: list[SendResult | None] = [None] * len(started)
    for channel, indexes in by_channel.items():
        adapter = adapters.get(channel)
        messages = [started[i].planned.rendered.message for i in indexes]
        send_batch = getattr(adapter, "send_batch", None)
        if adapter is not None and send_batch is not None and len(messages) > 1:
            answers = _send_batch(adapter, send_batch, messages, concurrency)
        else:
            answers = [_call(adapter, m) for m in messages]
        for index, answer in zip(indexes, answers, strict=True):
            results[index] = answer
    return [r for r in results if r is not None]


def record_outcomes(
    session: Session,
    policy: DispatchPolicy,
    started: Sequence[Started],
    results: Sequence[SendResult],
    now: datetime,
    report: DispatchReport,
    *,
    outbox_dir: Path,
) -> None:
    """Finish the attempts and record every outcome on its action and timeline."""
    if len(started) != len(results):
        raise ValueError(f"{len(results)} results for {len(started)} started messages")
    if not started:
        return
    conn = session.connection()
    finished = {
        int(row[0])
        for row in conn.execute(
            _FINISH,
            {"now": db_value(now, conn.dialect.name), "ids": [s.attempt_pk for s in started]},
        )
    }
    ours = [(s, r) for s, r in zip(started, results, strict=True) if s.attempt_pk in finished]
    for item in started:
        if item.attempt_pk not in finished:
            # Our claim went stale and another worker reconciled this attempt: its
            # verdict stands.
            log.warning("attempt for %s was settled by another worker", item.planned.action_id)
            report.lost += 1
    if not ours:
        return
    session.execute(
        update(DeliveryAttempt),
        [
            {
                "id": s.attempt_pk,
                "outcome": r.status,
                "provider_message_id": r.provider_message_id,
                "error": r.error,
            }
            for s, r in ours
        ],
    )
    accepted = [(s.planned, r) for s, r in ours if r.ok]
    if accepted:
        _record_accepted(session, accepted, now, outbox_dir)
        report.sent += len(accepted)
    refused = [(s, r) for s, r in ours if not r.ok]
    if not refused:
        return
    actions = {
        a.id: a
        for a in session.scalars(
            select(Action).where(Action.id.in_([s.planned.action_pk for s, _ in refused]))
        )
    }
    for item, result in refused:
        action = actions[item.planned.action_pk]
        _record(session, policy, action, item.planned, result, now, report, outbox_dir)


def _record_accepted(
    session: Session,
    accepted: Sequence[tuple[Planned, SendResult]],
    now: datetime,
    outbox_dir: Path,
) -> None:
    """Mark accepted sends 'sent' and put them on the timelines, in two bulk statements."""
    changes = []
    events = []
    for planned, result in accepted:
        changes.append(
            {"id": planned.action_pk, **sent_changes(planned.payload_to_send(), result, now)}
        )
        events.append(
            sent_event(
                planned.customer_pk,
                planned.action_id,
                planned.channel,
                planned.step,
                planned.template,
                result,
                now,
            )
        )
        if planned.rendered.letter_pdf is not None and planned.channel == "letter":
            archive_letter(outbox_dir, planned.action_id, planned.rendered.letter_pdf)
    session.execute(update(Action), changes)
    session.execute(insert(Event), events)


def _record(
    session: Session,
    policy: DispatchPolicy,
    action: Action,
    item: Planned,
    result: SendResult,
    now: datetime,
    report: DispatchReport,
    outbox_dir: Path,
) -> None:
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
    fail_over_and_count(session, action, error, now, report)


def fail_over_and_count(
    session: Session, action: Action, reason: str, now: datetime, report: DispatchReport
) -> None:
    """Fail the action over to its next channel (or fail it) and count which it was."""
    if fail_over(session, action, reason, now) is None:
        report.failed += 1
    else:
        report.failed_over += 1
