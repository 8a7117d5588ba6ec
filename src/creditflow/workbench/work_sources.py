"""Where each type of work item comes from: one set-based SELECT per type, and its rows.

Each query joins `customer` (worklist.py adds the portfolio scope and filters);
each row becomes a `WorkItem`:

| type | source |
|---|---|
| call | open call tasks (`action` kind task, channel call/voice) due by tomorrow |
| reply | review tasks the inbound classifier handed to a person (inbound `TASK_STEPS`) |
| review | every other open review task (do-not-contact, a 14-day letter that failed) |
| plan | plan requests waiting for review (`outbox.service.plan_requests_waiting`) |
| dispute | open disputes (`dispute`) and their invoice |
| promise | promises broken in the last 14 days, no newer promise made |
| unmatched | statement entries in the unmatched queue (`payments/unmatched.py`) |
| failed | messages that failed in the last 30 days (`action` kind message) |
| handover | escalations queued for the agency, or refused (`action` kind escalation) |
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, func, not_, select
from sqlalchemy.orm import aliased

from creditflow.dispatch.legal_check import REVIEW_STEP as LETTER_REVIEW_STEP
from creditflow.inbound.pipeline import TASK_STEPS
from creditflow.ledger.models import Customer, Dispute, Invoice, PromiseToPay
from creditflow.outbox.models import OPEN_TASK_STATUSES, PLAN_REVIEW_STEP, Action
from creditflow.outbox.service import plan_requests_waiting
from creditflow.payments.models import StatementEntryRecord
from creditflow.workbench.worklist_rules import (
    ITEM_TYPES,
    WorkItem,
    item_key,
)

CALL_CHANNELS = ("call", "voice")
REPLY_STEPS = tuple(sorted(step for channel, step in TASK_STEPS.values() if channel == "review"))
DISPUTE_REVIEW_STEP = "dispute_review"  # arrangements/disputes.py: the dispute item covers it
NOT_REVIEW_STEPS = (*REPLY_STEPS, DISPUTE_REVIEW_STEP, PLAN_REVIEW_STEP)
CALL_HORIZON = timedelta(days=1)
BROKEN_PROMISE_DAYS = 14
FAILED_MESSAGE_DAYS = 30
OPEN_INVOICE_STATUSES = ("open", "disputed")
AnySelect = Select[*tuple[Any, ...]]

TODO: dict[str, str] = {
    "call": "Call the customer",
    "callback": "Call back: the customer asked for a person",
    "check_payment": "Check the payment the customer says they made",
    "invoice_question": "Answer the customer's question about an invoice",
    "invoice_copy": "Send the customer a copy of the invoice",
    "read_message": "Read the customer's reply and answer it",
    "do_not_contact": "Review the do-not-contact state",
    LETTER_REVIEW_STEP: "Fix the 14-day letter that failed its legal check",
    "review": "Review the task",
    "plan": "Approve or reject the payment plan request",
    "dispute": "Resolve the dispute",
    "promise": "Call about the broken promise",
    "unmatched_in": "Match the payment to invoices",
    "unmatched_out": "Check the outgoing payment",
    "failed": "Retry or cancel the failed message",
    "handover": "Check the hand-over before it goes to the agency",
    "handover_failed": "The hand-over was refused: fix it or close it",
}


CUSTOMER_COLUMNS = (
    Customer.id.label("customer_pk"),
    Customer.customer_id.label("customer_ref"),
    Customer.name.label("customer_name"),
    Customer.collector_id.label("collector_id"),
    Customer.segment.label("segment"),
)


def _open_balance(currency: Any) -> Any:
    """The customer's open amount in this currency (a correlated scalar subquery)."""
    return (
        select(func.coalesce(func.sum(Invoice.open_minor), 0))
        .where(
            Invoice.customer_id == Customer.id,
            Invoice.status.in_(OPEN_INVOICE_STATUSES),
            Invoice.currency == currency,
        )
        .scalar_subquery()
    )


def _customer(row: Row[Any]) -> dict[str, Any]:
    return {
        "customer_pk": row.customer_pk,
        "customer_ref": row.customer_ref,
        "customer_name": row.customer_name,
        "collector_id": row.collector_id,
        "segment": row.segment,
    }


