"""`GET /api/v1/worklist`: the Today page's items as JSON, in the same order.

It reuses the worklist's reads (worklist.load_items, recovery_for, claims) and rules
(worklist_rules: filters, priority order), so the API and the page never disagree. It
lives in the workbench package because the api layer may not import the workbench.
A collector's session sees only their portfolio's items (and cannot filter by collector).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from creditflow.api.v1.common import (
    READ_ERRORS,
    Cursor,
    Limit,
    Page,
    SessionDep,
    decode_cursor,
    encode_cursor,
    staff_of,
)
from creditflow.api.v1.problems import ApiProblem
from creditflow.api.v1.schemas import MoneyOut, money
from creditflow.staff.access import api_access, now_of
from creditflow.workbench.portfolio import limited_to_portfolio
from creditflow.workbench.worklist import claims, load_items, recovery_for
from creditflow.workbench.worklist_rules import (
    ITEM_LABELS,
    FilterError,
    Filters,
    WorkItem,
    age_days,
    ordered,
    parse_filters,
    priority,
    select_items,
    with_claims,
)

CENT = Decimal("0.01")
router = APIRouter(prefix="/api/v1", tags=["worklist"], dependencies=[Depends(api_access)])
ItemType = Literal[
    "call", "dispute", "plan", "reply", "promise", "handover", "failed", "unmatched", "review"
]


class WorkItemOut(BaseModel):
    """One thing that needs a person, as the Today page lists it."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "key": "dispute:12",
                    "kind": "dispute",
                    "label": "Dispute",
                    "todo": "Resolve the dispute",
                    "detail": "INV-1: wrong amount",
                    "customer_id": "C-1001",
                    "customer_name": "Bakkerij de Vries",
                    "stake": {"amount": "1250.00", "currency": "EUR"},
                    "since": "2026-03-01T10:00:00Z",
                    "due": None,
                    "days_waiting": 9,
                    "priority": "5000.00",
                    "expected_recovery": None,
                    "claimed_by": None,
                    "link": "/workbench/queues/disputes",
                }
            ]
        }
    )
    key: str = Field(description="Stable: `<type>:<record>`")
    kind: str
    label: str
    todo: str
    detail: str
    customer_id: str | None
    customer_name: str | None
    stake: MoneyOut
    since: datetime
    due: date | None
    days_waiting: int
    priority: str = Field(description="Decimal string; the list is ordered by it, highest first")
    expected_recovery: MoneyOut | None = Field(description="Calls: expected recovery")
    claimed_by: str | None
    link: str = Field(description="Where the item is worked in the workbench")


def _out(item: WorkItem, now: datetime) -> WorkItemOut:
    recovery = item.recovery_minor
    return WorkItemOut(
        key=item.key,
        kind=item.kind,
        label=ITEM_LABELS[item.kind],
        todo=item.todo,
        detail=item.detail,
        customer_id=item.customer_ref,
        customer_name=item.customer_name,
        stake=money(item.stake_minor, item.currency),
        since=item.since,
        due=item.due,
        days_waiting=age_days(item.since, now),
        priority=str(priority(item, now).quantize(CENT)),
        expected_recovery=None if recovery is None else money(recovery, item.currency),
        claimed_by=item.claimed_by,
        link=item.link,
    )


@router.get("/worklist", response_model=Page[WorkItemOut], responses=READ_ERRORS)
def get_worklist(
    request: Request,
    session: SessionDep,
    limit: Limit = 100,
    cursor: Cursor = None,
    type: Annotated[ItemType | None, Query(description="One item type")] = None,  # noqa: A002
    collector: Annotated[
        str | None, Query(max_length=9, pattern=r"^[0-9]+$", description="staff user id")
    ] = None,
    segment: Annotated[str | None, Query(max_length=64)] = None,
    claimed: Annotated[Literal["all", "mine", "unclaimed"], Query()] = "all",
) -> Page[WorkItemOut]:
    """The worklist in the Today page's order (highest priority first); cursor paging."""
    staff = staff_of(request)
    now = now_of(request)
    params = {
        "type": type or "",
        "collector": collector or "",
        "segment": segment or "",
        "claimed": claimed,
    }
    try:
        filters = parse_filters(params)
    except FilterError as exc:
        raise ApiProblem(422, str(exc), [{"field": exc.field, "reason": exc.reason}]) from exc
    if limited_to_portfolio(staff):
        filters = Filters(filters.kinds, None, filters.segment, filters.claimed)
    loaded = load_items(session, staff, filters, now)
    found = recovery_for(session, loaded.items, now)
    items = ordered(select_items(with_claims(found, claims(session)), filters, staff.user_id), now)
    skip = decode_cursor(cursor)
    shown = items[skip : skip + limit]
    more = len(items) > skip + limit
    return Page[WorkItemOut](
        items=[_out(i, now) for i in shown],
        next_cursor=encode_cursor(skip + limit) if more else None,
    )
