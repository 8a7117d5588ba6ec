"""`/api/v1/payments` and `/api/v1/credit-notes`: record a payment (the payment import's
rules, allocation and hand-over notes), read payments and credit notes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.api.v1.common import (
    CONTRACT,
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
    AllocationOut,
    BulkOut,
    CreditNoteOut,
    PaymentIn,
    PaymentOut,
    money,
)
from creditflow.compliance.handover import note_payments_on_handovers
from creditflow.config import Settings
from creditflow.ledger.models import Allocation, CreditNote, Customer, Invoice, Payment
from creditflow.ledger.payments import PAYMENT_FIELDS, upsert_payments
from creditflow.ledger.service import audit
from creditflow.staff.access import api_access

router = APIRouter(prefix="/api/v1", tags=["payments"], dependencies=[Depends(api_access)])


class PaymentsIn(BaseModel):
    """Up to 1000 payments at once; each is answered on its own."""

    items: list[PaymentIn] = Field(min_length=1, max_length=MAX_BULK)


def payment_out(session: Session, payment: Payment, customer_id: str | None) -> PaymentOut:
    """The stored payment with its allocations."""
    allocations = session.execute(
        select(Allocation, Invoice.invoice_number)
        .outerjoin(Invoice, Invoice.id == Allocation.invoice_id)
        .where(Allocation.payment_id == payment.id)
        .order_by(Allocation.id)
    ).all()
    return PaymentOut(
        payment_id=payment.payment_id,
        customer_id=customer_id,
        amount=money(payment.amount_minor, payment.currency),
        paid_at=payment.paid_at,
        reference=payment.reference,
        invoice_number=payment.invoice_number,
        method=payment.method,
        source=payment.source,
        unallocated=money(payment.unallocated_minor, payment.currency),
        reversed_at=payment.reversed_at,
        allocations=[
            AllocationOut(
                invoice_number=number, amount=money(a.amount_minor, a.currency), rule=a.rule
            )
            for a, number in allocations
        ],
    )


def _payments(request: Request) -> Any:
    return (
        select(Payment, Customer.customer_id)
        .outerjoin(Customer, Customer.id == Payment.customer_id)
        .where(portfolio(staff_of(request)))
    )


def _one(session: Session, request: Request, payment_id: str) -> PaymentOut:
    row = session.execute(_payments(request).where(Payment.payment_id == payment_id)).first()
    if row is None:
        raise ApiProblem(404, f"payment_id: no payment '{payment_id}'")
    return payment_out(session, row[0], row[1])


def _write(
    session: Session, request: Request, settings: Settings, items: list[PaymentIn]
) -> list[Outcome]:
    """Record payments with the payment import's rules; per item what became of it."""
    conn = session.connection()
    keys = [item.payment_id for item in items]
    frame = rows_frame([item.row() for item in items], PAYMENT_FIELDS)
    summary, outcomes = upsert_outcomes(
        conn,
        "payment",
        "payment_id",
        keys,
        lambda: upsert_payments(
            conn,
            frame,
            settings,
            CONTRACT,
            on_recorded=note_payments_on_handovers,
            only_given=True,
            source="api",
        ),
    )
    session.expire_all()
    details: dict[str, Any] = (
        {"result": outcomes[0][0]}
        if len(items) == 1
        else {
            "imported": summary.imported,
            "updated": summary.updated,
            "rejected": summary.rejected,
        }
    )
    audit(
        session,
        staff_of(request).actor,
        "api.record",
        "payment",
        keys[0] if len(keys) == 1 else None,
        details,
    )
    return outcomes


@router.post(
    "/payments",
    status_code=201,
    response_model=PaymentOut,
    responses={200: {"model": PaymentOut, "description": "Already recorded"}, **WRITE_ERRORS},
    summary="Record a payment received; allocated to the named or oldest invoices",
)
def record_payment(
    body: PaymentIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
):
    """201 when recorded, 200 when this payment_id was already recorded as it is."""

    def work() -> tuple[int, dict[str, Any]]:
        outcomes = _write(session, request, settings, [body])
        refuse_rejected(outcomes[0], "payment")
        out = _one(session, request, body.payment_id)
        return (201 if outcomes[0][0] == "imported" else 200), out.model_dump(mode="json")

    return idempotent(session, request, idempotency_key, body_digest(body), work)


