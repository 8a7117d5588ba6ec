"""What the Moneybird sync remembers: the version seen per record, the payments pushed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from creditflow.ledger import models as _ledger_tables  # noqa: F401 - tables its foreign keys name
from creditflow.models import Base, UtcDateTime, utcnow


class MoneybirdRecord(Base):
    """A contact or sales invoice imported from Moneybird, at the version last imported."""

    __tablename__ = "moneybird_record"
    __table_args__ = (UniqueConstraint("kind", "moneybird_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # contact | sales_invoice
    moneybird_id: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(BigInteger)
    # creditflow's key of the row: customer.customer_id or invoice.invoice_number
    local_key: Mapped[str] = mapped_column(String(64))
    synced_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class MoneybirdPayment(Base):
    """One allocation of a creditflow payment, registered on its Moneybird invoice once."""

    __tablename__ = "moneybird_payment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    allocation_id: Mapped[int] = mapped_column(ForeignKey("allocation.id"), unique=True)
    sales_invoice_id: Mapped[str] = mapped_column(String(32))
    key: Mapped[str] = mapped_column(String(64), unique=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    moneybird_payment_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    pushed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
