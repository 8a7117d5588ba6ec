"""Ledger service: the organisation record and timeline helpers."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from creditflow.config import Settings
from creditflow.db import transaction
from creditflow.ledger.models import AuditEntry, Event, OrganisationRecord


def ensure_organisation(engine: Engine, settings: Settings) -> OrganisationRecord:
    """Create the organisation row from the settings, or bring it up to date."""
    try:
        return _write_organisation(engine, settings)
    except IntegrityError:
        # Another command created the row at the same moment: update the one it made.
        return _write_organisation(engine, settings)


def _write_organisation(engine: Engine, settings: Settings) -> OrganisationRecord:
    org = settings.organisation
    with transaction(engine) as session:
        record = session.get(OrganisationRecord, 1)
        if record is None:
            record = OrganisationRecord(id=1, link_secret=secrets.token_urlsafe(48))
            session.add(record)
        record.name = org.name
        record.iban = org.iban or None
        record.bic = org.bic or None
        record.address = {
            "address_line1": org.address_line1,
            "postal_code": org.postal_code,
            "city": org.city,
            "country": org.country,
        }
        record.sender = {"email": org.sender_email, "sms": org.sender_sms}
        record.default_language = org.default_language
        record.default_country = org.default_country
        return record


def link_secret(session: Session, settings: Settings) -> str:
    """The key that signs portal links: CREDITFLOW_SECRET_KEY, else the database's own."""
    if settings.secret_key:
        return settings.secret_key
    record = session.scalars(select(OrganisationRecord)).first()
    if record is None:
        record = OrganisationRecord(
            id=1, name=settings.organisation.name, link_secret=secrets.token_urlsafe(48)
        )
        try:
            with session.begin_nested():
                session.add(record)
        except IntegrityError:
            # Another process made the row first: its secret is the one links carry.
            record = session.scalars(select(OrganisationRecord)).one()
    return record.link_secret


def add_event(
    session: Session,
    customer_pk: int,
    kind: str,
    summary: str,
    *,
    channel: str | None = None,
    direction: str = "internal",
    action_id: str | None = None,
    data: dict[str, Any] | None = None,
) -> Event:
    """Put one entry on the customer's timeline."""
    event = Event(
        customer_id=customer_pk,
        kind=kind,
        summary=summary[:400],
        channel=channel,
        direction=direction,
        action_id=action_id,
        data=data or {},
    )
    session.add(event)
    return event


def audit(
    session: Session,
    actor: str,
    verb: str,
    entity: str,
    entity_id: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    """Append to the audit log (never updated or deleted)."""
    session.add(
        AuditEntry(
            actor=actor, verb=verb, entity=entity, entity_id=entity_id, details=details or {}
        )
    )
