"""One-time codes for a fresh portal link: customer number + e-mail or phone -> 6 digits.

The code is sent as an action (kind message, template `access_code`) to the contact
point the debtor named; only its HMAC is stored. It expires after 10 minutes and
allows 5 attempts.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.arrangements.service import find_customer
from creditflow.ledger.contacts import normalise_contact
from creditflow.ledger.models import ContactPoint, Customer
from creditflow.ledger.service import add_event
from creditflow.outbox.service import queue_action
from creditflow.portal.models import AccessCode

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class IssuedCode:
    """A code that was created and queued for sending (the plain code is in the action only)."""

    access_code: AccessCode
    channel: str
    action_id: str


def code_hash(secret: str, customer_pk: int, code: str) -> str:
    """The stored form of a code: HMAC-SHA256 keyed by the link secret."""
    message = f"{customer_pk}:{code}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def matching_contact(session: Session, customer: Customer, contact: str) -> ContactPoint | None:
    """The customer's valid contact point the debtor typed (e-mail, SMS or WhatsApp number)."""
    wanted = normalise_contact(contact, customer.country)
    if wanted is None:
        return None
    kind, value = wanted
    channels = ("email",) if kind == "email" else ("sms", "whatsapp")
    for point in session.scalars(
        select(ContactPoint)
        .where(
            ContactPoint.customer_id == customer.id,
            ContactPoint.channel.in_(channels),
            ContactPoint.valid.is_(True),
        )
        .order_by(ContactPoint.channel)
    ):
        stored = normalise_contact(point.address.removeprefix("whatsapp:"), customer.country)
        if stored == wanted:
            return point
    return None


def request_access_code(
    session: Session, secret: str, customer_id: str, contact: str, *, now: datetime
) -> IssuedCode | None:
    """Create and queue a code when the customer number and contact match; else None."""
    customer = find_customer(session, customer_id.strip())
    if customer is None:
        return None
    point = matching_contact(session, customer, contact)
    if point is None:
        return None
    code = f"{secrets.randbelow(1_000_000):06d}"
    record = AccessCode(
        customer_id=customer.id,
        channel=point.channel,
        code_hash=code_hash(secret, customer.id, code),
        attempts=0,
        created_at=now,
        expires_at=now + CODE_TTL,
    )
    session.add(record)
    session.flush()
    action = queue_action(
        session,
        customer,
        key=f"access-code-{record.id}",
        kind="message",
        channel=point.channel,
        step="access_code",
        template="access_code",
        now=now,
        payload={"code": code, "to": point.address, "expires_minutes": 10},
    )
    add_event(
        session,
        customer.id,
        "portal.code_sent",
        f"Access code sent by {point.channel}",
        channel=point.channel,
        direction="out",
        action_id=action.action_id,
    )
    return IssuedCode(record, point.channel, action.action_id)


def verify_access_code(
    session: Session, secret: str, customer_id: str, code: str, *, now: datetime
) -> Customer | None:
    """The customer when `code` is their latest live code; counts failed attempts."""
    customer = find_customer(session, customer_id.strip())
    if customer is None:
        return None
    record = session.scalars(
        select(AccessCode)
        .where(AccessCode.customer_id == customer.id, AccessCode.used_at.is_(None))
        .order_by(AccessCode.id.desc())
    ).first()
    if record is None or record.expires_at <= now or record.attempts >= MAX_ATTEMPTS:
        return None
    record.attempts += 1
    expected = code_hash(secret, customer.id, code.strip())
    if not hmac.compare_digest(expected, record.code_hash):
        return None
    record.used_at = now
    add_event(
        session, customer.id, "portal.login", "Signed in to the portal with a code", direction="in"
    )
    return customer