@router.post(
    "/payments/bulk",
    response_model=BulkOut,
    responses=WRITE_ERRORS,
    summary="Record up to 1000 payments; each answered on its own",
)
def record_payments_bulk(
    body: PaymentsIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
):
    """The valid payments are recorded and allocated, the others answered with reasons."""

    def work() -> tuple[int, dict[str, Any]]:
        outcomes = _write(session, request, settings, body.items)
        keys = [item.payment_id for item in body.items]
        return 200, bulk_out(keys, outcomes).model_dump(mode="json")

    return idempotent(session, request, idempotency_key, body_digest(body), work)


@router.get("/payments/{payment_id}", response_model=PaymentOut, responses=ONE_ERRORS)
def get_payment(payment_id: str, request: Request, session: SessionDep) -> PaymentOut:
    """One payment by its payment_id."""
    return _one(session, request, payment_id)


@router.get("/payments", response_model=Page[PaymentOut], responses=READ_ERRORS)
def list_payments(
    request: Request,
    session: SessionDep,
    limit: Limit = 100,
    cursor: Cursor = None,
    customer_id: Annotated[str | None, Query(max_length=64)] = None,
    paid_since: Annotated[datetime | None, Query()] = None,
) -> Page[PaymentOut]:
    """Payments in the order they were recorded; cursor paging."""
    query = _payments(request).where(Payment.id > decode_cursor(cursor))
    if customer_id:
        query = query.where(Customer.customer_id == customer_id)
    if paid_since:
        query = query.where(Payment.paid_at >= aware(paid_since))
    rows = session.execute(query.order_by(Payment.id).limit(limit + 1)).all()
    owners = {r[0].id: r[1] for r in rows}
    page = page_of([r[0] for r in rows], limit, lambda p: p)
    return Page[PaymentOut](
        items=[payment_out(session, p, owners[p.id]) for p in page.items],
        next_cursor=page.next_cursor,
    )


def _credit_notes(request: Request) -> Any:
    return (
        select(CreditNote, Customer.customer_id, Invoice.invoice_number)
        .join(Customer, Customer.id == CreditNote.customer_id)
        .join(Invoice, Invoice.id == CreditNote.invoice_id)
        .where(portfolio(staff_of(request)))
    )


def credit_note_out(row: Any) -> CreditNoteOut:
    """A stored credit note."""
    note, customer_id, number = row
    return CreditNoteOut(
        credit_note_number=note.credit_note_number,
        customer_id=customer_id,
        invoice_number=number,
        issue_date=note.issue_date,
        amount=money(note.amount_minor, note.currency),
        applied=money(note.applied_minor, note.currency),
        source=note.source,
    )


@router.get("/credit-notes/{number}", response_model=CreditNoteOut, responses=ONE_ERRORS)
def get_credit_note(number: str, request: Request, session: SessionDep) -> CreditNoteOut:
    """One credit note by its number."""
    row = session.execute(
        _credit_notes(request).where(CreditNote.credit_note_number == number)
    ).first()
    if row is None:
        raise ApiProblem(404, f"credit_note_number: no credit note '{number}'")
    return credit_note_out(row)


@router.get("/credit-notes", response_model=Page[CreditNoteOut], responses=READ_ERRORS)
def list_credit_notes(
    request: Request,
    session: SessionDep,
    limit: Limit = 100,
    cursor: Cursor = None,
    invoice_number: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[CreditNoteOut]:
    """Credit notes (from UBL: `POST /api/v1/ubl`) in the order they came; cursor paging."""
    query = _credit_notes(request).where(CreditNote.id > decode_cursor(cursor))
    if invoice_number:
        query = query.where(Invoice.invoice_number == invoice_number)
    rows = session.execute(query.order_by(CreditNote.id).limit(limit + 1)).all()
    return page_of(rows, limit, credit_note_out, pk=lambda row: int(row[0].id))
