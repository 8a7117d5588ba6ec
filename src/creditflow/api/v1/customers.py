"""`/api/v1/customers`: upsert by `customer_id` (the CSV import's rules), read, list."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.api.v1.common import (
    MAX_BULK,
    ONE_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    Cursor,
    Limit,
    Outcome,
    Page,
    SessionDep,
    SettingsDep,
    aware,
    bulk_out,
    decode_cursor,
    page_of,
    portfolio,
    refuse_rejected,
    rows_frame,
    staff_of,
    upsert_outcomes,
)
from creditflow.api.v1.idempotency import IdempotencyKey, body_digest, idempotent
from creditflow.api.v1.problems import ApiProblem
from creditflow.api.v1.schemas import (
    BulkOut,
    ContactPointOut,
    CustomerIn,
    CustomerOut,
    money,
)
from creditflow.config import Settings
from creditflow.ledger.imports import CUSTOMER_FIELDS, upsert_customers
from creditflow.ledger.models import ContactPoint, Customer
from creditflow.ledger.service import audit
from creditflow.staff.access import api_access

router = APIRouter(
    prefix="/api/v1/customers", tags=["customers"], dependencies=[Depends(api_access)]
)


class CustomersIn(BaseModel):
    """Up to 1000 customers at once; each is answered on its own."""

    items: list[CustomerIn] = Field(min_length=1, max_length=MAX_BULK)


def customer_out(session: Session, customer: Customer) -> CustomerOut:
    """The stored customer with its contact points."""
    points = session.scalars(
        select(ContactPoint)
        .where(ContactPoint.customer_id == customer.id)
        .order_by(ContactPoint.channel, ContactPoint.id)
    ).all()
    return CustomerOut(
        customer_id=customer.customer_id,
        name=customer.name,
        kind=customer.kind,
        language=customer.language,
        country=customer.country,
        timezone=customer.timezone,
        address_line1=customer.address_line1,
        address_line2=customer.address_line2,
        postal_code=customer.postal_code,
        city=customer.city,
        iban=customer.iban,
        preferred_channel=customer.preferred_channel,
        opt_out=list(customer.opt_out or []),
        segment=customer.segment,
        tags=list(customer.tags or []),
        do_not_contact=customer.do_not_contact,
        credit=money(customer.credit_minor, customer.credit_currency),
        contact_points=[
            ContactPointOut(
                channel=p.channel, address=p.address, valid=p.valid, opted_out=p.opted_out
            )
            for p in points
        ],
        updated_at=customer.updated_at,
    )


def _write(
    session: Session, request: Request, settings: Settings, items: list[CustomerIn]
) -> tuple[list[str], list[Outcome]]:
    conn = session.connection()
    keys = [item.customer_id for item in items]
    frame = rows_frame([item.row() for item in items], CUSTOMER_FIELDS)
    summary, outcomes = upsert_outcomes(
        conn,
        "customer",
        "customer_id",
        keys,
        lambda: upsert_customers(conn, frame, settings, only_given=True),
    )
    session.expire_all()
    audit(
        session,
        staff_of(request).actor,
        "api.upsert",
        "customer",
        keys[0] if len(keys) == 1 else None,
        {"imported": summary.imported, "updated": summary.updated, "rejected": summary.rejected},
    )
    return keys, outcomes


def _one(session: Session, request: Request, customer_id: str) -> Customer:
    customer = session.scalars(
        select(Customer).where(Customer.customer_id == customer_id, portfolio(staff_of(request)))
    ).first()
    if customer is None:
        raise ApiProblem(404, f"customer_id: no customer '{customer_id}'")
    return customer


@router.post(
    "",
    status_code=201,
    response_model=CustomerOut,
    responses={200: {"model": CustomerOut, "description": "Updated or unchanged"}, **WRITE_ERRORS},
    summary="Create or replace a customer by customer_id",
)
def upsert_customer(
    body: CustomerIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
):
    """201 when new, 200 when updated or unchanged; 422 with the importers' reasons."""

    def work() -> tuple[int, dict[str, Any]]:
        keys, outcomes = _write(session, request, settings, [body])
        refuse_rejected(outcomes[0], "customer")
        out = customer_out(session, _one(session, request, keys[0]))
        return (201 if outcomes[0][0] == "imported" else 200), out.model_dump(mode="json")

    return idempotent(session, request, idempotency_key, body_digest(body), work)


@router.post(
    "/bulk",
    response_model=BulkOut,
    responses=WRITE_ERRORS,
    summary="Create or replace up to 1000 customers; each answered on its own",
)
def upsert_customers_bulk(
    body: CustomersIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
):
    """The valid items are written, the others answered with their reasons."""

    def work() -> tuple[int, dict[str, Any]]:
        keys, outcomes = _write(session, request, settings, body.items)
        return 200, bulk_out(keys, outcomes).model_dump(mode="json")

    return idempotent(session, request, idempotency_key, body_digest(body), work)


@router.get("/{customer_id}", response_model=CustomerOut, responses=ONE_ERRORS)
def get_customer(customer_id: str, request: Request, session: SessionDep) -> CustomerOut:
    """One customer by its own customer_id."""
    return customer_out(session, _one(session, request, customer_id))


@router.get("", response_model=Page[CustomerOut], responses=READ_ERRORS)
def list_customers(
    request: Request,
    session: SessionDep,
    limit: Limit = 100,
    cursor: Cursor = None,
    kind: Annotated[Literal["consumer", "business"] | None, Query()] = None,
    segment: Annotated[str | None, Query(max_length=64)] = None,
    country: Annotated[str | None, Query(max_length=2)] = None,
    updated_since: Annotated[datetime | None, Query()] = None,
) -> Page[CustomerOut]:
    """Customers in the order they were added, filtered; cursor paging."""
    query = select(Customer).where(
        Customer.id > decode_cursor(cursor), portfolio(staff_of(request))
    )
    if kind:
        query = query.where(Customer.kind == kind)
    if segment:
        query = query.where(Customer.segment == segment)
    if country:
        query = query.where(Customer.country == country.upper())
    if updated_since:
        query = query.where(Customer.updated_at >= aware(updated_since))
    rows = session.scalars(query.order_by(Customer.id).limit(limit + 1)).all()
    return page_of(rows, limit, lambda c: customer_out(session, c))
