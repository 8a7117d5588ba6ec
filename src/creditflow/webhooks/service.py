"""Subscriptions, the fan-out of timeline entries into deliveries, and the delivery pass.

`fan_out` reads the timeline after each subscription's mark and adds one pending
delivery per event (unique per subscription and event id, so a repeat adds nothing).
`deliver_due` works like dispatch: the attempt is committed first (claimed with a
lease), the POST runs outside any transaction, then the outcome is recorded: 2xx is
delivered, anything else is retried after `events.retry_delay`, then failed. Delivery
is at least once: a receiver deduplicates by `webhook-id` (the event id).
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from creditflow.db import transaction
from creditflow.ledger.models import Allocation, Customer, Event, Invoice, Payment
from creditflow.ledger.service import audit
from creditflow.money import from_minor
from creditflow.webhooks.events import (
    INVOICE_PAID,
    TIMELINE_TYPES,
    check_event_types,
    retry_delay,
    timeline_kinds,
)
from creditflow.webhooks.models import WebhookDelivery, WebhookSubscription
from creditflow.webhooks.signing import PREFIX, signed_headers

LEASE = timedelta(minutes=2)
BATCH = 100
RESCAN = 200  # timeline ids read again behind the mark (late commits)
TIMEOUT_SECONDS = 10.0
USER_AGENT = "creditflow-webhooks/1"


def check_url(url: str) -> str:
    """An http(s) URL with a host; ValueError naming the reason."""
    parsed = httpx.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise ValueError(f"url: '{url}' is not an http(s) address")
    return url


def add_subscription(
    session: Session, url: str, events: list[str], actor: str
) -> tuple[WebhookSubscription, str]:
    """A new subscription from now on; returns it and its secret (shown once)."""
    chosen = check_event_types(events)
    secret = PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()
    last = session.scalar(select(Event.id).order_by(Event.id.desc()).limit(1)) or 0
    sub = WebhookSubscription(
        sub_id=secrets.token_hex(4),
        url=check_url(url),
        events=chosen,
        secret=secret,
        after_event_id=last,
        since_event_id=last,
        created_by=actor,
    )
    session.add(sub)
    session.flush()
    audit(
        session,
        actor,
        "webhook.add",
        "webhook_subscription",
        sub.sub_id,
        {"url": url, "events": chosen},
    )
    return sub, secret


def remove_subscription(session: Session, sub_id: str, actor: str) -> WebhookSubscription:
    """Stop a subscription (its pending deliveries are not sent); ValueError when unknown."""
    sub = session.scalars(
        select(WebhookSubscription).where(WebhookSubscription.sub_id == sub_id)
    ).first()
    if sub is None:
        raise ValueError(f"no webhook subscription {sub_id}")
    sub.active = False
    audit(session, actor, "webhook.remove", "webhook_subscription", sub_id, {})
    return sub


def replay(session: Session, sub_id: str, event_id: str, now: datetime, actor: str) -> None:
    """Send one delivery again (delivered or failed): pending from now, attempts reset."""
    found = session.execute(
        select(WebhookDelivery)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookSubscription.sub_id == sub_id, WebhookDelivery.event_id == event_id)
    ).scalar_one_or_none()
    if found is None:
        raise ValueError(f"no delivery of {event_id} to {sub_id}")
    found.status, found.attempts, found.next_attempt_at = "pending", 0, now
    audit(session, actor, "webhook.replay", "webhook_delivery", event_id, {"subscription": sub_id})


def _payload(session: Session, entry: Event, customer_id: str, kind: str) -> dict[str, Any]:
    data: dict[str, Any] = {"customer_id": customer_id, "summary": entry.summary}
    if entry.action_id:
        data["action_id"] = entry.action_id
    data.update({k: v for k, v in (entry.data or {}).items() if k not in data})
    return {
        "id": f"evt_{entry.id}",
        "type": kind,
        "created_at": entry.occurred_at.isoformat(),
        "data": data,
    }


def _paid_invoices(session: Session, entry: Event, customer_id: str) -> list[dict[str, Any]]:
    """invoice.paid events for the invoices the entry's payment brought to nothing open."""
    payment_id = (entry.data or {}).get("payment_id")
    rows = session.execute(
        select(Invoice)
        .join(Allocation, Allocation.invoice_id == Invoice.id)
        .join(Payment, Payment.id == Allocation.payment_id)
        .where(Payment.payment_id == payment_id, Invoice.status == "paid")
        .order_by(Invoice.id)
    ).scalars()
    return [
        {
            "id": f"evt_{entry.id}_inv_{invoice.id}",
            "type": INVOICE_PAID,
            "created_at": entry.occurred_at.isoformat(),
            "data": {
                "customer_id": customer_id,
                "invoice_number": invoice.invoice_number,
                "amount": str(from_minor(invoice.amount_minor, invoice.currency)),
                "currency": invoice.currency,
                "payment_id": payment_id,
            },
        }
        for invoice in dict.fromkeys(rows)
    ]


def _payment_details(session: Session, payload: dict[str, Any]) -> None:
    payment = session.scalars(
        select(Payment).where(Payment.payment_id == payload["data"].get("payment_id"))
    ).first()
    if payment is not None:
        payload["data"]["amount"] = str(from_minor(payment.amount_minor, payment.currency))
        payload["data"]["currency"] = payment.currency


