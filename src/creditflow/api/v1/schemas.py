"""The v1 request and response bodies: amounts are decimal strings beside their currency."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from creditflow.money import from_minor


class MoneyOut(BaseModel):
    """An amount as a decimal string (never a float) with its ISO 4217 currency."""

    amount: str = Field(examples=["1250.00"])
    currency: str = Field(examples=["EUR"])


def money(minor: int, currency: str) -> MoneyOut:
    """Minor units as a MoneyOut."""
    return MoneyOut(amount=str(from_minor(minor, currency)), currency=currency)


class Strict(BaseModel):
    """A request body: unknown fields are refused, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class CustomerIn(Strict):
    """A customer, created or replaced by its own `customer_id` (the CSV import's columns)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "customer_id": "C-1001",
                    "name": "Bakkerij de Vries",
                    "kind": "business",
                    "email": "administratie@devries.example",
                    "phone": "+31201234567",
                    "country": "NL",
                    "language": "nl",
                    "postal_code": "1011 AB",
                    "city": "Amsterdam",
                    "tags": ["horeca"],
                }
            ]
        },
    )
    customer_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["consumer", "business"]
    language: str | None = None
    country: str | None = None
    timezone: str | None = None
    email: str | None = None
    phone: str | None = None
    whatsapp: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    iban: str | None = None
    preferred_channel: str | None = None
    opt_out: list[str] = Field(default_factory=list, examples=[["sms"]])
    segment: str | None = None
    tags: list[str] = Field(default_factory=list)

    def row(self) -> dict[str, str | None]:
        """The values as an import row (text; lists joined with `;`)."""
        values: dict[str, Any] = self.model_dump()
        values["opt_out"] = ";".join(self.opt_out) or None
        values["tags"] = ";".join(self.tags) or None
        return values


class ContactPointOut(BaseModel):
    """How the customer is reached on one channel."""

    channel: str
    address: str
    valid: bool
    opted_out: bool


class CustomerOut(BaseModel):
    """A customer as stored."""

    customer_id: str
    name: str
    kind: str
    language: str
    country: str
    timezone: str
    address_line1: str | None
    address_line2: str | None
    postal_code: str | None
    city: str | None
    iban: str | None
    preferred_channel: str | None
    opt_out: list[str]
    segment: str | None
    tags: list[str]
    do_not_contact: str | None
    credit: MoneyOut
    contact_points: list[ContactPointOut]
    updated_at: datetime


class InvoiceIn(Strict):
    """An invoice, created or replaced by its `invoice_number` (the CSV import's columns)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "invoice_number": "2026-0042",
                    "customer_id": "C-1001",
                    "issue_date": "2026-03-01",
                    "due_date": "2026-03-31",
                    "amount": "1250.00",
                    "currency": "EUR",
                    "description": "March delivery",
                }
            ]
        },
    )
    invoice_number: str = Field(min_length=1, max_length=64)
    customer_id: str = Field(min_length=1, max_length=64)
    issue_date: date
    due_date: date
    amount: str = Field(description="Decimal string with a dot, e.g. 1250.00", examples=["1250.00"])
    currency: str | None = Field(default=None, examples=["EUR"])
    open_amount: str | None = None
    status: Literal["open", "disputed", "paid", "written_off"] | None = None
    dispute_reason: str | None = None
    description: str | None = None
    payment_reference: str | None = None
    paid_date: date | None = None

    def row(self) -> dict[str, str | None]:
        """The values as an import row (text)."""
        return {k: (None if v is None else str(v)) for k, v in self.model_dump().items()}


class InvoiceOut(BaseModel):
    """An invoice as stored: amount, what is still open, status."""

    invoice_number: str
    customer_id: str
    issue_date: date
    due_date: date
    amount: MoneyOut
    open: MoneyOut
    status: str
    dispute_reason: str | None
    description: str | None
    payment_reference: str
    paid_date: date | None
    updated_at: datetime


class PaymentIn(Strict):
    """A payment received, recorded once by its `payment_id` and allocated to invoices."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "payment_id": "BANK-2026-03-15-0007",
                    "amount": "250.00",
                    "currency": "EUR",
                    "paid_at": "2026-03-15T09:30:00+01:00",
                    "invoice_number": "2026-0042",
                }
            ]
        },
    )
    payment_id: str = Field(min_length=1, max_length=128)
    amount: str = Field(examples=["250.00"])
    paid_at: str = Field(description="A date or an ISO 8601 date-time", examples=["2026-03-15"])
    currency: str | None = None
    customer_id: str | None = None
    invoice_number: str | None = None
    reference: str | None = None
    method: str | None = None

    def row(self) -> dict[str, str | None]:
        """The values as an import row (text)."""
        return dict(self.model_dump())


class AllocationOut(BaseModel):
    """Part of a payment set against an invoice (or a charge)."""

    invoice_number: str | None
    amount: MoneyOut
    rule: str


class PaymentOut(BaseModel):
    """A recorded payment and where it went."""

    payment_id: str
    customer_id: str | None
    amount: MoneyOut
    paid_at: datetime
    reference: str | None
    invoice_number: str | None
    method: str | None
    source: str
    unallocated: MoneyOut
    reversed_at: datetime | None
    allocations: list[AllocationOut]


class CreditNoteOut(BaseModel):
    """A credit note set against an invoice (from a UBL CreditNote)."""

    credit_note_number: str
    customer_id: str
    invoice_number: str
    issue_date: date
    amount: MoneyOut
    applied: MoneyOut
    source: str


class PromiseOut(BaseModel):
    """A promise to pay."""

    id: int
    customer_id: str
    promised_date: date
    amount: MoneyOut | None
    status: str
    source: str
    created_at: datetime
    closed_at: datetime | None


class DisputeOut(BaseModel):
    """A dispute about an invoice."""

    id: int
    customer_id: str
    invoice_number: str
    reason: str
    text: str | None
    status: str
    source: str
    opened_at: datetime
    closed_at: datetime | None


class BulkItemOut(BaseModel):
    """The outcome of one item of a bulk request: its result or its errors."""

    index: int
    key: str
    result: Literal["imported", "updated", "unchanged", "rejected"]
    errors: list[dict[str, str]] = Field(default_factory=list)


class BulkOut(BaseModel):
    """Per-item outcomes of a bulk request, and the counts."""

    imported: int
    updated: int
    unchanged: int
    rejected: int
    items: list[BulkItemOut]


class UblRejectOut(BaseModel):
    """A UBL document that was not taken, with the reason."""

    document: str
    number: str
    line: int | None
    error: str


class UblOut(BaseModel):
    """The outcome of a UBL import."""

    imported: int
    updated: int
    unchanged: int
    rejected: int
    warnings: list[str]
    rejects: list[UblRejectOut]
