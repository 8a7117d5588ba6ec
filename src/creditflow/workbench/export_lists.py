"""The workbench lists as tables for export: the same reads as the pages, as text cells.

Each builder calls the query function its page uses (so the filters and the collector
portfolio apply the same way) and returns a header and rows. Amounts are exact decimal
text with a currency column beside them, dates and times ISO 8601; a customer with open
amounts in two currencies is one row per currency in the customer list.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import cast

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from creditflow.money import Money
from creditflow.schedule.status import last_runs
from creditflow.staff.service import Staff, list_api_keys, list_users
from creditflow.strategy.service import strategy_versions
from creditflow.workbench.customer_search import search_customers
from creditflow.workbench.customer_timeline import timeline
from creditflow.workbench.customer_view import customer_facts
from creditflow.workbench.portfolio import limited_to_portfolio, open_customer
from creditflow.workbench.queue_disputes import open_disputes
from creditflow.workbench.queue_outbox import CHANNELS, STATUSES, outbox_rows
from creditflow.workbench.queue_plans import waiting_requests
from creditflow.workbench.queue_unmatched import unmatched_entries
from creditflow.workbench.worklist import claims, load_items
from creditflow.workbench.worklist_rules import (
    Filters,
    age_days,
    ordered,
    parse_filters,
    priority,
    select_items,
    with_claims,
)

__all__ = ["CUSTOMER_LISTS", "LISTS", "MAX_ROWS", "ExportList", "Table", "cell"]

Table = tuple[list[str], list[list[object]]]
MAX_ROWS = 50_000  # the customer list's export (its page shows 25 at a time)
WORKLIST_FIELDS = ("type", "collector", "segment", "claimed")


@dataclass(frozen=True)
class ExportList:
    """One exportable list: its query parameters, who may export it, how it is read."""

    fields: tuple[str, ...]
    permission: str | None
    build: Callable[[Session, Staff, Mapping[str, str], datetime], Table]


def cell(value: object) -> object:
    """A value as an export cell: ISO dates, exact decimals, text; integers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _amount(text: str) -> list[object]:
    """The queues' "EUR 12.50" as two cells: amount and currency."""
    currency, _, amount = text.partition(" ")
    return [amount, currency]


def _money(value: Money | None) -> list[object]:
    return ["", ""] if value is None else [value.text(), value.currency]


def _rows(rows: Sequence[Sequence[object]]) -> list[list[object]]:
    return [[cell(value) for value in row] for row in rows]


def worklist_table(
    session: Session, staff: Staff, params: Mapping[str, str], now: datetime
) -> Table:
    """Today's worklist with the page's filters, in the page's order (every page of it)."""
    filters = parse_filters({k: params.get(k, "") for k in WORKLIST_FIELDS})
    if limited_to_portfolio(staff):
        filters = Filters(filters.kinds, None, filters.segment, filters.claimed, filters.page)
    loaded = load_items(session, staff, filters, now)
    items = ordered(select_items(with_claims(loaded.items, claims(session)), filters, staff.user_id), now)  # fmt: skip
    header = ["item", "type", "to_do", "customer_id", "customer", "segment", "amount",
              "currency", "waiting_since", "age_days", "priority", "due", "detail",
              "claimed_by"]  # fmt: skip
    rows = [
        [i.key, i.kind, i.todo, i.customer_ref, i.customer_name, i.segment,
         Money.of_minor(i.stake_minor, i.currency).text(), i.currency, i.since,
         age_days(i.since, now), priority(i, now), i.due, i.detail, i.claimed_by]
        for i in items
    ]  # fmt: skip
    return header, _rows(rows)


def customers_table(
    session: Session, staff: Staff, params: Mapping[str, str], now: datetime
) -> Table:
    """The customer list for the search text: one row per customer and open currency."""
    found = search_customers(session, staff, params.get("q", "")[:200], 1, size=MAX_ROWS)
    header = ["customer_id", "name", "segment", "collector", "open", "currency",
              "dunning_level", "dunning_step", "disputed", "do_not_contact", "paused_until"]  # fmt: skip
    rows = []
    for c in found.rows:
        balances: list[Money | None] = list(c.balances) or [None]
        for balance in balances:
            rows.append(
                [c.customer_id, c.name, c.segment, c.collector, *_money(balance), c.level,
                 c.step, c.disputed, c.do_not_contact, c.paused_until]
            )  # fmt: skip
    return header, _rows(rows)


def disputes_table(session: Session, staff: Staff, params: Mapping[str, str], now: datetime) -> Table:  # fmt: skip
    """The open disputes queue."""
    header = ["dispute_id", "customer_id", "customer", "invoice", "open", "currency", "reason",
              "text", "age_days", "attachments"]  # fmt: skip
    rows = [
        [d.dispute_id, d.customer_number, d.customer_name, d.invoice_number, *_amount(d.amount),
         d.reason, d.text, d.age, "; ".join(name for _, name in d.attachments)]
        for d in open_disputes(session, staff, now)
    ]  # fmt: skip
    return header, _rows(rows)


def plans_table(session: Session, staff: Staff, params: Mapping[str, str], now: datetime) -> Table:
    """The plan requests waiting for review."""
    header = ["plan_request_id", "customer_id", "customer", "invoices", "amount", "currency",
              "months", "first_installment", "installment_currency", "reason", "age_days"]  # fmt: skip
    rows = [
        [p.plan_id, p.customer_number, p.customer_name, " ".join(p.invoices), *_amount(p.amount),
         p.months, *_amount(p.installment), p.reason, p.age]
        for p in waiting_requests(session, staff, now)
    ]  # fmt: skip
    return header, _rows(rows)


