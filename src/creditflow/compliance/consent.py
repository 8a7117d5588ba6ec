"""The consent register in the store: opt-outs, consents, and "STOP" replies.

Every change appends a row to `consent` (never updated), keeps `customer.opt_out` and
`contact_point.opted_out` in step (what the collection run reads), and goes on the
timeline and in the audit log. An opt-out cancels the queued messages on that channel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.compliance.contact_rules import is_opt_out
from creditflow.compliance.service import (
    cancel_queued_actions,
    get_customer,
    queue_compliance_action,
)
from creditflow.ledger.models import Consent, ContactPoint
from creditflow.ledger.service import add_event, audit

__all__ = [
    "CONFIRMATION_TEMPLATE",
    "CONSENT_CHANNELS",
    "INBOUND_OPT_OUT_CHANNELS",
    "OPTED_OUT_REASON",
    "ConsentChange",
    "handle_inbound_text",
    "record_consent",
    "record_opt_out",
]

CONSENT_CHANNELS = ("email", "sms", "whatsapp", "voice", "letter", "push")
INBOUND_OPT_OUT_CHANNELS = ("sms", "whatsapp", "email")
OPTED_OUT_REASON = "opted out"
CONFIRMATION_TEMPLATE = "opt_out_confirmation"
MAX_EVIDENCE = 2000


@dataclass
class ConsentChange:
    """The outcome of recording a consent or an opt-out."""

    customer_pk: int
    channel: str
    granted: bool
    changed: bool  # False when the customer was already in this state
    consent_id: int
    cancelled: list[str] = field(default_factory=list)


def _check_channel(channel: str) -> str:
    if channel not in CONSENT_CHANNELS:
        raise ValueError(
            f"channel: {channel!r} is not a contact channel (one of {', '.join(CONSENT_CHANNELS)})"
        )
    return channel


def _record(
    session: Session,
    customer_pk: int,
    channel: str,
    granted: bool,
    source: str,
    evidence: str | None,
    at: datetime,
    actor: str | None,
) -> ConsentChange:
    _check_channel(channel)
    customer = get_customer(session, customer_pk)
    opted = list(customer.opt_out or [])
    changed = (channel in opted) == granted
    if granted:
        customer.opt_out = [c for c in opted if c != channel]
    elif channel not in opted:
        customer.opt_out = [*opted, channel]
    customer.updated_at = at
    for point in session.scalars(
        select(ContactPoint).where(
            ContactPoint.customer_id == customer_pk, ContactPoint.channel == channel
        )
    ):
        point.opted_out = not granted
        point.updated_at = at
    row = Consent(
        customer_id=customer_pk,
        channel=channel,
        granted=granted,
        source=source[:64],
        evidence=evidence[:MAX_EVIDENCE] if evidence else None,
        recorded_at=at,
    )
    session.add(row)
    session.flush()
    cancelled: list[str] = []
    if not granted:
        cancelled = cancel_queued_actions(
            session,
            customer_pk,
            OPTED_OUT_REASON,
            at,
            channels=(channel,),
            kinds=("message",),
            spare_step=CONFIRMATION_TEMPLATE,
        )
    verb = "consent.granted" if granted else "consent.withdrawn"
    summary = (
        f"consent for {channel} given ({source})"
        if granted
        else f"opted out of {channel} ({source})"
    )
    add_event(
        session,
        customer_pk,
        verb,
        summary,
        channel=channel,
        direction="in" if not actor else "internal",
        data={"consent_id": row.id, "source": source, "changed": changed, "cancelled": cancelled},
    ).occurred_at = at
    audit(
        session,
        actor or f"customer via {source}",
        "consent" if granted else "opt_out",
        "customer",
        customer.customer_id,
        {"channel": channel, "source": source, "changed": changed, "cancelled": cancelled},
    )
    return ConsentChange(customer_pk, channel, granted, changed, row.id, cancelled)


def record_opt_out(
    session: Session,
    customer_pk: int,
    channel: str,
    source: str,
    evidence: str | None,
    at: datetime,
    *,
    actor: str | None = None,
) -> ConsentChange:
    """Record that the customer does not want to be contacted on `channel` any more.

    `actor` is the staff member who recorded it; None means the customer did.
    """
    return _record(session, customer_pk, channel, False, source, evidence, at, actor)


def record_consent(
    session: Session,
    customer_pk: int,
    channel: str,
    source: str,
    evidence: str | None,
    at: datetime,
    *,
    actor: str | None = None,
) -> ConsentChange:
    """Record that the customer agrees to be contacted on `channel` (lifting an opt-out)."""
    return _record(session, customer_pk, channel, True, source, evidence, at, actor)


def handle_inbound_text(
    session: Session, customer_pk: int, channel: str, text: str, at: datetime
) -> bool:
    """Act on an inbound SMS, WhatsApp or e-mail; True when it was an opt-out.

    An opt-out ("STOP", "afmelden", "geen berichten meer", "unsubscribe", ...) ends
    contact on that channel at once: queued messages on it are cancelled ("opted out")
    and, the first time only, one confirmation is queued on the same channel (template
    "opt_out_confirmation"; payload `opt_out_confirmation` tells the dispatcher that
    this one message may go to an opted-out channel). Other channels are not handled.
    """
    if channel not in INBOUND_OPT_OUT_CHANNELS or not is_opt_out(text):
        return False
    change = record_opt_out(session, customer_pk, channel, f"{channel} reply", text, at)
    if change.changed:
        customer = get_customer(session, customer_pk)
        queue_compliance_action(
            session,
            customer,
            kind="message",
            channel=channel,
            step=CONFIRMATION_TEMPLATE,
            template=CONFIRMATION_TEMPLATE,
            now=at,
            key=(channel, str(change.consent_id)),
            payload={"opt_out_confirmation": True, "consent_id": change.consent_id},
        )
    return True