def _tasks(condition: ColumnElement[bool], now: datetime) -> AnySelect:
    stake = func.coalesce(
        func.nullif(Action.amount_due_minor, 0), _open_balance(Action.currency)
    ).label("stake")
    return (
        select(
            Action.action_id.label("ref"),
            Action.step,
            Action.status_reason,
            Action.currency,
            Action.scheduled_at,
            Action.created_at,
            stake,
            *CUSTOMER_COLUMNS,
        )  # fmt: skip
        .join(Customer, Customer.id == Action.customer_id)
        .where(Action.kind == "task", Action.status.in_(OPEN_TASK_STATUSES), condition)
    )


def _task_item(kind: str, todo: Callable[[str], str]) -> Callable[[Row[Any], datetime], WorkItem]:
    def build(row: Row[Any], now: datetime) -> WorkItem:
        return WorkItem(
            key=item_key(kind, row.ref), kind=kind, stake_minor=int(row.stake or 0),
            currency=row.currency, since=min(row.created_at, row.scheduled_at),
            due=row.scheduled_at.date(), todo=todo(row.step),
            detail=row.status_reason or row.step, **_customer(row),
        )  # fmt: skip

    return build


def _calls(now: datetime) -> AnySelect:
    return _tasks(Action.channel.in_(CALL_CHANNELS), now).where(
        Action.scheduled_at <= now + CALL_HORIZON
    )


def _replies(now: datetime) -> AnySelect:
    return _tasks(Action.step.in_(REPLY_STEPS), now).where(Action.channel.not_in(CALL_CHANNELS))


def _reviews(now: datetime) -> AnySelect:
    return _tasks(
        and_(Action.channel.not_in(CALL_CHANNELS), Action.step.not_in(NOT_REVIEW_STEPS)), now
    )


def _plans(now: datetime) -> AnySelect:
    return (
        plan_requests_waiting()
        .with_only_columns(
            Action.action_id.label("ref"),
            Action.amount_due_minor.label("stake"),
            Action.currency,
            Action.created_at,
            Action.payload,
            Action.invoice_numbers,
            *CUSTOMER_COLUMNS,
        )  # fmt: skip
        .join(Customer, Customer.id == Action.customer_id)
    )


def _plan_item(row: Row[Any], now: datetime) -> WorkItem:
    months = (row.payload or {}).get("months")
    detail = ", ".join(row.invoice_numbers or []) + (f" ({months} months)" if months else "")
    return WorkItem(
        key=item_key("plan", row.ref), kind="plan", stake_minor=int(row.stake or 0),
        currency=row.currency, since=row.created_at, todo=TODO["plan"], detail=detail,
        **_customer(row),
    )  # fmt: skip


def _disputes(now: datetime) -> AnySelect:
    return (
        select(
            Dispute.id.label("ref"),
            Dispute.reason,
            Dispute.opened_at,
            Invoice.invoice_number,
            Invoice.open_minor.label("stake"),
            Invoice.currency,
            *CUSTOMER_COLUMNS,
        )  # fmt: skip
        .join(Invoice, Invoice.id == Dispute.invoice_id)
        .join(Customer, Customer.id == Dispute.customer_id)
        .where(Dispute.status == "open")
    )


def _dispute_item(row: Row[Any], now: datetime) -> WorkItem:
    return WorkItem(
        key=item_key("dispute", row.ref), kind="dispute", stake_minor=int(row.stake),
        currency=row.currency, since=row.opened_at, todo=TODO["dispute"],
        detail=f"{row.invoice_number}: {row.reason}", **_customer(row),
    )  # fmt: skip


def _promises(now: datetime) -> AnySelect:
    newer = aliased(PromiseToPay)
    stake = func.coalesce(PromiseToPay.amount_minor, _open_balance(PromiseToPay.currency))
    return (
        select(
            PromiseToPay.id.label("ref"),
            PromiseToPay.promised_date,
            PromiseToPay.currency,
            PromiseToPay.closed_at,
            PromiseToPay.created_at,
            stake.label("stake"),
            *CUSTOMER_COLUMNS,
        )  # fmt: skip
        .join(Customer, Customer.id == PromiseToPay.customer_id)
        .where(
            PromiseToPay.status == "broken",
            PromiseToPay.closed_at >= now - timedelta(days=BROKEN_PROMISE_DAYS),
            not_(
                select(newer.id)
                .where(newer.customer_id == PromiseToPay.customer_id, newer.id > PromiseToPay.id)
                .exists()
            ),
        )
    )


