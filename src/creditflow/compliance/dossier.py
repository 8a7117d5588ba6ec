"""The hand-over dossier: what a collection agency needs, as data and as a PDF.

Debtor and creditor, the invoices handed over with statutory interest up to the day
of the hand-over (consumer or commercial by the customer's kind, from the day after
the due date, on the open principal), costs charged, payments, the full contact
history (outbox actions and timeline events), and the evidence of the 14-day letter
(its action: date, channel, assumed delivery, the cost amount it stated).
"""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from creditflow.compliance.costs import costs_due
from creditflow.compliance.fourteen_day import (
    assumed_delivery_date,
    costs_chargeable_from,
    payment_term_end,
)
from creditflow.compliance.interest import RateTable, statutory_interest
from creditflow.config import LegalRules, Settings
from creditflow.ledger.models import Charge, ContactPoint, Customer, Event, Invoice, Payment
from creditflow.money import Money
from creditflow.outbox.clock import customer_zone, local_today
from creditflow.outbox.models import Action

__all__ = ["DOSSIER_VERSION", "build_dossier", "claim_totals", "dossier_pdf"]

DOSSIER_VERSION = 1
LETTER_CHANNELS = ("letter", "email")


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _text(minor: int, currency: str) -> str:
    return Money.of_minor(minor, currency).text()


def _invoice_row(
    invoice: Invoice, kind: str, today: date, rates: RateTable
) -> tuple[dict[str, Any], Money]:
    open_amount = Money.of_minor(invoice.open_minor, invoice.currency)
    row: dict[str, Any] = {
        "invoice_number": invoice.invoice_number,
        "issue_date": _iso(invoice.issue_date),
        "due_date": _iso(invoice.due_date),
        "currency": invoice.currency,
        "amount": _text(invoice.amount_minor, invoice.currency),
        "open_amount": open_amount.text(),
        "status": invoice.status,
        "payment_reference": invoice.payment_reference,
        "dunning_step": invoice.dunning_step,
        "interest_kind": kind,
    }
    try:
        result = statutory_interest(open_amount, invoice.due_date, today, kind, rates)
    except ValueError as exc:
        row.update(interest=None, interest_error=str(exc), interest_periods=[])
        return row, Money.zero(invoice.currency)
    row["interest"] = result.total.text()
    row["interest_periods"] = [
        {
            "from": _iso(p.start),
            "to": _iso(p.end),
            "days": p.days,
            "rate": str(p.rate),
            "base": p.base.text(),
            "amount": p.amount.text(),
        }
        for p in result.periods
    ]
    return row, result.total


def _notice_row(action: Action, customer: Customer, legal: LegalRules) -> dict[str, Any]:
    """A legal notice from the outbox; for the 14-day letter, its dates and stated costs."""
    amount_due = Money.of_minor(action.amount_due_minor, action.currency)
    sent_on = (
        action.sent_at.astimezone(customer_zone(customer)).date()
        if action.sent_at
        else action.decided_on
    )
    row: dict[str, Any] = {
        "action_id": action.action_id,
        "legal": action.legal,
        "step": action.step,
        "template": action.template,
        "channel": action.channel,
        "status": action.status,
        "decided_on": _iso(action.decided_on),
        "sent_at": _iso(action.sent_at),
        "invoices": list(action.invoice_numbers or []),
        "amount_due": amount_due.text(),
        "currency": action.currency,
    }
    if action.legal == "wik_notice" and action.currency == "EUR" and amount_due.amount > 0:
        count = max(len(action.invoice_numbers or []), 1)
        stated = costs_due(customer.kind, amount_due, count, legal)
        if stated is not None:
            row["costs_stated"] = stated.amount.text()
        if action.channel in LETTER_CHANNELS:
            delivered = assumed_delivery_date(sent_on, action.channel)
            row["assumed_delivery"] = _iso(delivered)
            row["payment_term_ends"] = _iso(payment_term_end(delivered))
            row["costs_chargeable_from"] = _iso(costs_chargeable_from(delivered))
    return row


def _creditor(settings: Settings) -> dict[str, Any]:
    org = settings.organisation
    return {
        "name": org.name,
        "iban": org.iban,
        "bic": org.bic,
        "address_line1": org.address_line1,
        "postal_code": org.postal_code,
        "city": org.city,
        "country": org.country,
        "email": org.email,
        "phone": org.phone,
        "chamber_of_commerce": org.chamber_of_commerce,
        "vat_number": org.vat_number,
    }


