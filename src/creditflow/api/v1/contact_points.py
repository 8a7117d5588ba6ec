"""`/api/v1/customers/{customer_id}/contact-points`: read, and replace the whole list.

Addresses are checked with the customers importer's own checks (ledger/fields.py): an
e-mail address is normalised, a phone number is read in the customer's country and
stored in E.164, an SMS number must be a mobile one. An opt-out is recorded in the
consent register (compliance/consent.py, source "api"); a `false` flag does not lift an
opt-out the register holds: consent is given explicitly, not by omission.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from creditflow.api.v1.common import ONE_ERRORS, WRITE_ERRORS, SessionDep, portfolio, staff_of
from creditflow.api.v1.problems import ApiProblem
from creditflow.api.v1.schemas import ContactPointOut, Strict
from creditflow.compliance.consent import record_opt_out
from creditflow.ledger import fields
from creditflow.ledger.models import ContactPoint, Customer
from creditflow.ledger.service import audit
from creditflow.models import utcnow
from creditflow.staff.access import api_access

router = APIRouter(
    prefix="/api/v1/customers", tags=["customers"], dependencies=[Depends(api_access)]
)
MAX_POINTS = 50
PHONE_CHANNELS = ("sms", "voice", "whatsapp")


class ContactPointIn(Strict):
    """One way to reach the customer."""

    channel: Literal["email", "sms", "whatsapp", "voice", "letter", "push"]
    address: str = Field(min_length=1, max_length=400, examples=["admin@devries.example"])
    opted_out: bool = False


class ContactPointsIn(Strict):
    """The customer's whole list of contact points (what is not named is removed)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {"channel": "email", "address": "admin@devries.example"},
                        {"channel": "sms", "address": "+31612345678", "opted_out": True},
                    ]
                }
            ]
        },
    )
    items: list[ContactPointIn] = Field(max_length=MAX_POINTS)


class ContactPointsOut(BaseModel):
    """The customer's contact points as stored."""

    items: list[ContactPointOut]


def checked_address(channel: str, address: str, country: str) -> str:
    """The address normalised by the importer's checks; ValueError naming the reason."""
    value = address.strip()
    if channel == "email":
        return fields.check_email(value)
    if channel in PHONE_CHANNELS:
        number, mobile = fields.check_phone(value, country)
        if channel == "sms" and not mobile:
            raise ValueError(f"'{value}' is not a mobile number: no SMS")
        return number
    if not value:
        raise ValueError("empty")
    return value


def _customer(session: Session, request: Request, customer_id: str) -> Customer:
    customer = session.scalars(
        select(Customer).where(Customer.customer_id == customer_id, portfolio(staff_of(request)))
    ).first()
    if customer is None:
        raise ApiProblem(404, f"customer_id: no customer '{customer_id}'")
    return customer


def _points(session: Session, customer: Customer) -> ContactPointsOut:
    points = session.scalars(
        select(ContactPoint)
        .where(ContactPoint.customer_id == customer.id)
        .order_by(ContactPoint.channel, ContactPoint.id)
    )
    return ContactPointsOut(
        items=[
            ContactPointOut(
                channel=p.channel, address=p.address, valid=p.valid, opted_out=p.opted_out
            )
            for p in points
        ]
    )


@router.get("/{customer_id}/contact-points", response_model=ContactPointsOut, responses=ONE_ERRORS)
def get_contact_points(customer_id: str, request: Request, session: SessionDep) -> ContactPointsOut:
    """The customer's contact points, by channel."""
    return _points(session, _customer(session, request, customer_id))


def _validated(items: list[ContactPointIn], country: str) -> list[tuple[str, str, bool]]:
    wanted: list[tuple[str, str, bool]] = []
    errors: list[dict[str, str]] = []
    for index, item in enumerate(items):
        try:
            address = checked_address(item.channel, item.address, country)
        except ValueError as exc:
            errors.append({"field": f"items[{index}].address", "reason": str(exc)})
            continue
        if any((item.channel, address) == (c, a) for c, a, _ in wanted):
            errors.append({"field": f"items[{index}]", "reason": "named twice"})
            continue
        wanted.append((item.channel, address, item.opted_out))
    if errors:
        shown = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        raise ApiProblem(422, f"The contact points were not taken: {shown}", errors)
    return wanted


@router.put(
    "/{customer_id}/contact-points",
    response_model=ContactPointsOut,
    responses={**WRITE_ERRORS, 404: ONE_ERRORS[404]},
    summary="Replace the customer's contact points",
)
def replace_contact_points(
    customer_id: str, body: ContactPointsIn, request: Request, session: SessionDep
) -> ContactPointsOut:
    """All or nothing: 422 names each item's field and reason; opt-outs go to the register."""
    customer = _customer(session, request, customer_id)
    wanted = _validated(body.items, customer.country)
    now = utcnow()
    existing = {
        (p.channel, p.address): p
        for p in session.scalars(
            select(ContactPoint).where(ContactPoint.customer_id == customer.id)
        )
    }
    keep = {(c, a) for c, a, _ in wanted}
    gone = [p.id for key, p in existing.items() if key not in keep]
    if gone:
        session.execute(delete(ContactPoint).where(ContactPoint.id.in_(gone)))
    registered = set(customer.opt_out or [])
    for channel, address, opted_out in wanted:
        point = existing.get((channel, address))
        if point is None:
            point = ContactPoint(customer_id=customer.id, channel=channel, address=address)
            point.source = "api"
            point.valid = True
            session.add(point)
        point.opted_out = opted_out or channel in registered
        point.updated_at = now
    session.flush()
    actor = staff_of(request).actor
    for channel in sorted({c for c, _, opted in wanted if opted and c not in registered}):
        record_opt_out(session, customer.id, channel, "api", "contact-points PUT", now, actor=actor)
    audit(
        session,
        actor,
        "api.replace",
        "contact_point",
        customer.customer_id,
        {"points": len(wanted), "removed": len(gone)},
    )
    session.flush()
    session.expire_all()
    return _points(session, customer)
