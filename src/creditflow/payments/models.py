"""Bank statement entries, the unmatched queue, and payment requests at providers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from creditflow.models import Base, JsonType, UtcDateTime, utcnow


class StatementEntryRecord(Base):
    """One entry of an imported bank statement and what became of it."""

    __tablename__ = "statement_entry"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_key: Mapped[str] = mapped_column(String(200), unique=True)
    statement_id: Mapped[str | None] = mapped_column(String(200))
    source_file: Mapped[str | None] = mapped_column(String(400))
    account_iban: Mapped[str | None] = mapped_column(String(34))
    booking_date: Mapped[date] = mapped_column(Date)
    value_date: Mapped[date | None] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    credit: Mapped[bool] = mapped_column(Boolean)
    reversal: Mapped[bool] = mapped_column(Boolean, default=False)
    counterparty_name: Mapped[str | None] = mapped_column(String(200))
    counterparty_iban: Mapped[str | None] = mapped_column(String(34))
    end_to_end_id: Mapped[str | None] = mapped_column(String(140))
    remittance_text: Mapped[str | None] = mapped_column(Text)
    structured_reference: Mapped[str | None] = mapped_column(String(140))
    status: Mapped[str] = mapped_column(String(16))  # matched unmatched reversed resolved ignored
    rule: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(String(400))
    suggestions: Mapped[list[dict[str, Any]]] = mapped_column(JsonType, default=list)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))
    imported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(128))


class PaymentRequest(Base):
    """A payment started at a provider (Mollie, Tikkie, sandbox) from the pay page."""

    __tablename__ = "payment_request"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(32))
    provider_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    invoice_ids: Mapped[list[int]] = mapped_column(JsonType, default=list)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default="open")
    # open pending paid failed expired canceled
    checkout_url: Mapped[str | None] = mapped_column(String(1000))
    method: Mapped[str | None] = mapped_column(String(32))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payment.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CombinedReference(Base):
    """One structured reference for a message about several invoices (its EPC QR code).

    A bank transfer quoting it is matched back to every invoice the message named.
    """

    __tablename__ = "combined_reference"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(35), unique=True)
    action_id: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    invoice_ids: Mapped[list[int]] = mapped_column(JsonType, default=list)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
