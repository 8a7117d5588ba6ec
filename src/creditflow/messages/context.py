"""What a message is about: plain, frozen data handed to the renderer.

Everything a template may show is here, already decided by the collection run:
the renderer formats and words it, it never computes amounts or reads a clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from creditflow.money import Money

__all__ = ["CUSTOMER_KINDS", "Creditor", "InvoiceLine", "MessageContext"]

CUSTOMER_KINDS = ("consumer", "business")


@dataclass(frozen=True, kw_only=True)
class Creditor:
    """The organisation that is owed the money: letterhead and contact details."""

    name: str
    iban: str
    address_lines: tuple[str, ...] = ()
    postal_code: str = ""
    city: str = ""
    country: str = "NL"
    bic: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    chamber_of_commerce: str | None = None
    vat_number: str | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("creditor.name is empty")
        if not self.iban.strip():
            raise ValueError("creditor.iban is empty")
        object.__setattr__(self, "address_lines", tuple(self.address_lines))


@dataclass(frozen=True, kw_only=True)
class InvoiceLine:
    """One open invoice as the debtor sees it in a message."""

    invoice_number: str
    issue_date: date
    due_date: date
    amount: Money
    open_amount: Money
    description: str = ""

    def __post_init__(self) -> None:
        if not self.invoice_number.strip():
            raise ValueError("invoice_number is empty")
        if self.amount.currency != self.open_amount.currency:
            raise ValueError(
                f"invoice {self.invoice_number}: amount is {self.amount.currency} "
                f"but open_amount is {self.open_amount.currency}"
            )


@dataclass(frozen=True, kw_only=True)
class MessageContext:
    """Everything one message to one customer needs.

    `amount_due` is what the debtor is asked to pay now (for a payment plan: the
    instalment). `costs` are collection costs: charged when included in
    `amount_due`, and in the fourteen_day_letter the exact amount announced as the
    consequence of not paying. `extra` carries template-specific values:

    - promise_confirmation / promise_broken: promise_date (date), promise_amount (Money)
    - payment_plan_installment_due / payment_plan_missed: installment_number,
      installment_count (int), installment_due_date (date), plan_remaining (Money, optional)
    - dispute_received: dispute_reference (str)
    - payment_thanks: paid_amount (Money); `amount_due` is what is still open
    - fourteen_day_letter: costs_include_vat (bool, optional)
    - access_code: code (str), expires_minutes (int)
    - conversation_reply: text (str, the assistant's answer)
    - pay_link and opt_out_confirmation need nothing extra (`pay_url`, the channel)

    `pay_short_url` and `portal_short_url` are the short links (/l/K7QM-4XPD) of the
    same pages: SMS, WhatsApp and letters show them instead of the signed links.
    """

    creditor: Creditor
    customer_id: str
    customer_name: str
    customer_kind: str
    language: str
    tone: str
    invoices: Sequence[InvoiceLine]
    amount_due: Money
    pay_url: str
    portal_url: str
    today: date
    address_lines: Sequence[str] = ()
    costs: Money | None = None
    interest: Money | None = None
    payment_reference: str | None = None
    opt_out_url: str | None = None
    step: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    pay_short_url: str | None = None
    portal_short_url: str | None = None

    def __post_init__(self) -> None:
        if self.customer_kind not in CUSTOMER_KINDS:
            raise ValueError(
                f"customer_kind {self.customer_kind!r} is not one of {', '.join(CUSTOMER_KINDS)}"
            )
        if not self.customer_name.strip():
            raise ValueError(f"customer {self.customer_id}: customer_name is empty")
        currency = self.amount_due.currency
        for invoice in self.invoices:
            if invoice.open_amount.currency != currency:
                raise ValueError(
                    f"invoice {invoice.invoice_number} is in {invoice.open_amount.currency}, "
                    f"amount_due is in {currency}"
                )
        for name in ("costs", "interest"):
            value = getattr(self, name)
            if value is not None and value.currency != currency:
                raise ValueError(f"{name} is in {value.currency}, amount_due is in {currency}")
        object.__setattr__(self, "invoices", tuple(self.invoices))
        object.__setattr__(self, "address_lines", tuple(self.address_lines))
        object.__setattr__(self, "extra", MappingProxyType(dict(self.extra)))

    @property
    def open_total(self) -> Money:
        """Sum of the open amounts of the invoices in this message."""
        total = Money.zero(self.amount_due.currency)
        for invoice in self.invoices:
            total = total + invoice.open_amount
        return total
