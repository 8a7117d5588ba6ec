"""`/api/v1` customer timeline (events and actions, newest first) and payment plans."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.api.v1.common import (
    ONE_ERRORS,
    READ_ERRORS,
    Cursor,
    Limit,
    Page,
    SessionDep,
    decode_cursor,
    encode_cursor,
    page_of,
    portfolio,
    staff_of,
)
from creditflow.api.v1.problems import ApiProblem
from creditflow.api.v1.schemas import MoneyOut, money
from creditflow.ledger.models import Customer, Event, Payment, PaymentPlan, PlanInstallment
from creditflow.outbox.models import Action
from creditflow.staff.access import api_access

router = APIRouter(prefix="/api/v1", tags=["collection"], dependencies=[Depends(api_access)])


class TimelineEntryOut(BaseModel):
    """One entry of a customer's timeline: an event or an action."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "at": "2026-03-15T09:30:00Z",
                    "kind": "action.message",
                    "channel": "email",
                    "direction": "out",
                    "summary": "reminder_1 (reminder_1)",
                    "action_id": "a-5f1c",
                    "amount": {"amount": "1250.00", "currency": "EUR"},
                }
            ]
        }
    )
    at: datetime
    kind: str = Field(
        description="The event kind (`payment.received`, `note.added`, ...) or `action.<kind>`"
    )
    channel: str | None
    direction: str = Field(examples=["out"], description="in, out or internal")
    summary: str
    action_id: str | None = None
    amount: MoneyOut | None = None


def _event(e: Event, paid: dict[str, MoneyOut]) -> TimelineEntryOut:
    payment_id = (e.data or {}).get("payment_id")
    return TimelineEntryOut(
        at=e.occurred_at,
        kind=e.kind,
        channel=e.channel,
        direction=e.direction,
        summary=e.summary,
        action_id=e.action_id,
        amount=paid.get(payment_id) if isinstance(payment_id, str) else None,
    )


def _action(a: Action) -> TimelineEntryOut:
    minor = a.charge_minor if a.kind == "charge" and a.charge_minor else a.amount_due_minor
    return TimelineEntryOut(
        at=a.sent_at or a.created_at,
        kind=f"action.{a.kind}",
        channel=a.channel,
        direction="out" if a.kind == "message" else "internal",
        summary=f"{a.template or a.step} ({a.step}, {a.status})",
        action_id=a.action_id,
        amount=money(minor, a.currency) if minor else None,
    )


def customer_timeline(
    session: Session, customer_pk: int, skip: int, count: int
) -> list[TimelineEntryOut]:
    """Entries `skip`..`skip + count` of the customer's timeline, newest first."""
    upto = skip + count
    events = session.scalars(
        select(Event)
        .where(Event.customer_id == customer_pk)
        .order_by(Event.occurred_at.desc(), Event.id.desc())
        .limit(upto)
    ).all()
    actions = session.scalars(
        select(Action)
        .where(Action.customer_id == customer_pk)
        .order_by(Action.created_at.desc(), Action.id.desc())
        .limit(upto)
    )
    ids = [i for e in events if isinstance(i := (e.data or {}).get("payment_id"), str)]
    paid = (
        {
            p.payment_id: money(p.amount_minor, p.currency)
            for p in session.scalars(select(Payment).where(Payment.payment_id.in_(ids)))
        }
        if ids
        else {}
    )
    entries = [_event(e, paid) for e in events] + [_action(a) for a in actions]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[skip:upto]


def _customer(session: Session, request: Request, customer_id: str) -> Customer:
    customer = session.scalars(
        select(Customer).where(Customer.customer_id == customer_id, portfolio(staff_of(request)))
    ).first()
    if customer is None:
        raise ApiProblem(404, f"customer_id: no customer '{customer_id}'")
    return customer


