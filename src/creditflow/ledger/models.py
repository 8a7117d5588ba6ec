"""Ledger store: the creditor, customers, contact points, invoices and money movements."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from creditflow.models import Base, JsonType, UtcDateTime, utcnow
from creditflow.staff import models as _staff_tables  # noqa: F401 - customer.collector_id


class OrganisationRecord(Base):
    """The creditor (one row): name, bank account, address, sender identities."""

    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    iban: Mapped[str | None] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    address: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    sender: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    default_language: Mapped[str] = mapped_column(String(2), default="nl")
    default_country: Mapped[str] = mapped_column(String(2), default="NL")
    link_secret: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Customer(Base):
    """A debtor: a consumer or a business that owes the creditor money."""

    __tablename__ = "customer"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10))  # consumer | business
    language: Mapped[str] = mapped_column(String(2))
    country: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    address_line1: Mapped[str | None] = mapped_column(String(200))
    address_line2: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(100))
    iban: Mapped[str | None] = mapped_column(String(34), index=True)
    preferred_channel: Mapped[str | None] = mapped_column(String(10))
    opt_out: Mapped[list[str]] = mapped_column(JsonType, default=list)
    segment: Mapped[str | None] = mapped_column(String(64))
    tags: Mapped[list[str]] = mapped_column(JsonType, default=list)
    do_not_contact: Mapped[str | None] = mapped_column(String(32))
    preferred_hour: Mapped[int | None] = mapped_column(Integer)
    risk: Mapped[float] = mapped_column(default=0.0)
    credit_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    credit_currency: Mapped[str] = mapped_column(String(3), default="EUR")
    # The collector whose portfolio this customer is in (None: anyone's).
    collector_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_user.id", ondelete="SET NULL"), index=True
    )
    # Dunning paused by a person until this day (inclusive); the run and the pre-send
    # re-check honour it (`strategy.pause`).
    paused_until: Mapped[date | None] = mapped_column(Date)
    row_hash: Mapped[str | None] = mapped_column(String(64))
    pseudonymised_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class ContactPoint(Base):
    """How to reach a customer on one channel, with validity and opt-out."""

    __tablename__ = "contact_point"
    __table_args__ = (UniqueConstraint("customer_id", "channel", "address"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))  # email sms whatsapp voice letter push
    address: Mapped[str] = mapped_column(String(400))
    valid: Mapped[bool] = mapped_column(Boolean, default=True)
    invalid_reason: Mapped[str | None] = mapped_column(String(200))
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(32), default="import")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


# The workbench's customer list is read by name, a page at a time.
Index("ix_customer_name", Customer.name, Customer.id)
Index("ix_contact_point_customer", ContactPoint.customer_id)
Index("ix_customer_segment", Customer.segment)


class Consent(Base):
    """The consent register: every consent given or withdrawn, with source and time."""

    __tablename__ = "consent"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    granted: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(64))  # import, portal, sms reply, ...
    evidence: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Invoice(Base):
    """An invoice on the debtors ledger, with its open amount and dunning level."""

    __tablename__ = "invoice"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_number: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    issue_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    open_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12))  # open disputed paid written_off
    dispute_reason: Mapped[str | None] = mapped_column(String(400))
    description: Mapped[str | None] = mapped_column(String(400))
    payment_reference: Mapped[str] = mapped_column(String(35), index=True)
    paid_on: Mapped[date | None] = mapped_column(Date)
    row_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    dunning: Mapped[InvoiceDunning | None] = relationship(lazy="select", viewonly=True)

    @property
    def dunning_level(self) -> int:
        """The highest dunning step (level) this invoice reached; 0 for none."""
        return self.dunning.level if self.dunning else 0

    @property
    def dunning_step(self) -> str | None:
        """The id of the highest dunning step this invoice reached."""
        return self.dunning.step if self.dunning else None


class InvoiceDunning(Base):
    """How far dunning went for one invoice: the highest step reached and when.

    Kept apart from the wide invoice row so the daily run raises a million levels
    with narrow upserts instead of rewriting invoices and their indexes.
    """

    __tablename__ = "invoice_dunning"
    invoice_id: Mapped[int] = mapped_column(
        ForeignKey("invoice.id", ondelete="CASCADE"), primary_key=True
    )
    level: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(64))
    reached_on: Mapped[date] = mapped_column(Date)


Index("ix_invoice_customer_status", Invoice.customer_id, Invoice.status)
Index("ix_consent_customer", Consent.customer_id, Consent.recorded_at)


class Payment(Base):
    """Money received (import, bank statement or payment provider)."""

    __tablename__ = "payment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[str] = mapped_column(String(128), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    paid_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reference: Mapped[str | None] = mapped_column(String(140))
    invoice_number: Mapped[str | None] = mapped_column(String(64))
    method: Mapped[str | None] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(32), default="import")
    unallocated_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    reversed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    row_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Allocation(Base):
    """A part of a payment applied to an invoice or a charge."""

    __tablename__ = "allocation"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payment.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"), index=True)
    charge_id: Mapped[int | None] = mapped_column(ForeignKey("charge.id"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    rule: Mapped[str] = mapped_column(String(32))  # invoice_number reference oldest_first
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CreditNote(Base):
    """A credit note (or a negative invoice, a correction): lowers what is open on an invoice.

    `applied_minor` is what it took off the invoice's open amount; the rest (the
    invoice was already paid) went to the customer's credit.
    """

    __tablename__ = "credit_note"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    credit_note_number: Mapped[str] = mapped_column(String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    issue_date: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    applied_minor: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(32), default="ubl")
    row_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class CustomerIdentifier(Base):
    """An id a customer is known by elsewhere: VAT, KvK (0106), a Peppol endpoint or party id."""

    __tablename__ = "customer_identifier"
    __table_args__ = (UniqueConstraint("scheme", "value"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(
        ForeignKey("customer.id", ondelete="CASCADE"), index=True
    )
    scheme: Mapped[str] = mapped_column(String(16))  # VAT, 0106 (KvK), 0088, 0192, ...
    value: Mapped[str] = mapped_column(String(128))


class Charge(Base):
    """Costs or interest charged to a customer: a ledger item, never an invoice edit."""

    __tablename__ = "charge"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"))
    kind: Mapped[str] = mapped_column(String(32))  # collection_costs compensation interest
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    open_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    charged_on: Mapped[date] = mapped_column(Date)
    action_id: Mapped[str | None] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


# The invoices a charge is for: collection costs at most once per invoice (invariant 9).
charge_invoice = Table(
    "charge_invoice",
    Base.metadata,
    Column("charge_id", ForeignKey("charge.id", ondelete="CASCADE"), primary_key=True),
    Column("invoice_id", ForeignKey("invoice.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(32), nullable=False),
    UniqueConstraint("invoice_id", "kind"),
)


class Dispute(Base):
    """A debtor's objection to an invoice; the invoice is paused while it is open."""

    __tablename__ = "dispute"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"), index=True)
    reason: Mapped[str] = mapped_column(String(64))
    text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open resolved rejected
    source: Mapped[str] = mapped_column(String(32), default="staff")
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


