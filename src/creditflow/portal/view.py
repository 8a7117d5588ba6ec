"""What the portal shows a debtor: open invoices, costs, interest, payments, arrangements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.arrangements.models import DisputeAttachment
from creditflow.arrangements.rules import Installment
from creditflow.arrangements.service import (
    active_plan,
    active_promise,
    disputed_invoice_pks,
    open_invoices,
    plan_schedule_of,
)
from creditflow.compliance.interest import RateTable, statutory_interest
from creditflow.inbound.models import ConversationMessage
from creditflow.ledger.models import Charge, Customer, Dispute, Invoice, Payment
from creditflow.money import Money
from creditflow.portal.policy import PortalPolicy


@dataclass(frozen=True)
class InvoiceRow:
    """One open invoice as the portal lists it."""

    invoice_number: str
    issue_date: date
    due_date: date
    amount: Money
    open_amount: Money
    interest: Money | None
    state: str  # open overdue disputed promised plan
    has_pdf: bool
    description: str


@dataclass(frozen=True)
class DisputeRow:
    """An open or closed dispute with its attachments (id, file name)."""

    invoice_number: str
    reason: str
    text: str
    status: str
    attachments: list[tuple[int, str]]


@dataclass
class PortalView:
    """Everything the portal page needs for one customer."""

    customer: Customer
    invoices: list[InvoiceRow]
    totals: list[Money]
    costs: list[Money]
    payments: list[tuple[date, Money]]
    promise_date: date | None
    plan: list[Installment] = field(default_factory=list)
    disputes: list[DisputeRow] = field(default_factory=list)
    chat: list[ConversationMessage] = field(default_factory=list)


@lru_cache(maxsize=1)
def _rates() -> RateTable:
    return RateTable.load()


def invoice_pdf_path(policy: PortalPolicy, invoice_number: str) -> Path | None:
    """The organisation's PDF of an invoice, if it supplied one (never outside the folder)."""
    folder = policy.invoice_pdf_dir
    if folder is None or "/" in invoice_number or "\\" in invoice_number:
        return None
    path = folder / f"{invoice_number}.pdf"
    if path.name.startswith(".") or path.resolve().parent != folder.resolve():
        return None
    return path if path.is_file() else None


def interest_on(customer: Customer, invoice: Invoice, today: date) -> Money | None:
    """Statutory interest on the open amount since the due date (None when none is due)."""
    kind = "consumer" if customer.kind == "consumer" else "commercial"
    principal = Money.of_minor(invoice.open_minor, invoice.currency)
    try:
        result = statutory_interest(principal, invoice.due_date, today, kind, _rates())
    except (ValueError, LookupError):
        return None
    return result.total if result.total.amount > 0 else None


def _totals(amounts: list[Money]) -> list[Money]:
    sums: dict[str, Money] = {}
    for amount in amounts:
        sums[amount.currency] = sums.get(amount.currency, Money.zero(amount.currency)) + amount
    return [sums[c] for c in sorted(sums)]


def portal_view(
    session: Session, customer: Customer, today: date, policy: PortalPolicy
) -> PortalView:
    """Read the portal page for a customer on `today`."""
    promise = active_promise(session, customer.id)
    plan = active_plan(session, customer.id)
    disputed = disputed_invoice_pks(session, customer.id)
    promised: set[int] = set()
    planned: set[int] = set()
    if promise is not None:
        from creditflow.ledger.models import promise_invoice

        promised = set(
            session.scalars(
                select(promise_invoice.c.invoice_id).where(
                    promise_invoice.c.promise_id == promise.id
                )
            )
        )
    if plan is not None:
        from creditflow.ledger.models import plan_invoice

        planned = set(
            session.scalars(
                select(plan_invoice.c.invoice_id).where(plan_invoice.c.plan_id == plan.id)
            )
        )
    rows = []
    for inv in open_invoices(session, customer.id):
        if inv.id in disputed or inv.status == "disputed":
            state = "disputed"
        elif inv.id in planned:
            state = "plan"
        elif inv.id in promised:
            state = "promised"
        else:
            state = "overdue" if inv.due_date < today else "open"
        rows.append(
            InvoiceRow(
                invoice_number=inv.invoice_number,
                issue_date=inv.issue_date,
                due_date=inv.due_date,
                amount=Money.of_minor(inv.amount_minor, inv.currency),
                open_amount=Money.of_minor(inv.open_minor, inv.currency),
                interest=interest_on(customer, inv, today) if state == "overdue" else None,
                state=state,
                has_pdf=invoice_pdf_path(policy, inv.invoice_number) is not None,
                description=inv.description or "",
            )
        )
    charges = session.scalars(
        select(Charge).where(Charge.customer_id == customer.id, Charge.open_minor > 0)
    )
    costs = _totals([Money.of_minor(c.open_minor, c.currency) for c in charges])
    payments = [
        (p.paid_at.date(), Money.of_minor(p.amount_minor, p.currency))
        for p in session.scalars(
            select(Payment)
            .where(Payment.customer_id == customer.id, Payment.reversed_at.is_(None))
            .order_by(Payment.paid_at.desc())
            .limit(5)
        )
    ]
    return PortalView(
        customer=customer,
        invoices=rows,
        totals=_totals([r.open_amount for r in rows]),
        costs=costs,
        payments=payments,
        promise_date=promise.promised_date if promise else None,
        plan=plan_schedule_of(session, plan) if plan else [],
        disputes=_disputes(session, customer),
        chat=list(
            reversed(
                list(
                    session.scalars(
                        select(ConversationMessage)
                        .where(
                            ConversationMessage.customer_id == customer.id,
                            ConversationMessage.channel == "chat",
                        )
                        .order_by(ConversationMessage.id.desc())
                        .limit(10)
                    )
                )
            )
        ),
    )


def _disputes(session: Session, customer: Customer) -> list[DisputeRow]:
    rows = session.execute(
        select(Dispute, Invoice.invoice_number)
        .join(Invoice, Invoice.id == Dispute.invoice_id)
        .where(Dispute.customer_id == customer.id)
        .order_by(Dispute.id.desc())
        .limit(20)
    ).all()
    out = []
    for dispute, number in rows:
        files = session.execute(
            select(DisputeAttachment.id, DisputeAttachment.filename).where(
                DisputeAttachment.dispute_id == dispute.id
            )
        ).all()
        out.append(
            DisputeRow(
                number,
                dispute.reason,
                dispute.text or "",
                dispute.status,
                [(f.id, f.filename) for f in files],
            )
        )
    return out


def attachment_for(
    session: Session, customer: Customer, attachment_id: int
) -> DisputeAttachment | None:
    """A dispute attachment, only when it belongs to this customer's dispute."""
    return session.scalars(
        select(DisputeAttachment)
        .join(Dispute, Dispute.id == DisputeAttachment.dispute_id)
        .where(DisputeAttachment.id == attachment_id, Dispute.customer_id == customer.id)
    ).first()
