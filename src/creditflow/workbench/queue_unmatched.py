"""The unmatched payments queue: statement credits no rule could place, with the matcher's suggestions.

Matching (one click on a suggestion, or an invoice number typed in) and ignoring go
through `payments.unmatched.resolve_entry`, which records the payment, allocates it
and writes the audit entry. A collector sees an entry when one of its suggestions is a
customer of their portfolio, and may match it only to such a customer's invoice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.api.deps import get_session
from creditflow.db import transaction
from creditflow.ledger.models import Customer, Invoice
from creditflow.payments.models import StatementEntryRecord
from creditflow.payments.unmatched import ResolveError, resolve_entry
from creditflow.staff.access import now_of, require
from creditflow.staff.service import Staff
from creditflow.workbench.pages import done, render, staff_of
from creditflow.workbench.portfolio import customer_scope, limited_to_portfolio, may_open
from creditflow.workbench.queue_common import amount_text, queue_router, safe_back

router = queue_router()
PATH = "/workbench/queues/unmatched"
MATCH_REFUSED = (
    "The payment could not be matched: it is no longer in the queue, "
    "or it is money going out, or in another currency."
)
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@dataclass(frozen=True)
class Suggestion:
    """A suggested invoice for an entry."""

    invoice_number: str
    customer_pk: int
    customer_name: str
    open_amount: str
    score: float
    why: str


@dataclass(frozen=True)
class EntryRow:
    """One unmatched statement entry as the queue shows it."""

    entry_id: int
    booking_date: str
    amount: str
    credit: bool
    counterparty: str
    iban: str
    remittance: str
    reason: str
    suggestions: list[Suggestion] = field(default_factory=list)


def _entries(session: Session) -> list[StatementEntryRecord]:
    return list(
        session.scalars(
            select(StatementEntryRecord)
            .where(StatementEntryRecord.status == "unmatched")
            .order_by(StatementEntryRecord.booking_date, StatementEntryRecord.id)
            .limit(500)
        )
    )


def unmatched_entries(session: Session, staff: Staff) -> list[EntryRow]:
    """The unmatched entries this staff member sees, with the suggestions they may act on."""
    records = _entries(session)
    # the import stores suggestions by invoice number (payments.statement_import)
    numbers = {
        str(s["invoice"]) for r in records for s in (r.suggestions or []) if s.get("invoice")
    }
    found: dict[str, tuple[Invoice, Customer]] = {}
    if numbers:
        for invoice, customer in session.execute(
            select(Invoice, Customer)
            .join(Customer, Customer.id == Invoice.customer_id)
            .where(Invoice.invoice_number.in_(numbers), customer_scope(staff))
        ):
            found[invoice.invoice_number] = (invoice, customer)
    rows = []
    for r in records:
        suggestions = []
        for s in r.suggestions or []:
            hit = found.get(str(s.get("invoice") or ""))
            if hit is None:
                continue
            invoice, customer = hit
            suggestions.append(
                Suggestion(
                    invoice_number=invoice.invoice_number,
                    customer_pk=customer.id,
                    customer_name=customer.name,
                    open_amount=amount_text(invoice.open_minor, invoice.currency),
                    score=float(s.get("score") or 0.0),
                    why=str(s.get("why") or ""),
                )
            )
        if limited_to_portfolio(staff) and not suggestions:
            continue
        rows.append(
            EntryRow(
                entry_id=r.id,
                booking_date=r.booking_date.isoformat(),
                amount=amount_text(r.amount_minor if r.credit else -r.amount_minor, r.currency),
                credit=r.credit and not r.reversal,
                counterparty=r.counterparty_name or "",
                iban=r.counterparty_iban or "",
                remittance=r.structured_reference or r.remittance_text or "",
                reason=r.reason or "",
                suggestions=suggestions,
            )
        )
    return rows


def count_unmatched(session: Session, staff: Staff) -> int:
    """Unmatched entries this staff member sees."""
    return len(unmatched_entries(session, staff))


@router.get("/unmatched")
def unmatched_page(request: Request, session: SessionDep) -> Response:
    """The unmatched payments with suggestions."""
    staff = staff_of(request)
    return render(
        request,
        "queue_unmatched.html",
        rows=unmatched_entries(session, staff),
        may_match=staff.may("work_customers"),
        may_ignore=staff.may("decide"),
    )


@router.post("/unmatched/{entry_id}/match")
def match(
    request: Request,
    entry_id: int,
    staff: Annotated[Staff, Depends(require("work_customers"))],
    invoice_number: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    """Match an entry to one invoice (a suggestion, or a number typed in)."""
    target = safe_back(back, PATH)
    number = invoice_number.strip()
    if not number:
        return done(target, "Give the invoice number the payment is for.")
    engine = request.app.state.engine
    with transaction(engine) as session:
        invoice = session.scalars(select(Invoice).where(Invoice.invoice_number == number)).first()
        customer = session.get(Customer, invoice.customer_id) if invoice else None
        if invoice is None or customer is None or not may_open(staff, customer):
            return done(target, "There is no such invoice in your portfolio.")
        if limited_to_portfolio(staff) and entry_id not in {
            row.entry_id for row in unmatched_entries(session, staff)
        }:
            return done(target, "The payment is no longer in the queue.")
    try:
        resolve_entry(engine, entry_id, invoices=[number], actor=staff.actor, now=now_of(request))
    except ResolveError:
        return done(target, MATCH_REFUSED)
    return done(target, "Payment matched to the invoice.")


@router.post("/unmatched/{entry_id}/ignore")
def ignore(
    request: Request,
    entry_id: int,
    staff: Annotated[Staff, Depends(require("decide"))],
    reason: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    """Take an entry out of the queue without a payment (a refund, a transfer of our own)."""
    target = safe_back(back, PATH)
    if not reason.strip():
        return done(target, "Ignoring a payment needs a reason.")
    try:
        resolve_entry(
            request.app.state.engine,
            entry_id,
            ignore_reason=reason.strip()[:400],
            actor=staff.actor,
            now=now_of(request),
        )
    except ResolveError:
        return done(target, "The payment is no longer in the queue.")
    return done(target, "Payment ignored.")