def _promise_item(row: Row[Any], now: datetime) -> WorkItem:
    return WorkItem(
        key=item_key("promise", row.ref), kind="promise", stake_minor=int(row.stake or 0),
        currency=row.currency, since=row.closed_at or row.created_at, due=row.promised_date,
        todo=TODO["promise"], detail=f"promised for {row.promised_date.isoformat()}",
        **_customer(row),
    )  # fmt: skip


def _unmatched(now: datetime) -> AnySelect:
    entry = StatementEntryRecord
    return (
        select(
            entry.id.label("ref"),
            entry.booking_date,
            entry.amount_minor.label("stake"),
            entry.currency,
            entry.credit,
            entry.counterparty_name,
            entry.remittance_text,
            entry.reason,
            *CUSTOMER_COLUMNS,
        )  # fmt: skip
        .outerjoin(Customer, Customer.id == entry.customer_id)
        .where(entry.status == "unmatched")
    )


def _unmatched_item(row: Row[Any], now: datetime) -> WorkItem:
    detail = " · ".join(t for t in (row.counterparty_name, row.remittance_text, row.reason) if t)
    return WorkItem(
        key=item_key("unmatched", row.ref), kind="unmatched", stake_minor=int(row.stake),
        currency=row.currency, since=datetime.combine(row.booking_date, time(), UTC),
        due=row.booking_date, todo=TODO["unmatched_in" if row.credit else "unmatched_out"],
        detail=detail[:200], **_customer(row),
    )  # fmt: skip


def _failed(now: datetime) -> AnySelect:
    return (
        select(
            Action.action_id.label("ref"),
            Action.channel,
            Action.step,
            Action.status_reason,
            Action.amount_due_minor.label("stake"),
            Action.currency,
            Action.updated_at,
            *CUSTOMER_COLUMNS,
        )  # fmt: skip
        .join(Customer, Customer.id == Action.customer_id)
        .where(
            Action.kind == "message",
            Action.status == "failed",
            Action.updated_at >= now - timedelta(days=FAILED_MESSAGE_DAYS),
        )
    )


def _failed_item(row: Row[Any], now: datetime) -> WorkItem:
    detail = f"{row.step} ({row.channel})" + (f": {row.status_reason}" if row.status_reason else "")
    return WorkItem(
        key=item_key("failed", row.ref), kind="failed", stake_minor=int(row.stake),
        currency=row.currency, since=row.updated_at, todo=TODO["failed"], detail=detail[:200],
        **_customer(row),
    )  # fmt: skip


def _handovers(now: datetime) -> AnySelect:
    return (
        select(
            Action.action_id.label("ref"),
            Action.channel,
            Action.status,
            Action.status_reason,
            Action.amount_due_minor.label("stake"),
            Action.currency,
            Action.scheduled_at,
            Action.updated_at,
            *CUSTOMER_COLUMNS,
        )  # fmt: skip
        .join(Customer, Customer.id == Action.customer_id)
        .where(Action.kind == "escalation", Action.status.in_(("queued", "failed")))
    )


def _handover_item(row: Row[Any], now: datetime) -> WorkItem:
    failed = row.status == "failed"
    return WorkItem(
        key=item_key("handover", row.ref), kind="handover", stake_minor=int(row.stake),
        currency=row.currency, since=row.updated_at if failed else row.scheduled_at,
        due=row.scheduled_at.date(), todo=TODO["handover_failed" if failed else "handover"],
        detail=(row.status_reason or f"to {row.channel}")[:200], **_customer(row),
    )  # fmt: skip


def _review_todo(step: str) -> str:
    return TODO.get(step, TODO["review"])


Builder = Callable[[datetime], AnySelect]
Mapper = Callable[[Row[Any], datetime], WorkItem]
SOURCES: dict[str, tuple[Builder, Mapper, Any]] = {
    "call": (_calls, _task_item("call", lambda s: TODO.get(s, TODO["call"])), Action.action_id),
    "dispute": (_disputes, _dispute_item, Dispute.id),
    "plan": (_plans, _plan_item, Action.action_id),
    "reply": (_replies, _task_item("reply", lambda s: TODO[s]), Action.action_id),
    "promise": (_promises, _promise_item, PromiseToPay.id),
    "handover": (_handovers, _handover_item, Action.action_id),
    "failed": (_failed, _failed_item, Action.action_id),
    "unmatched": (_unmatched, _unmatched_item, StatementEntryRecord.id),
    "review": (_reviews, _task_item("review", _review_todo), Action.action_id),
}
assert tuple(sorted(SOURCES)) == tuple(sorted(ITEM_TYPES))
