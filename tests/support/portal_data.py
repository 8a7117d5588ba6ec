"""Ledger rows and a portal client for the portal and conversation tests."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from creditflow.api.app import create_app
from creditflow.config import Settings
from creditflow.config.sections import ServeSettings
from creditflow.db import transaction
from creditflow.ledger.models import ContactPoint, Customer, Invoice
from creditflow.ledger.service import link_secret
from creditflow.links.tokens import make_customer_token
from creditflow.outbox.models import Action

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def add_customer(
    session: Session,
    customer_id: str,
    *,
    language: str = "nl",
    kind: str = "consumer",
    email: str | None = None,
    phone: str | None = None,
    address: bool = True,
) -> Customer:
    """A customer with optional e-mail and SMS contact points."""
    customer = Customer(
        customer_id=customer_id,
        name=f"Klant {customer_id}",
        kind=kind,
        language=language,
        country="NL",
        timezone="Europe/Amsterdam",
        opt_out=[],
        tags=[],
        address_line1="Dorpsstraat 1" if address else None,
        postal_code="1234 AB",
        city="Utrecht",
    )
    session.add(customer)
    session.flush()
    if email:
        session.add(ContactPoint(customer_id=customer.id, channel="email", address=email))
    if phone:
        session.add(ContactPoint(customer_id=customer.id, channel="sms", address=phone))
        session.add(ContactPoint(customer_id=customer.id, channel="whatsapp", address=phone))
    session.flush()
    return customer


def add_invoice(
    session: Session,
    customer: Customer,
    number: str,
    open_minor: int,
    due: date,
    *,
    issued: date | None = None,
) -> Invoice:
    """An open EUR invoice."""
    invoice = Invoice(
        invoice_number=number,
        customer_id=customer.id,
        issue_date=issued or date(2026, 1, 15),
        due_date=due,
        currency="EUR",
        amount_minor=open_minor,
        open_minor=open_minor,
        status="open",
        payment_reference=f"RF18{number[-4:]}",
    )
    session.add(invoice)
    session.flush()
    return invoice


def portal_token(engine: Engine, settings: Settings, customer_id: str, now: datetime = NOW) -> str:
    """A portal link token for the customer, signed with the database's link secret."""
    with transaction(engine) as session:
        return make_customer_token(link_secret(session, settings), customer_id, now=now)


def make_client(settings: Settings, now: datetime = NOW) -> TestClient:
    """A TestClient on the whole app with the clock fixed at `now`.

    Messages stay queued (`send_at_once` off): these tests look at what the portal
    queues; sending at once is tested against a real `creditflow serve` (tests/e2e).
    """
    app = create_app(replace(settings, serve=ServeSettings(send_at_once=False)))
    app.state.clock = lambda: now
    return TestClient(app)


def csrf_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


def actions_of(engine: Engine, customer_pk: int) -> list[dict[str, Any]]:
    """The customer's outbox rows as dicts (kind, channel, step, template, status, payload, ...)."""
    with transaction(engine) as session:
        return [
            {
                "kind": a.kind,
                "channel": a.channel,
                "step": a.step,
                "template": a.template,
                "status": a.status,
                "payload": a.payload,
                "action_id": a.action_id,
                "invoice_ids": a.invoice_ids,
                "amount_due_minor": a.amount_due_minor,
            }
            for a in session.scalars(
                select(Action).where(Action.customer_id == customer_pk).order_by(Action.id)
            )
        ]