def _debtor(session: Session, customer: Customer) -> dict[str, Any]:
    points = session.scalars(
        select(ContactPoint)
        .where(ContactPoint.customer_id == customer.id)
        .order_by(ContactPoint.id)
    )
    return {
        "customer_id": customer.customer_id,
        "name": customer.name,
        "kind": customer.kind,
        "language": customer.language,
        "country": customer.country,
        "timezone": customer.timezone,
        "address_line1": customer.address_line1,
        "address_line2": customer.address_line2,
        "postal_code": customer.postal_code,
        "city": customer.city,
        "iban": customer.iban,
        "contact_points": [
            {"channel": p.channel, "address": p.address, "valid": p.valid, "opted_out": p.opted_out}
            for p in points
        ],
    }


def _claim(
    session: Session, customer: Customer, invoice_ids: list[int], today: date, table: RateTable
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, str]]]:
    """The invoices handed over (with interest), the customer's charges, and the totals."""
    kind = "consumer" if customer.kind == "consumer" else "commercial"
    zero: dict[str, Money] = {}
    totals: dict[str, dict[str, Money]] = {}

    def bucket(currency: str) -> dict[str, Money]:
        zero.setdefault(currency, Money.zero(currency))
        return totals.setdefault(
            currency,
            {"principal": zero[currency], "costs": zero[currency], "interest": zero[currency]},
        )

    invoices = []
    for invoice in session.scalars(
        select(Invoice)
        .where(Invoice.id.in_(invoice_ids))
        .options(joinedload(Invoice.dunning))  # each row's last step, in the same query
        .order_by(Invoice.due_date, Invoice.id)
    ):
        row, interest = _invoice_row(invoice, kind, today, table)
        invoices.append(row)
        total = bucket(invoice.currency)
        total["principal"] = total["principal"] + Money.of_minor(
            invoice.open_minor, invoice.currency
        )
        total["interest"] = total["interest"] + interest
    charges = []
    for charge in session.scalars(
        select(Charge)
        .where(Charge.customer_id == customer.id)
        .order_by(Charge.charged_on, Charge.id)
    ):
        charges.append(
            {
                "kind": charge.kind,
                "amount": _text(charge.amount_minor, charge.currency),
                "open_amount": _text(charge.open_minor, charge.currency),
                "currency": charge.currency,
                "charged_on": _iso(charge.charged_on),
                "description": charge.description,
                "action_id": charge.action_id,
            }
        )
        if charge.open_minor > 0:
            total = bucket(charge.currency)
            key = "interest" if charge.kind == "interest" else "costs"
            total[key] = total[key] + Money.of_minor(charge.open_minor, charge.currency)
    summed = [
        {
            "currency": currency,
            **{k: v.text() for k, v in parts.items()},
            "total": (parts["principal"] + parts["costs"] + parts["interest"]).text(),
        }
        for currency, parts in sorted(totals.items())
    ]
    return invoices, charges, summed


def claim_totals(
    session: Session,
    customer: Customer,
    invoice_ids: list[int],
    now: datetime,
    *,
    rates: RateTable | None = None,
) -> tuple[list[str], list[dict[str, str]]]:
    """The dossier's invoice numbers and totals, without the rest of the dossier."""
    invoices, _, totals = _claim(
        session, customer, invoice_ids, local_today(customer, now), rates or RateTable.load()
    )
    return [row["invoice_number"] for row in invoices], totals


def build_dossier(
    session: Session,
    settings: Settings,
    customer: Customer,
    invoice_ids: list[int],
    now: datetime,
    *,
    target: str,
    rates: RateTable | None = None,
) -> dict[str, Any]:
    """Everything about the claim, as JSON-ready data (amounts as text, dates ISO)."""
    today = local_today(customer, now)
    invoices, charges, totals = _claim(
        session, customer, invoice_ids, today, rates or RateTable.load()
    )
    payments = [
        {
            "payment_id": p.payment_id,
            "amount": _text(p.amount_minor, p.currency),
            "currency": p.currency,
            "paid_at": _iso(p.paid_at),
            "reference": p.reference,
            "method": p.method,
            "reversed": p.reversed_at is not None,
        }
        for p in session.scalars(
            select(Payment).where(Payment.customer_id == customer.id).order_by(Payment.paid_at)
        )
    ]
    actions = list(
        session.scalars(
            select(Action)
            .where(Action.customer_id == customer.id)
            .order_by(Action.created_at, Action.id)
        )
    )
    events = session.scalars(
        select(Event).where(Event.customer_id == customer.id).order_by(Event.occurred_at, Event.id)
    )
    return {
        "dossier_version": DOSSIER_VERSION,
        "created_at": _iso(now),
        "as_of": _iso(today),
        "target": target,
        "creditor": _creditor(settings),
        "debtor": _debtor(session, customer),
        "invoice_numbers": [row["invoice_number"] for row in invoices],
        "invoices": invoices,
        "charges": charges,
        "payments": payments,
        "totals": totals,
        "legal_notices": [_notice_row(a, customer, settings.legal) for a in actions if a.legal],
        "contact_history": {
            "actions": [
                {
                    "action_id": a.action_id,
                    "decided_on": _iso(a.decided_on),
                    "kind": a.kind,
                    "channel": a.channel,
                    "step": a.step,
                    "template": a.template,
                    "status": a.status,
                    "status_reason": a.status_reason,
                    "scheduled_at": _iso(a.scheduled_at),
                    "sent_at": _iso(a.sent_at),
                    "invoices": list(a.invoice_numbers or []),
                }
                for a in actions
            ],
            "events": [
                {
                    "occurred_at": _iso(e.occurred_at),
                    "kind": e.kind,
                    "channel": e.channel,
                    "direction": e.direction,
                    "summary": e.summary,
                }
                for e in events
            ],
        },
    }


