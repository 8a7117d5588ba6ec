"""`/api/v1/invoices`: upsert by `invoice_number` (the CSV import's rules), read, list."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

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
from creditflow.api.v1.schemas import BulkOut, InvoiceIn, InvoiceOut, money
from creditflow.config import Settings
from creditflow.ledger.imports import INVOICE_FIELDS, upsert_invoices
from creditflow.ledger.models import Customer, Invoice
from creditflow.ledger.service import audit
from creditflow.staff.access import api_access

router = APIRouter(prefix="/api/v1/invoices", tags=["invoices"], dependencies=[Depends(api_access)])


class InvoicesIn(BaseModel):
    """Up to 1000 invoices at once; each is answered on its own."""

    items: list[InvoiceIn] = Field(min_length=1, max_length=MAX_BULK)


def invoice_out(invoice: Invoice, customer_id: str) -> InvoiceOut:
    """The stored invoice."""
    return InvoiceOut(
        invoice_number=invoice.invoice_number,
        customer_id=customer_id,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        amount=money(invoice.amount_minor, invoice.currency),
        open=money(invoice.open_minor, invoice.currency),
        status=invoice.status,
        dispute_reason=invoice.dispute_reason,
        description=invoice.description,
        payment_reference=invoice.payment_reference,
        paid_date=invoice.paid_on,
        updated_at=invoice.updated_at,
    )


def _query(request: Request) -> Any:
    return (
        select(Invoice, Customer.customer_id)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(portfolio(staff_of(request)))
    )


def _one(session: Session, request: Request, number: str) -> InvoiceOut:
    row = session.execute(_query(request).where(Invoice.invoice_number == number)).first()
    if row is None:
        raise ApiProblem(404, f"invoice_number: no invoice '{number}'")
    return invoice_out(row[0], row[1])


def _write(
    session: Session, request: Request, settings: Settings, items: list[InvoiceIn]
) -> tuple[list[str], list[Outcome]]:
    conn = session.connection()
    keys = [item.invoice_number for item in items]
    frame = rows_frame([item.row() for item in items], INVOICE_FIELDS)
    summary, outcomes = upsert_outcomes(
        conn,
        "invoice",
        "invoice_number",
        keys,
        lambda: upsert_invoices(conn, frame, settings, CONTRACT, only_given=True),
    )
    session.expire_all()
    audit(
        session,
        staff_of(request).actor,
        "api.upsert",
        "invoice",
        keys[0] if len(keys) == 1 else None,
        {"imported": summary.imported, "updated": summary.updated, "rejected": summary.rejected},
    )
    return keys, outcomes


@router.post(
    "",
    status_code=201,
    response_model=InvoiceOut,
    responses={200: {"model": InvoiceOut, "description": "Updated or unchanged"}, **WRITE_ERRORS},
    summary="Create or replace an invoice by invoice_number",
)
def upsert_invoice(
    body: InvoiceIn,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
):
    """201 when new, 200 when updated or unchanged; 422 with the importers' reasons."""

    def work() -> tuple[int, dict[str, Any]]:
        keys, outcomes = _write(session, request, settings, [body])
        refuse_rejected(outcomes[0], "invoice")
        out = _one(session, request, keys[0])
        return (201 if outcomes[0][0] == "imported" else 200), out.model_dump(mode="json")

    return idempotent(session, request, idempotency_key, body_digest(body), work)


@router.post(
    "/bulk",
    response_model=BulkOut,
    responses=WRITE_ERRORS,
    summary="Create or replace up to 1000 invoices; each answered on its own",
)
def upsert_invoices_bulk(
    body: InvoicesIn,
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


@router.get("/{invoice_number}", response_model=InvoiceOut, responses=ONE_ERRORS)
def get_invoice(invoice_number: str, request: Request, session: SessionDep) -> InvoiceOut:
    """One invoice by its number."""
    return _one(session, request, invoice_number)


@router.get("", response_model=Page[InvoiceOut], responses=READ_ERRORS)
def list_invoices(
    request: Request,
    session: SessionDep,
    limit: Limit = 100,
    cursor: Cursor = None,
    customer_id: Annotated[str | None, Query(max_length=64)] = None,
    status: Annotated[Literal["open", "disputed", "paid", "written_off"] | None, Query()] = None,
    due_before: Annotated[date | None, Query(description="Due on or before")] = None,
    updated_since: Annotated[datetime | None, Query()] = None,
) -> Page[InvoiceOut]:
    """Invoices in the order they were added, filtered; cursor paging."""
    query = _query(request).where(Invoice.id > decode_cursor(cursor))
    if customer_id:
        query = query.where(Customer.customer_id == customer_id)
    if status:
        query = query.where(Invoice.status == status)
    if due_before:
        query = query.where(Invoice.due_date <= due_before)
    if updated_since:
        query = query.where(Invoice.updated_at >= aware(updated_since))
    rows = session.execute(query.order_by(Invoice.id).limit(limit + 1)).all()
    page = page_of([r[0] for r in rows], limit, lambda i: i)
    owners = {r[0].id: r[1] for r in rows}
    return Page[InvoiceOut](
        items=[invoice_out(i, owners[i.id]) for i in page.items], next_cursor=page.next_cursor
    )
