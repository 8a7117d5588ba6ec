"""Call tasks: the preparation sheet a collector reads before calling, and completion.

A task needs no provider: dispatch "sends" it to the collectors' work queue. The
sheet (open items, recent contacts, promises, disputes) is written into the action's
payload and to `<outbox>/tasks/<action_id>.json`; the action becomes 'sent'. The
collector closes it with `complete_task`, which makes it 'done'.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.channels.base import safe_file_stem
from creditflow.dispatch.outcome import timeline
from creditflow.ledger.models import ContactPoint, Customer, Dispute, Event, Invoice, PromiseToPay
from creditflow.money import from_minor
from creditflow.outbox.models import Action

__all__ = [
    "CALL_OUTCOMES",
    "REVIEW_OUTCOMES",
    "complete_task",
    "preparation_sheet",
    "send_task",
    "task_outcome",
]

RECENT_CONTACTS = 10
CALL_TASK_CHANNELS = ("call", "voice")
# What came of a call (issue #13: log a call), and of a review by a person.
CALL_OUTCOMES = ("reached", "no_answer", "promise", "dispute", "wrong_number")
REVIEW_OUTCOMES = ("done", "approved", "rejected")


def task_outcome(channel: str, outcome: str) -> str:
    """The outcome as stored ("no answer" -> "no_answer"); ValueError names the choices."""
    allowed = CALL_OUTCOMES if channel in CALL_TASK_CHANNELS else REVIEW_OUTCOMES
    what = "call" if channel in CALL_TASK_CHANNELS else "review"
    value = "_".join(outcome.strip().lower().replace("-", " ").split())
    if value not in allowed:
        shown = outcome.strip()[:40] or "(empty)"
        raise ValueError(
            f"outcome: {shown!r} is not an outcome of a {what} task; "
            f"use one of: {', '.join(allowed)}"
        )
    return value


def preparation_sheet(
    session: Session, action: Action, customer: Customer, now: datetime
) -> dict[str, Any]:
    """What a collector needs before the call, as plain JSON-ready data."""
    invoices = session.scalars(
        select(Invoice)
        .where(
            Invoice.customer_id == customer.id,
            Invoice.open_minor > 0,
            Invoice.status.in_(("open", "disputed")),
        )
        .order_by(Invoice.due_date, Invoice.id)
    ).all()
    events = session.scalars(
        select(Event)
        .where(Event.customer_id == customer.id)
        .order_by(Event.occurred_at.desc(), Event.id.desc())
        .limit(RECENT_CONTACTS)
    ).all()
    promises = session.scalars(
        select(PromiseToPay)
        .where(PromiseToPay.customer_id == customer.id)
        .order_by(PromiseToPay.id)
    ).all()
    disputes = session.scalars(
        select(Dispute).where(Dispute.customer_id == customer.id).order_by(Dispute.id)
    ).all()
    phones = session.scalars(
        select(ContactPoint.address).where(
            ContactPoint.customer_id == customer.id,
            ContactPoint.channel.in_(("voice", "sms")),
            ContactPoint.valid.is_(True),
        )
    ).all()
    numbers = {i.id: i.invoice_number for i in invoices}
    return {
        "action_id": action.action_id,
        "prepared_at": now.isoformat(),
        "step": action.step,
        "customer": {
            "customer_id": customer.customer_id,
            "name": customer.name,
            "kind": customer.kind,
            "language": customer.language,
            "timezone": customer.timezone,
            "phones": sorted(set(phones)),
        },
        "reason": action.status_reason,
        "open_items": [
            {
                "invoice_number": i.invoice_number,
                "due_date": i.due_date.isoformat(),
                "amount": str(from_minor(i.amount_minor, i.currency)),
                "open_amount": str(from_minor(i.open_minor, i.currency)),
                "currency": i.currency,
                "status": i.status,
                "dunning_level": i.dunning_level,
            }
            for i in invoices
        ],
        "open_total": {
            cur: str(from_minor(sum(i.open_minor for i in invoices if i.currency == cur), cur))
            for cur in sorted({i.currency for i in invoices})
        },
        "last_contacts": [
            {
                "at": e.occurred_at.isoformat(),
                "kind": e.kind,
                "channel": e.channel,
                "direction": e.direction,
                "summary": e.summary,
            }
            for e in events
        ],
        "promises": [
            {
                "promised_date": p.promised_date.isoformat(),
                "amount": None
                if p.amount_minor is None
                else str(from_minor(p.amount_minor, p.currency)),
                "status": p.status,
            }
            for p in promises
        ],
        "disputes": [
            {
                "invoice_number": numbers.get(d.invoice_id, str(d.invoice_id)),
                "reason": d.reason,
                "status": d.status,
                "text": d.text,
            }
            for d in disputes
        ],
    }


def send_task(
    session: Session,
    action: Action,
    customer: Customer,
    outbox_dir: Path,
    now: datetime,
    *,
    sheet: bool = True,
) -> Path | None:
    """Put the task in the collectors' work queue: sheet in the payload and a JSON file.

    `sheet=False` (the strategy simulator, where no collector will call) queues the
    task without its preparation sheet and writes no file.
    """
    path: Path | None = None
    items = ""
    if sheet:
        prepared = preparation_sheet(session, action, customer, now)
        folder = Path(outbox_dir) / "tasks"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{safe_file_stem(action.action_id)}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(prepared, ensure_ascii=False, indent=2), encoding="utf-8")
        tmp.replace(path)
        action.payload = {**(action.payload or {}), "sheet": prepared, "sheet_path": str(path)}
        items = f" ({len(prepared['open_items'])} open items)"
    action.status = "sent"
    action.provider = "work_queue"
    action.sent_at = now
    action.claimed_by = None
    action.claimed_at = None
    action.updated_at = now
    timeline(
        session,
        action,
        "task.created",
        f"{action.channel} task {action.step} for a collector{items}",
        now,
        data={"sheet": str(path)} if path is not None else {},
    )
    return path


def complete_task(
    session: Session,
    action_id: str,
    outcome: str,
    note: str | None,
    now: datetime,
    *,
    actor: str = "collector",
) -> Action:
    """A collector finished a task: status 'done' with the outcome, on the timeline."""
    action = session.scalars(select(Action).where(Action.action_id == action_id)).first()
    if action is None:
        raise LookupError(f"action_id: no action {action_id!r}")
    if action.kind != "task":
        raise ValueError(f"action {action_id} is a {action.kind}, not a task")
    if action.status not in ("queued", "sent"):
        raise ValueError(
            f"action {action_id} is {action.status}; only an open task can be completed"
        )
    outcome = task_outcome(action.channel, outcome)
    action.status = "done"
    action.status_reason = outcome[:400]
    action.payload = {
        **(action.payload or {}),
        "outcome": outcome,
        "note": note,
        "done_by": actor,
        "done_at": now.isoformat(),
    }
    action.updated_at = now
    timeline(
        session,
        action,
        "task.done",
        f"{action.step} done by {actor}: {outcome}" + (f" ({note})" if note else ""),
        now,
        data={"outcome": outcome, "note": note},
    )
    return action


def list_tasks(session: Session, *, include_closed: bool = False) -> list[dict[str, Any]]:
    """The collectors' work items (calls, reviews), oldest first; open ones unless asked."""
    query = (
        select(Action, Customer.customer_id)
        .join(Customer, Customer.id == Action.customer_id)
        .where(Action.kind == "task")
        .order_by(Action.scheduled_at, Action.id)
    )
    if not include_closed:
        query = query.where(Action.status.in_(("queued", "sent")))
    return [
        {
            "action_id": action.action_id,
            "customer_id": customer_id,
            "task": action.channel,
            "step": action.step,
            "status": action.status,
            "scheduled_at": action.scheduled_at.isoformat(),
            "reason": action.status_reason or "",
        }
        for action, customer_id in session.execute(query)
    ]
