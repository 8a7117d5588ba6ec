"""GDPR for one debtor: export everything held about them, or pseudonymise them.

Dutch law keeps bookkeeping records for 7 years, so an erasure request gives way to
that: personal data (name, address, IBAN, e-mail addresses and phone numbers, message
texts) is pseudonymised or removed, while invoices, payments, allocations, charges
and bank statement entries stay as they are. An erased customer is never contacted
again (`do_not_contact` = "erased"). Every access through these functions is audited.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select
from sqlalchemy.orm import Session

from creditflow.arrangements.models import DisputeAttachment
from creditflow.compliance.models import Handover
from creditflow.compliance.service import ERASED, get_customer, hold_contact
from creditflow.compliance.stored_copies import ActionFiles, StoredCopies, find_stored_copies
from creditflow.config import Settings
from creditflow.inbound.models import ConversationMessage
from creditflow.ledger.models import (
    Allocation,
    Charge,
    Consent,
    ContactPoint,
    CreditNote,
    Customer,
    CustomerIdentifier,
    Dispute,
    Event,
    Invoice,
    Payment,
    PaymentPlan,
    PlanInstallment,
    PromiseToPay,
    promise_invoice,
)
from creditflow.ledger.service import add_event, audit, link_secret
from creditflow.money import from_minor
from creditflow.outbox.models import Action, DeliveryAttempt
from creditflow.payments.models import PaymentRequest, StatementEntryRecord
from creditflow.portal.models import AccessCode, Feedback

__all__ = ["ErasureReport", "export_customer", "forget_customer", "pseudonym", "scrub_text"]

REMOVED = "[removed]"
PSEUDONYM_PREFIX = "pseudonymised"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w-])(?:(?:\+|00)\d[\d \-]{6,16}\d|0\d{1,3}[ -]?\d{6,8})(?![\w-])")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _row(obj: Any, *, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """A record as JSON-ready data; `*_minor` amounts also as decimal text."""
    out = {
        column.key: _plain(getattr(obj, column.key))
        for column in obj.__table__.columns
        if column.key not in skip
    }
    currency = out.get("currency") or out.get("credit_currency")
    for key in [k for k in out if k.endswith("_minor")]:
        if currency and out[key] is not None:
            out[key.removesuffix("_minor")] = str(from_minor(out[key], currency))
    return out


def export_customer(session: Session, customer_pk: int, actor: str) -> dict[str, Any]:
    """Everything creditflow holds about one customer (the GDPR access right), audited."""
    customer = get_customer(session, customer_pk)
    pk = customer.id

    def rows(model: Any, *criteria: Any, skip: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        query = select(model).where(*criteria).order_by(model.id)
        return [_row(obj, skip=skip) for obj in session.scalars(query)]

    payment_ids = select(Payment.id).where(Payment.customer_id == pk)
    invoice_ids = select(Invoice.id).where(Invoice.customer_id == pk)
    action_ids = select(Action.action_id).where(Action.customer_id == pk)
    dispute_ids = select(Dispute.id).where(Dispute.customer_id == pk)
    promises = rows(PromiseToPay, PromiseToPay.customer_id == pk)
    for promise in promises:
        promise["invoice_ids"] = list(
            session.scalars(
                select(promise_invoice.c.invoice_id).where(
                    promise_invoice.c.promise_id == promise["id"]
                )
            )
        )
    plans = rows(PaymentPlan, PaymentPlan.customer_id == pk)
    for plan in plans:
        plan["installments"] = rows(PlanInstallment, PlanInstallment.plan_id == plan["id"])
    export: dict[str, Any] = {
        "customer": _row(customer),
        "contact_points": rows(ContactPoint, ContactPoint.customer_id == pk),
        "identifiers": rows(CustomerIdentifier, CustomerIdentifier.customer_id == pk),
        "consents": rows(Consent, Consent.customer_id == pk),
        "invoices": rows(Invoice, Invoice.customer_id == pk),
        "payments": rows(Payment, Payment.customer_id == pk),
        "allocations": rows(
            Allocation,
            or_(Allocation.payment_id.in_(payment_ids), Allocation.invoice_id.in_(invoice_ids)),
        ),
        "charges": rows(Charge, Charge.customer_id == pk),
        "credit_notes": rows(CreditNote, CreditNote.customer_id == pk),
        "disputes": rows(Dispute, Dispute.customer_id == pk),
        "dispute_attachments": rows(
            DisputeAttachment, DisputeAttachment.dispute_id.in_(dispute_ids), skip=("data",)
        ),
        "promises": promises,
        "payment_plans": plans,
        "actions": rows(Action, Action.customer_id == pk),
        "delivery_attempts": rows(DeliveryAttempt, DeliveryAttempt.action_id.in_(action_ids)),
        "events": rows(Event, Event.customer_id == pk),
        "feedback": rows(Feedback, Feedback.customer_id == pk),
        "conversation_messages": rows(ConversationMessage, ConversationMessage.customer_id == pk),
        "handovers": rows(Handover, Handover.customer_id == pk),
        "payment_requests": rows(PaymentRequest, PaymentRequest.customer_id == pk),
        "statement_entries": rows(StatementEntryRecord, StatementEntryRecord.customer_id == pk),
    }
    audit(
        session,
        actor,
        "export",
        "customer",
        customer.customer_id,
        {"sections": {k: len(v) for k, v in export.items() if isinstance(v, list)}},
    )
    return export


def pseudonym(customer_id: str, secret: str) -> str:
    """The name an erased customer gets: "pseudonymised <keyed hash of the customer id>"."""
    digest = hmac.new(secret.encode(), customer_id.encode(), hashlib.sha256).hexdigest()
    return f"{PSEUDONYM_PREFIX} {digest[:12]}"


def scrub_text(text: str, personal: list[str]) -> str:
    """The text with the given personal values, e-mail addresses and phone numbers removed."""
    if not text:
        return text
    for value in sorted({v for v in personal if v and len(v) >= 3}, key=len, reverse=True):
        text = re.sub(re.escape(value), REMOVED, text, flags=re.IGNORECASE)
    text = _EMAIL.sub(REMOVED, text)
    return _PHONE.sub(REMOVED, text)


def _scrub_data(value: Any, personal: list[str]) -> Any:
    if isinstance(value, str):
        return scrub_text(value, personal)
    if isinstance(value, list):
        return [_scrub_data(v, personal) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_data(v, personal) for k, v in value.items()}
    return value


@dataclass
class ErasureReport:
    """What `forget_customer` changed; the bookkeeping it kept is listed in `kept`."""

    customer_id: str
    pseudonym: str
    removed: dict[str, int] = field(default_factory=dict)
    cancelled: list[str] = field(default_factory=list)
    kept: tuple[str, ...] = (
        "invoices", "credit notes", "payments", "allocations", "charges", "statement entries"
    )  # fmt: skip
    files: StoredCopies = field(default_factory=StoredCopies)


def _personal_values(session: Session, customer: Customer) -> list[str]:
    values = [customer.name, customer.address_line1, customer.address_line2, customer.iban]
    if customer.postal_code and customer.city:
        values += [
            f"{customer.postal_code}  {customer.city}",
            f"{customer.postal_code} {customer.city}",
        ]
    values.append(customer.postal_code)
    for address in session.scalars(
        select(ContactPoint.address).where(ContactPoint.customer_id == customer.id)
    ):
        values.append(address)
        values.extend(line for line in address.splitlines() if line.strip())
    return [v.strip() for v in values if v and v.strip()]


def forget_customer(
    session: Session, settings: Settings, customer_pk: int, actor: str, now: datetime
) -> ErasureReport:
    """Pseudonymise a customer's personal data, keep the books, and never contact them again."""
    customer = get_customer(session, customer_pk)
    pk = customer.id
    personal = _personal_values(session, customer)
    report = ErasureReport(
        customer.customer_id, pseudonym(customer.customer_id, link_secret(session, settings))
    )
    report.cancelled = hold_contact(session, customer, ERASED, "personal data erased", actor, now)
    customer.name = report.pseudonym
    for attribute in (
        "address_line1",
        "address_line2",
        "postal_code",
        "city",
        "iban",
        "preferred_channel",
        "preferred_hour",
        "row_hash",
    ):
        setattr(customer, attribute, None)
    customer.tags = []
    customer.pseudonymised_at = now

    def count(name: str, number: int) -> None:
        report.removed[name] = report.removed.get(name, 0) + number

    dispute_ids = select(Dispute.id).where(Dispute.customer_id == pk)
    for name, statement in (
        ("contact_points", delete(ContactPoint).where(ContactPoint.customer_id == pk)),
        ("identifiers", delete(CustomerIdentifier).where(CustomerIdentifier.customer_id == pk)),
        ("access_codes", delete(AccessCode).where(AccessCode.customer_id == pk)),
        (
            "dispute_attachments",
            delete(DisputeAttachment).where(DisputeAttachment.dispute_id.in_(dispute_ids)),
        ),
    ):
        result = cast(CursorResult[Any], session.execute(statement))
        count(name, result.rowcount)
    for dispute in session.scalars(select(Dispute).where(Dispute.customer_id == pk)):
        if dispute.text:
            dispute.text = None
            count("dispute_texts", 1)
    for message in session.scalars(
        select(ConversationMessage).where(ConversationMessage.customer_id == pk)
    ):
        message.text, message.sender = REMOVED, None
        count("conversation_messages", 1)
    for feedback in session.scalars(select(Feedback).where(Feedback.customer_id == pk)):
        if feedback.comment:
            feedback.comment = None
            count("feedback_comments", 1)
    for consent in session.scalars(select(Consent).where(Consent.customer_id == pk)):
        if consent.evidence:
            consent.evidence = REMOVED
            count("consent_evidence", 1)
    for event in session.scalars(select(Event).where(Event.customer_id == pk)):
        summary, data = scrub_text(event.summary, personal), _scrub_data(event.data or {}, personal)
        if (summary, data) != (event.summary, event.data or {}):
            event.summary, event.data = summary, data
            count("event_texts", 1)
    for action in session.scalars(select(Action).where(Action.customer_id == pk)):
        payload = _scrub_data(action.payload or {}, personal)
        if payload != (action.payload or {}):
            action.payload = payload
            count("action_payloads", 1)
    for handover in session.scalars(select(Handover).where(Handover.customer_id == pk)):
        if handover.note:
            handover.note = scrub_text(handover.note, personal)
    report.files = _stored_copies(session, settings, pk)
    add_event(
        session,
        pk,
        "customer.pseudonymised",
        "personal data pseudonymised on request; bookkeeping kept for the retention period",
        data={"removed": report.removed},
    ).occurred_at = now
    audit(
        session,
        actor,
        "erase",
        "customer",
        customer.customer_id,
        {
            "pseudonym": report.pseudonym,
            "removed": report.removed,
            "kept": list(report.kept),
            "cancelled": report.cancelled,
            "files_to_remove": len(report.files.remove),
            "files_kept": [place for place, _ in report.files.kept],
        },
    )
    return report


def _stored_copies(session: Session, settings: Settings, customer_pk: int) -> StoredCopies:
    """The customer's messages kept as files (removed by the caller after commit)."""
    actions = [
        ActionFiles(action_id, legal)
        for action_id, legal in session.execute(
            select(Action.action_id, Action.legal).where(Action.customer_id == customer_pk)
        )
    ]
    charged = (
        session.scalars(
            select(Charge.id).where(
                Charge.customer_id == customer_pk, Charge.kind == "collection_costs"
            )
        ).first()
        is not None
    )
    letter = settings.channels.get("letter") or {}
    folder = letter.get("folder") if letter.get("provider") == "print_folder" else None
    dossiers = session.scalars(
        select(Handover.dossier_path).where(
            Handover.customer_id == customer_pk, Handover.dossier_path.is_not(None)
        )
    )
    return find_stored_copies(
        settings.outbox_dir,
        actions,
        costs_charged=charged,
        print_folder=Path(folder) if folder else None,
        delivered_dossiers=[d for d in dossiers if d],
    )
