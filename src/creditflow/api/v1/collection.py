"""`/api/v1` read side of collection: promises, disputes and actions (DESIGN 4.2 shape)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import select

from creditflow.api.v1.common import (
    ONE_ERRORS,
    READ_ERRORS,
    Cursor,
    Limit,
    Page,
    SessionDep,
    decode_cursor,
    page_of,
    portfolio,
    staff_of,
)
from creditflow.api.v1.problems import ApiProblem
from creditflow.api.v1.schemas import DisputeOut, PromiseOut, money
from creditflow.ledger.models import Customer, Dispute, Invoice, PromiseToPay
from creditflow.outbox.models import Action
from creditflow.outbox.shape import action_json
from creditflow.staff.access import api_access

router = APIRouter(prefix="/api/v1", tags=["collection"], dependencies=[Depends(api_access)])
CustomerFilter = Annotated[str | None, Query(max_length=64, description="customer_id")]


class ActionOut(BaseModel):
    """An action in the public shape of `creditflow actions --json` (DESIGN 4.2)."""

    action_id: str
    customer_id: str
    kind: str
    channel: str
    step: str
    template: str | None
    language: str
    tone: str
    invoices: list[str]
    amount_due: str
    currency: str
    scheduled_at: str
    status: str
    amount: str | None = None


def _promise(row: Any) -> PromiseOut:
    promise, customer_id = row
    amount = None if promise.amount_minor is None else money(promise.amount_minor, promise.currency)
    return PromiseOut(
        id=promise.id,
        customer_id=customer_id,
        promised_date=promise.promised_date,
        amount=amount,
        status=promise.status,
        source=promise.source,
        created_at=promise.created_at,
        closed_at=promise.closed_at,
    )


@router.get("/promises", response_model=Page[PromiseOut], responses=READ_ERRORS)
def list_promises(
    request: Request,
    session: SessionDep,
    limit: Limit = 100,
    cursor: Cursor = None,
    customer_id: CustomerFilter = None,
    status: Annotated[Literal["active", "kept", "broken"] | None, Query()] = None,
) -> Page[PromiseOut]:
    """Promises to pay, oldest first; cursor paging."""
    query = (
        select(PromiseToPay, Customer.customer_id)
        .join(Customer, Customer.id == PromiseToPay.customer_id)
        .where(PromiseToPay.id > decode_cursor(cursor), portfolio(staff_of(request)))
    )
    if customer_id:
        query = query.where(Customer.customer_id == customer_id)
    if status:
        query = query.where(PromiseToPay.status == status)
    rows = session.execute(query.order_by(PromiseToPay.id).limit(limit + 1)).all()
    return page_of(rows, limit, _promise, pk=lambda row: int(row[0].id))


def _dispute(row: Any) -> DisputeOut:
    dispute, customer_id, number = row
    return DisputeOut(
        id=dispute.id,
        customer_id=customer_id,
        invoice_number=number,
        reason=dispute.reason,
        text=dispute.text,
        status=dispute.status,
        source=dispute.source,
        opened_at=dispute.opened_at,
        closed_at=dispute.closed_at,
    )


def _disputes(request: Request) -> Any:
    return (
        select(Dispute, Customer.customer_id, Invoice.invoice_number)
        .join(Customer, Customer.id == Dispute.customer_id)
        .join(Invoice, Invoice.id == Dispute.invoice_id)
        .where(portfolio(staff_of(request)))
    )


@router.get("/disputes", response_model=Page[DisputeOut], responses=READ_ERRORS)
def list_disputes(
    request: Request,
    session: SessionDep,
    limit: Limit = 100,
    cursor: Cursor = None,
    customer_id: CustomerFilter = None,
    status: Annotated[Literal["open", "resolved", "rejected"] | None, Query()] = None,
) -> Page[DisputeOut]:
    """Disputes, oldest first; cursor paging."""
    query = _disputes(request).where(Dispute.id > decode_cursor(cursor))
    if customer_id:
        query = query.where(Customer.customer_id == customer_id)
    if status:
        query = query.where(Dispute.status == status)
    rows = session.execute(query.order_by(Dispute.id).limit(limit + 1)).all()
    return page_of(rows, limit, _dispute, pk=lambda row: int(row[0].id))


@router.get("/disputes/{dispute_id}", response_model=DisputeOut, responses=ONE_ERRORS)
def get_dispute(dispute_id: int, request: Request, session: SessionDep) -> DisputeOut:
    """One dispute by its id."""
    row = session.execute(_disputes(request).where(Dispute.id == dispute_id)).first()
    if row is None:
        raise ApiProblem(404, f"dispute_id: no dispute {dispute_id}")
    return _dispute(row)


ACTION_COLUMNS = (
    Action.action_id,
    Customer.customer_id,
    Action.kind,
    Action.channel,
    Action.step,
    Action.template,
    Action.language,
    Action.tone,
    Action.invoice_numbers,
    Action.amount_due_minor,
    Action.charge_minor,
    Action.currency,
    Action.scheduled_at,
    Action.timezone,
    Action.status,
    Action.id,
)


def _action(row: Any) -> ActionOut:
    shaped = action_json({**row._mapping, "invoices": list(row.invoice_numbers or [])})
    return ActionOut(**shaped)


@router.get("/actions", response_model=Page[ActionOut], responses=READ_ERRORS)
def list_actions(
    request: Request,
    session: SessionDep,
    limit: Limit = 100,
    cursor: Cursor = None,
    customer_id: CustomerFilter = None,
    status: Annotated[str | None, Query(max_length=12)] = None,
    channel: Annotated[str | None, Query(max_length=12)] = None,
) -> Page[ActionOut]:
    """Actions (messages, tasks, charges), in the order they were decided; cursor paging."""
    query = (
        select(*ACTION_COLUMNS)
        .join(Customer, Customer.id == Action.customer_id)
        .where(Action.id > decode_cursor(cursor), portfolio(staff_of(request)))
    )
    if customer_id:
        query = query.where(Customer.customer_id == customer_id)
    if status:
        query = query.where(Action.status == status)
    if channel:
        query = query.where(Action.channel == channel)
    rows = session.execute(query.order_by(Action.id).limit(limit + 1)).all()
    return page_of(rows, limit, _action)


@router.get("/actions/{action_id}", response_model=ActionOut, responses=ONE_ERRORS)
def get_action(action_id: str, request: Request, session: SessionDep) -> ActionOut:
    """One action by its action_id."""
    row = session.execute(
        select(*ACTION_COLUMNS)
        .join(Customer, Customer.id == Action.customer_id)
        .where(Action.action_id == action_id, portfolio(staff_of(request)))
    ).first()
    if row is None:
        raise ApiProblem(404, f"action_id: no action '{action_id}'")
    return _action(row)
