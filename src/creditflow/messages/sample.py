"""A built-in sample customer, for template previews and tests."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from creditflow.messages.context import Creditor, InvoiceLine, MessageContext
from creditflow.money import Money

__all__ = ["SAMPLE_CREDITOR", "sample_context", "sample_extra"]

SAMPLE_CREDITOR = Creditor(
    name="Voorbeeld Installatietechniek B.V.",
    iban="NL91ABNA0417164300",
    bic="ABNANL2A",
    address_lines=("Keizersgracht 123",),
    postal_code="1015 CJ",
    city="Amsterdam",
    country="NL",
    email="debiteuren@voorbeeld-installatie.nl",
    phone="020 123 4567",
    website="www.voorbeeld-installatie.nl",
    chamber_of_commerce="12345678",
    vat_number="NL001234567B01",
)


def _eur(text: str) -> Money:
    return Money(Decimal(text), "EUR")


def sample_extra(template: str, today: date) -> dict[str, Any]:
    """The template-specific values a template needs, with plausible sample values."""
    if template in ("promise_confirmation", "promise_broken"):
        offset = 7 if template == "promise_confirmation" else -3
        return {"promise_date": today + timedelta(days=offset), "promise_amount": _eur("412.50")}
    if template in ("payment_plan_installment_due", "payment_plan_missed"):
        offset = 5 if template == "payment_plan_installment_due" else -4
        return {
            "installment_number": 2,
            "installment_count": 4,
            "installment_due_date": today + timedelta(days=offset),
            "plan_remaining": _eur("206.26"),
        }
    if template == "dispute_received":
        return {"dispute_reference": "GS-2026-0042"}
    if template == "payment_thanks":
        return {"paid_amount": _eur("250.00")}
    if template == "access_code":
        return {"code": "482913", "expires_minutes": 10}
    if template == "final_notice_business":
        return {"costs_basis": "flat_40", "costs_per_invoice": _eur("40.00")}
    if template == "conversation_reply":
        return {"text": "Thank you, we have noted that you will pay on Friday."}
    return {}


def sample_context(
    template: str,
    language: str = "nl",
    tone: str = "neutral",
    *,
    today: date = date(2026, 3, 2),
    customer_name: str = "J. de Vries",
    customer_kind: str = "consumer",
) -> MessageContext:
    """A consumer with two overdue invoices, ready for any template."""
    invoices = (
        InvoiceLine(
            invoice_number="INV-2026-1001",
            issue_date=today - timedelta(days=44),
            due_date=today - timedelta(days=30),
            amount=_eur("250.00"),
            open_amount=_eur("250.00"),
            description="Onderhoud cv-ketel",
        ),
        InvoiceLine(
            invoice_number="INV-2026-1002",
            issue_date=today - timedelta(days=30),
            due_date=today - timedelta(days=16),
            amount=_eur("162.50"),
            open_amount=_eur("162.50"),
            description="Vervanging thermostaat",
        ),
    )
    amount_due = _eur("412.50")
    costs = None
    if template == "fourteen_day_letter":
        costs = _eur("61.88")
    if template == "final_notice_business":
        costs = _eur("80.00")  # EUR 40 per invoice, art. 6:96 lid 4 BW
    if template in ("payment_plan_installment_due", "payment_plan_missed"):
        amount_due = _eur("103.13")
    if template == "payment_thanks":
        amount_due = _eur("162.50")
    return MessageContext(
        creditor=SAMPLE_CREDITOR,
        customer_id="C-1042",
        customer_name=customer_name,
        customer_kind=customer_kind,
        language=language,
        tone=tone,
        address_lines=("Dorpsstraat 12", "3512 AB Utrecht"),
        invoices=invoices,
        amount_due=amount_due,
        costs=costs,
        payment_reference="RF69C1042026",
        pay_url="https://pay.voorbeeld-installatie.nl/p/7Kq2xW9a",
        opt_out_url="https://mijn.voorbeeld-installatie.nl/afmelden/7Kq2xW9a",
        portal_url="https://mijn.voorbeeld-installatie.nl/",
        today=today,
        step="sample",
        extra=sample_extra(template, today),
    )