@router.get(
    "/customers/{customer_id}/timeline",
    response_model=Page[TimelineEntryOut],
    responses=ONE_ERRORS,
    tags=["customers"],
)
def get_timeline(
    customer_id: str,
    request: Request,
    session: SessionDep,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> Page[TimelineEntryOut]:
    """The customer's timeline, newest first: events (payments among them) and actions."""
    customer = _customer(session, request, customer_id)
    skip = decode_cursor(cursor)
    rows = customer_timeline(session, customer.id, skip, limit + 1)
    more = len(rows) > limit
    return Page[TimelineEntryOut](
        items=rows[:limit], next_cursor=encode_cursor(skip + limit) if more else None
    )


class InstallmentOut(BaseModel):
    """One installment of a plan: what is due when, and what was paid of it."""

    seq: int
    due_date: date
    amount: MoneyOut
    paid: MoneyOut


class PlanOut(BaseModel):
    """A payment plan with its installments."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 7,
                    "customer_id": "C-1001",
                    "status": "active",
                    "source": "portal",
                    "total": {"amount": "600.00", "currency": "EUR"},
                    "paid": {"amount": "200.00", "currency": "EUR"},
                    "created_at": "2026-03-01T10:00:00Z",
                    "installments": [
                        {
                            "seq": 1,
                            "due_date": "2026-03-15",
                            "amount": {"amount": "200.00", "currency": "EUR"},
                            "paid": {"amount": "200.00", "currency": "EUR"},
                        }
                    ],
                }
            ]
        }
    )
    id: int
    customer_id: str
    status: str
    source: str
    total: MoneyOut
    paid: MoneyOut
    created_at: datetime
    installments: list[InstallmentOut]


def _plans(session: Session, rows: list[Any]) -> list[PlanOut]:
    ids = [plan.id for plan, _ in rows]
    parts: dict[int, list[PlanInstallment]] = {i: [] for i in ids}
    if ids:
        for part in session.scalars(
            select(PlanInstallment)
            .where(PlanInstallment.plan_id.in_(ids))
            .order_by(PlanInstallment.plan_id, PlanInstallment.seq)
        ):
            parts[part.plan_id].append(part)
    out = []
    for plan, customer_id in rows:
        cur = plan.currency
        own = parts[plan.id]
        out.append(
            PlanOut(
                id=plan.id,
                customer_id=customer_id,
                status=plan.status,
                source=plan.source,
                total=money(plan.total_minor, cur),
                paid=money(sum(p.paid_minor for p in own), cur),
                created_at=plan.created_at,
                installments=[
                    InstallmentOut(
                        seq=p.seq,
                        due_date=p.due_date,
                        amount=money(p.amount_minor, cur),
                        paid=money(p.paid_minor, cur),
                    )
                    for p in own
                ],
            )
        )
    return out


PlanStatus = Literal["proposed", "active", "completed", "defaulted", "cancelled"]


@router.get("/plans", response_model=Page[PlanOut], responses=READ_ERRORS)
def list_plans(
    request: Request,
    session: SessionDep,
    limit: Limit = 100,
    cursor: Cursor = None,
    customer_id: Annotated[str | None, Query(max_length=64, description="customer_id")] = None,
    status: Annotated[PlanStatus | None, Query()] = None,
) -> Page[PlanOut]:
    """Payment plans with their installments, oldest first; cursor paging."""
    query = (
        select(PaymentPlan, Customer.customer_id)
        .join(Customer, Customer.id == PaymentPlan.customer_id)
        .where(PaymentPlan.id > decode_cursor(cursor), portfolio(staff_of(request)))
    )
    if customer_id:
        query = query.where(Customer.customer_id == customer_id)
    if status:
        query = query.where(PaymentPlan.status == status)
    rows = list(session.execute(query.order_by(PaymentPlan.id).limit(limit + 1)).all())
    page = page_of(rows, limit, lambda row: row, pk=lambda row: int(row[0].id))
    return Page[PlanOut](items=_plans(session, page.items), next_cursor=page.next_cursor)