def unmatched_table(session: Session, staff: Staff, params: Mapping[str, str], now: datetime) -> Table:  # fmt: skip
    """The unmatched payments with the suggestions this staff member may act on."""
    header = ["entry_id", "booking_date", "amount", "currency", "counterparty", "iban",
              "remittance", "reason", "suggested_invoices"]  # fmt: skip
    rows = [
        [e.entry_id, e.booking_date, *_amount(e.amount), e.counterparty, e.iban, e.remittance,
         e.reason, " ".join(s.invoice_number for s in e.suggestions)]
        for e in unmatched_entries(session, staff)
    ]  # fmt: skip
    return header, _rows(rows)


def outbox_table(session: Session, staff: Staff, params: Mapping[str, str], now: datetime) -> Table:  # fmt: skip
    """The outbox queue with the page's status and channel filters."""
    status = params.get("status", "")
    channel = params.get("channel", "")
    status = status if status in STATUSES else ""
    channel = channel if channel in CHANNELS else ""
    header = ["action", "customer", "kind", "step", "channel", "status", "scheduled", "amount",
              "currency", "attempts", "why"]  # fmt: skip
    rows = [
        [a.pk, a.customer_name, a.kind, a.step, a.channel, a.status, a.scheduled,
         *_amount(a.amount), a.attempts, a.why]
        for a in outbox_rows(session, staff, status, channel)
    ]  # fmt: skip
    return header, _rows(rows)


def versions_table(session: Session, staff: Staff, params: Mapping[str, str], now: datetime) -> Table:  # fmt: skip
    """The stored strategy versions, newest first."""
    header = ["version", "source", "active", "loaded_at", "checksum"]
    rows = [
        [v.id, v.source_name, v.active, v.loaded_at, v.checksum] for v in strategy_versions(session)
    ]
    return header, _rows(rows)


def users_table(session: Session, staff: Staff, params: Mapping[str, str], now: datetime) -> Table:
    """The staff users (never a password hash or second-factor secret)."""
    header = ["email", "role", "active", "created_at", "created_by"]
    rows = [[u.email, u.role, u.active, u.created_at, u.created_by] for u in list_users(session)]
    return header, _rows(rows)


def keys_table(session: Session, staff: Staff, params: Mapping[str, str], now: datetime) -> Table:
    """The API keys, revoked ones too (never the key or its hash)."""
    header = ["key_id", "name", "scope", "created_at", "created_by", "last_used_at", "revoked_at"]
    rows = [
        [k.key_id, k.name, k.scope, k.created_at, k.created_by, k.last_used_at, k.revoked_at]
        for k in list_api_keys(session)
    ]
    return header, _rows(rows)


def invoices_table(session: Session, staff: Staff, customer_pk: int, now: datetime) -> Table:
    """One customer's invoices as the customer page lists them (open first)."""
    customer = open_customer(session, staff, customer_pk)
    header = ["customer_id", "invoice", "issue_date", "due_date", "amount", "open", "currency",
              "status", "dunning_level", "dunning_step", "reached_on"]  # fmt: skip
    rows = [
        [customer.customer_id, r.invoice.invoice_number, r.invoice.issue_date,
         r.invoice.due_date, r.amount.text(), r.open.text(), r.invoice.currency,
         r.invoice.status, r.level, r.step, r.reached_on]
        for r in customer_facts(session, customer, now).invoices
    ]  # fmt: skip
    return header, _rows(rows)


def timeline_table(session: Session, staff: Staff, customer_pk: int, now: datetime) -> Table:
    """One customer's timeline, newest first."""
    customer = open_customer(session, staff, customer_pk)
    header = ["customer_id", "at", "category", "direction", "channel", "summary", "amount",
              "currency"]  # fmt: skip
    rows = [
        [customer.customer_id, e.at, e.category, e.direction, e.channel, e.summary,
         *_money(e.amount)]
        for e in timeline(session, customer.id)
    ]  # fmt: skip
    return header, _rows(rows)


def jobs_table(session: Session, staff: Staff, params: Mapping[str, str], now: datetime) -> Table:
    """Each scheduled job's last run, as the jobs page shows it."""
    header = ["job", "key", "worker", "started_at", "finished_at", "duration_ms", "outcome",
              "message"]  # fmt: skip
    runs = last_runs(cast(Engine, session.get_bind()))
    return header, _rows([[run[column] for column in header] for run in runs])


LISTS: dict[str, ExportList] = {
    "today": ExportList(WORKLIST_FIELDS, None, worklist_table),
    "customers": ExportList(("q",), None, customers_table),
    "disputes": ExportList((), None, disputes_table),
    "plans": ExportList((), None, plans_table),
    "unmatched": ExportList((), None, unmatched_table),
    "outbox": ExportList(("status", "channel"), None, outbox_table),
    "strategy-versions": ExportList((), None, versions_table),
    "users": ExportList((), "manage_staff", users_table),
    "api-keys": ExportList((), "manage_staff", keys_table),
    "jobs": ExportList((), None, jobs_table),
}
CUSTOMER_LISTS: dict[str, Callable[[Session, Staff, int, datetime], Table]] = {
    "invoices": invoices_table,
    "timeline": timeline_table,
}