promise_invoice = Table(
    "promise_invoice",
    Base.metadata,
    Column("promise_id", ForeignKey("promise_to_pay.id", ondelete="CASCADE"), primary_key=True),
    Column("invoice_id", ForeignKey("invoice.id"), primary_key=True),
)


class PromiseToPay(Base):
    """A debtor's promise to pay (an amount) by a date; dunning pauses until then."""

    __tablename__ = "promise_to_pay"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    promised_date: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    status: Mapped[str] = mapped_column(String(12), default="active")  # active kept broken
    source: Mapped[str] = mapped_column(String(32), default="staff")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


plan_invoice = Table(
    "plan_invoice",
    Base.metadata,
    Column("plan_id", ForeignKey("payment_plan.id", ondelete="CASCADE"), primary_key=True),
    Column("invoice_id", ForeignKey("invoice.id"), primary_key=True),
)


class PaymentPlan(Base):
    """An agreed schedule of installments covering some invoices."""

    __tablename__ = "payment_plan"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    total_minor: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), default="active")
    # proposed active completed defaulted cancelled
    source: Mapped[str] = mapped_column(String(32), default="staff")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class PlanInstallment(Base):
    """One installment of a payment plan."""

    __tablename__ = "plan_installment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("payment_plan.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    paid_minor: Mapped[int] = mapped_column(BigInteger, default=0)


class Event(Base):
    """One entry on a customer's timeline: any contact, in or out, or status change."""

    __tablename__ = "event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(64))  # message.sent payment.received ...
    channel: Mapped[str | None] = mapped_column(String(10))
    direction: Mapped[str] = mapped_column(String(8), default="internal")  # in out internal
    action_id: Mapped[str | None] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(String(400))
    data: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)


Index("ix_event_customer_time", Event.customer_id, Event.occurred_at)


class AuditEntry(Base):
    """Append-only audit log: who changed or looked at what, and when."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(128))
    verb: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(128))
    details: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
