"""The worklist's reads: every item in scope (one query per type), claims, staff, segments.

The queries themselves are in work_sources.py; worklist_rules.py orders and filters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from threading import Lock
from time import monotonic
from typing import Any

from sqlalchemy import ColumnElement, and_, literal_column, select, true
from sqlalchemy.orm import Session

from creditflow.intelligence.customer_scores import recovery_rates, usable_model
from creditflow.ledger.models import Customer
from creditflow.staff.models import StaffUser
from creditflow.staff.service import Staff
from creditflow.workbench.models import WorkClaim
from creditflow.workbench.portfolio import customer_scope, limited_to_portfolio
from creditflow.workbench.work_sources import SOURCES
from creditflow.workbench.worklist_rules import (
    ITEM_TYPES,
    ROLES_WHO_WORK,
    Filters,
    WorkItem,
    recovery_customers,
    with_recovery,
)

PER_TYPE_LIMIT = 500  # each type's largest items; the page says when a type has more


@dataclass(frozen=True)
class Scope:
    """Which customers' items a query returns (portfolio and the page's filters)."""

    customers: ColumnElement[bool]
    needs_customer: bool  # items without a customer (unmatched) are left out


def scope_for(staff: Staff | None, filters: Filters) -> Scope:
    """The customer condition of every item query for this staff member and filters."""
    condition: ColumnElement[bool] = true() if staff is None else customer_scope(staff)
    if filters.collector_id is not None:
        condition = and_(condition, Customer.collector_id == filters.collector_id)
    if filters.segment is not None:
        condition = and_(condition, Customer.segment == filters.segment)
    narrowed = filters.collector_id is not None or filters.segment is not None
    limited = staff is not None and limited_to_portfolio(staff)
    return Scope(condition, narrowed or limited)


@dataclass(frozen=True)
class Loaded:
    """The items found, and the types cut off at PER_TYPE_LIMIT."""

    items: list[WorkItem]
    cut_off: list[str]


def load_items(
    session: Session,
    staff: Staff | None,
    filters: Filters,
    now: datetime,
    *,
    refs: Mapping[str, Sequence[str]] | None = None,
    limit: int = PER_TYPE_LIMIT,
) -> Loaded:
    """The work items in scope (staff None: everyone's), one query per item type.

    `refs` (type -> record ids) looks up those items only; the type filter skips the
    other types' queries.
    """
    scope = scope_for(staff, filters)
    kinds = [k for k in ITEM_TYPES if filters.kinds is None or k in filters.kinds]
    if refs is not None:
        kinds = [k for k in kinds if refs.get(k)]
    items: list[WorkItem] = []
    cut_off = []
    for kind in kinds:
        build, to_item, ref_column = SOURCES[kind]
        query = build(now).where(scope.customers)
        if scope.needs_customer:
            query = query.where(Customer.id.is_not(None))
        if refs is not None:
            wanted = [_ref_value(ref_column, r) for r in refs[kind]]
            query = query.where(ref_column.in_([w for w in wanted if w is not None]))
        largest_first = query.order_by(literal_column("stake").desc(), ref_column)
        rows = session.execute(largest_first.limit(limit + 1)).all()
        if len(rows) > limit:
            cut_off.append(kind)
        items.extend(to_item(row, now) for row in rows[:limit])
    return Loaded(items, cut_off)


# Expected recovery changes with payments and a retrained model, not from one page view
# to the next: each (database, day) keeps its rates for this long (docs/workbench.md).
RECOVERY_FRESH_SECONDS = 60.0
_recovery_cache: dict[tuple[str, date], tuple[float, dict[tuple[int, str], float], set[int]]] = {}
_recovery_lock = Lock()


def recovery_for(session: Session, items: list[WorkItem], now: datetime) -> list[WorkItem]:
    """The calls with their expected recovery: the list's customers scored in one pass.

    Rates scored in the last RECOVERY_FRESH_SECONDS are reused; only customers not yet
    scored are read, so a worklist refresh does not score the same customers again.
    """
    customers = recovery_customers(items)
    if not customers:
        return items
    conn = session.connection()
    key = (str(conn.engine.url), now.date())
    with _recovery_lock:
        cached = _recovery_cache.get(key)
        if cached is None or monotonic() - cached[0] > RECOVERY_FRESH_SECONDS:
            cached = (monotonic(), {}, set())
            _recovery_cache.clear()  # one entry: older days and stale rates go
            _recovery_cache[key] = cached
        missing = customers - cached[2]
    if missing:
        model, _ = usable_model(conn)
        scored = recovery_rates(conn, missing, now.date(), model)
        with _recovery_lock:
            cached[1].update(scored)
            cached[2].update(missing)
    return with_recovery(items, cached[1])


def _ref_value(column: Any, ref: str) -> int | str | None:
    """A record id from an item key, in the column's type (None: it cannot be one)."""
    if column.type.python_type is int:
        return int(ref) if ref.isdigit() and len(ref) < 18 else None
    return ref


def claims(session: Session) -> dict[str, tuple[int, str]]:
    """Every claim: item key -> (staff user id, e-mail)."""
    return {
        key: (user_id, email)
        for key, user_id, email in session.execute(
            select(WorkClaim.item_key, WorkClaim.staff_user_id, StaffUser.email).join(
                StaffUser, StaffUser.id == WorkClaim.staff_user_id
            )
        )
    }


def workers(session: Session) -> list[tuple[int, str, str]]:
    """(id, e-mail, role) of the active staff who can be given work, by e-mail."""
    return [
        (uid, email, role)
        for uid, email, role in session.execute(
            select(StaffUser.id, StaffUser.email, StaffUser.role)
            .where(StaffUser.active.is_(True), StaffUser.role.in_(sorted(ROLES_WHO_WORK)))
            .order_by(StaffUser.email)
        )
    ]


def segments(session: Session, staff: Staff) -> list[str]:
    """The customer segments this staff member can filter on."""
    return list(
        session.scalars(
            select(Customer.segment)
            .where(Customer.segment.is_not(None), customer_scope(staff))
            .distinct()
            .order_by(Customer.segment)
        )
    )


def item_refs(keys: Iterable[str]) -> dict[str, list[str]]:
    """Item keys grouped as type -> record ids (keys of unknown types are left out)."""
    grouped: dict[str, list[str]] = {}
    for key in keys:
        kind, _, record = key.partition(":")
        if kind in SOURCES and record:
            grouped.setdefault(kind, []).append(record)
    return grouped