def _payloads(
    session: Session, sub: WebhookSubscription, entry: Event, customer_id: str
) -> list[dict[str, Any]]:
    """The events one timeline entry makes for this subscription (none, one, or more)."""
    payloads: list[dict[str, Any]] = []
    public = TIMELINE_TYPES.get(entry.kind)
    if public in sub.events:
        payload = _payload(session, entry, customer_id, public)
        if entry.kind == "payment.received":
            _payment_details(session, payload)
        payloads.append(payload)
    if entry.kind == "payment.received" and INVOICE_PAID in sub.events:
        payloads += _paid_invoices(session, entry, customer_id)
    return payloads


def fan_out(session: Session, now: datetime, limit: int = 1000) -> int:
    """Add pending deliveries for the timeline entries after each subscription's mark.

    Entries up to RESCAN ids before the mark are read again: on PostgreSQL a
    transaction may commit after one with a higher id, and its entry must still go
    out. A delivery that exists already is not added twice.
    """
    added = 0
    subs = session.scalars(
        select(WebhookSubscription)
        .where(WebhookSubscription.active.is_(True))
        .order_by(WebhookSubscription.id)
        .with_for_update(skip_locked=True)
    ).all()
    for sub in subs:
        entries = session.execute(
            select(Event, Customer.customer_id)
            .join(Customer, Customer.id == Event.customer_id)
            .where(
                Event.id > max(sub.after_event_id - RESCAN, sub.since_event_id),
                Event.kind.in_(timeline_kinds(sub.events)),
            )
            .order_by(Event.id)
            .limit(limit)
        ).all()
        made = [p for entry, cid in entries for p in _payloads(session, sub, entry, cid)]
        known = set(
            session.scalars(
                select(WebhookDelivery.event_id).where(
                    WebhookDelivery.subscription_id == sub.id,
                    WebhookDelivery.event_id.in_([p["id"] for p in made]),
                )
            )
        )
        for payload in made:
            if payload["id"] in known:
                continue
            session.add(
                WebhookDelivery(
                    subscription_id=sub.id,
                    event_id=payload["id"],
                    event_type=payload["type"],
                    payload=payload,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
            added += 1
        if entries:
            sub.after_event_id = max(sub.after_event_id, entries[-1][0].id)
    return added


@dataclass
class Claimed:
    """A delivery taken for one attempt: where, what, and the secret to sign with."""

    delivery_id: int
    url: str
    secret: str
    event_id: str
    body: bytes
    attempts: int


@dataclass
class DeliveryReport:
    """What one delivery pass did."""

    queued: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0

    def line(self) -> str:
        """One line for the worker's log."""
        return (
            f"webhooks: queued {self.queued}, delivered {self.delivered}, "
            f"retrying {self.retrying}, failed {self.failed}"
        )


Post = Callable[[str, bytes, dict[str, str]], int]


def http_post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST the body; the answer's status code (redirects are not followed)."""
    with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
        return client.post(url, content=body, headers=headers).status_code


def _claim(engine: Engine, now: datetime) -> list[Claimed]:
    with transaction(engine) as session:
        rows = session.execute(
            select(WebhookDelivery, WebhookSubscription)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(
                WebhookDelivery.status == "pending",
                WebhookDelivery.next_attempt_at <= now,
                WebhookSubscription.active.is_(True),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(BATCH)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        ).all()
        claimed = []
        for delivery, sub in rows:
            delivery.attempts += 1
            delivery.next_attempt_at = now + LEASE  # another worker leaves it alone meanwhile
            body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
            claimed.append(
                Claimed(
                    delivery.id, sub.url, sub.secret, delivery.event_id, body, delivery.attempts
                )
            )
        return claimed


def _record(
    engine: Engine,
    item: Claimed,
    status: int | None,
    error: str | None,
    now: datetime,
    report: DeliveryReport,
) -> None:
    with transaction(engine) as session:
        values: dict[str, Any] = {"last_status": status, "last_error": error}
        if status is not None and 200 <= status < 300:
            values.update(status="delivered", delivered_at=now)
            report.delivered += 1
        elif (delay := retry_delay(item.attempts)) is None:
            values.update(status="failed")
            report.failed += 1
        else:
            values.update(next_attempt_at=now + delay)
            report.retrying += 1
        session.execute(
            update(WebhookDelivery).where(WebhookDelivery.id == item.delivery_id).values(**values)
        )


def deliver_due(
    engine: Engine, now: Callable[[], datetime], post: Post = http_post
) -> DeliveryReport:
    """Fan out new timeline entries, then send every delivery that is due, once each."""
    report = DeliveryReport()
    with transaction(engine) as session:
        report.queued = fan_out(session, now())
    for item in _claim(engine, now()):
        moment = now()
        headers = {
            **signed_headers(item.secret, item.event_id, int(moment.timestamp()), item.body),
            "content-type": "application/json",
            "user-agent": USER_AGENT,
        }
        try:
            status: int | None = post(item.url, item.body, headers)
            error = None if 200 <= (status or 0) < 300 else f"HTTP {status}"
        except httpx.HTTPError as exc:
            status, error = None, f"{type(exc).__name__}: {exc}"[:400]
        _record(engine, item, status, error, now(), report)
    return report