# (heading, where in the dossier, [(column label, key)])
PDF_TABLES: tuple[tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]], ...] = (
    ("Claim", ("totals",), (("currency", "currency"), ("principal", "principal"),
                            ("costs", "costs"), ("interest", "interest"), ("total", "total"))),
    ("Invoices", ("invoices",), (("invoice", "invoice_number"), ("issued", "issue_date"),
                                 ("due", "due_date"), ("currency", "currency"),
                                 ("amount", "amount"), ("open", "open_amount"),
                                 ("interest", "interest"), ("last step", "dunning_step"))),
    ("Costs and charges", ("charges",), (("kind", "kind"), ("charged on", "charged_on"),
                                         ("currency", "currency"), ("amount", "amount"),
                                         ("open", "open_amount"), ("description", "description"))),
    ("Legal notices (14-day letter)", ("legal_notices",), (
        ("notice", "legal"), ("channel", "channel"), ("decided", "decided_on"),
        ("sent", "sent_at"), ("delivered (assumed)", "assumed_delivery"),
        ("term ends", "payment_term_ends"), ("amount due", "amount_due"),
        ("costs stated", "costs_stated"))),
    ("Payments", ("payments",), (("payment", "payment_id"), ("paid at", "paid_at"),
                                 ("currency", "currency"), ("amount", "amount"),
                                 ("reference", "reference"))),
    ("Contact history", ("contact_history", "actions"), (
        ("decided", "decided_on"), ("kind", "kind"), ("channel", "channel"), ("step", "step"),
        ("status", "status"), ("reason", "status_reason"), ("sent", "sent_at"))),
    ("Timeline", ("contact_history", "events"), (
        ("when", "occurred_at"), ("event", "kind"), ("channel", "channel"),
        ("direction", "direction"), ("summary", "summary"))),
)  # fmt: skip


def dossier_pdf(dossier: dict[str, Any]) -> bytes:
    """The dossier as a PDF (A4, tables), for the agency's file and the court."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    small = ParagraphStyle("cell", parent=styles["BodyText"], fontSize=7.5, leading=9)
    grid_style = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )
    debtor, creditor = dossier["debtor"], dossier["creditor"]
    title = f"Dossier {debtor['customer_id']}: hand-over to {dossier['target']}"
    story: list[Any] = [Paragraph(escape(title), styles["Title"])]

    def para(*parts: Any) -> None:
        text = ", ".join(str(p) for p in parts if p)
        story.append(Paragraph(escape(text), styles["BodyText"]))

    def heading(text: str) -> None:
        story.extend([Spacer(1, 4 * mm), Paragraph(escape(text), styles["Heading2"])])

    para(f"Made on {dossier['created_at']} (claim as of {dossier['as_of']})")
    heading("Creditor")
    para(*(creditor[k] for k in ("name", "address_line1", "postal_code", "city", "iban")))
    heading("Debtor")
    para(f"{debtor['name']} ({debtor['kind']}), customer {debtor['customer_id']}")
    para(*(debtor[k] for k in ("address_line1", "address_line2", "postal_code", "city", "country")))
    for point in debtor["contact_points"]:
        para(
            f"{point['channel']}: {point['address']}"
            + (" (opted out)" if point["opted_out"] else "")
        )
    for label, path, columns in PDF_TABLES:
        heading(label)
        items: Any = dossier
        for key in path:
            items = items[key]
        if not items:
            para("none")
            continue
        rows = [[name for name, _ in columns]] + [
            ["" if item.get(key) is None else str(item[key]) for _, key in columns]
            for item in items
        ]
        grid = Table([[Paragraph(escape(c), small) for c in r] for r in rows], repeatRows=1)
        grid.setStyle(grid_style)
        story.append(grid)
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
        bottomMargin=15 * mm, title=f"Dossier {debtor['customer_id']}",
        author=str(creditor["name"]), invariant=True,
    ).build(story)  # fmt: skip
    return buffer.getvalue()
