"""Events out to a real HTTP receiver on loopback: signed, at least once, retried with
backoff through an outage, deduplicated by event id, replayed on request."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from creditflow.arrangements.disputes import open_dispute
from creditflow.db import transaction
from creditflow.ledger.models import Customer, Invoice
from creditflow.webhooks.models import WebhookDelivery
from creditflow.webhooks.service import add_subscription, deliver_due, replay
from creditflow.webhooks.signing import verify
from tests.support.http_receiver import RecordedRequest, running_receiver
from tests.support.staff import api_key, staff_client

T0 = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)
CUSTOMER = {"customer_id": "C-1", "name": "De Vries", "kind": "business",
            "email": "admin@devries.example"}  # fmt: skip


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def _ledger(settings, engine, invoices: int = 1) -> None:
    """A customer with invoices, written through the API."""
    api = staff_client(settings)
    api.headers["Authorization"] = f"Bearer {api_key(engine, 'write')}"
    assert api.post("/api/v1/customers", json=CUSTOMER).status_code == 201
    for n in range(1, invoices + 1):
        invoice = {"invoice_number": f"INV-{n}", "customer_id": "C-1", "issue_date": "2026-03-01",
                   "due_date": "2026-03-10", "amount": "100.00"}  # fmt: skip
        assert api.post("/api/v1/invoices", json=invoice).status_code == 201


def _pay(settings, engine, payment_id: str, amount: str, invoice: str) -> None:
    api = staff_client(settings)
    api.headers["Authorization"] = f"Bearer {api_key(engine, 'write', payment_id)}"
    answer = api.post(
        "/api/v1/payments",
        json={"payment_id": payment_id, "amount": amount, "paid_at": "2026-03-14",
              "invoice_number": invoice},
    )  # fmt: skip
    assert answer.status_code == 201, answer.text


def _subscribe(engine, url: str, events: list[str]) -> str:
    with transaction(engine) as session:
        return add_subscription(session, url, events, "test")[1]


def _events(requests: list[RecordedRequest]) -> list[tuple[str, str]]:
    return [(json.loads(r.body)["type"], json.loads(r.body)["id"]) for r in requests]


def test_a_payment_goes_out_signed_as_payment_received_and_invoice_paid(settings, engine):
    _ledger(settings, engine)
    with running_receiver() as receiver:
        secret = _subscribe(engine, receiver.url("/crm"), ["payment.received", "invoice.paid"])
        _pay(settings, engine, "P-1", "100.00", "INV-1")
        report = deliver_due(engine, Clock())
        assert (report.queued, report.delivered) == (2, 2)
        sent = receiver.wait_for(2)
    assert [t for t, _ in _events(sent)] == ["payment.received", "invoice.paid"]
    for request in sent:
        stamp = int(request.headers["webhook-timestamp"])
        assert verify(secret, request.headers, request.body, stamp)
        assert not verify(secret, request.headers, request.body + b" ", stamp)
        assert request.headers["webhook-id"] == json.loads(request.body)["id"]
    payment, paid = (json.loads(r.body)["data"] for r in sent)
    assert (payment["payment_id"], payment["amount"], payment["currency"]) == (
        "P-1",
        "100.00",
        "EUR",
    )
    assert (paid["invoice_number"], paid["customer_id"]) == ("INV-1", "C-1")


def test_after_a_receiver_outage_every_event_arrives_once_by_its_id(settings, engine):
    _ledger(settings, engine, invoices=2)
    down = {"on": True}

    def respond(request: RecordedRequest) -> tuple[int, bytes]:
        return (503, b"{}") if down["on"] else (200, b"{}")

    clock = Clock()
    with running_receiver(respond) as receiver:
        _subscribe(engine, receiver.url("/crm"), ["payment.received", "invoice.paid"])
        _pay(settings, engine, "P-1", "100.00", "INV-1")
        first = deliver_due(engine, clock)
        assert (first.queued, first.retrying, first.delivered) == (2, 2, 0)
        _pay(settings, engine, "P-2", "40.00", "INV-2")  # part payment: no invoice.paid
        assert deliver_due(engine, clock).retrying == 1  # the new one; the others wait
        clock.now += timedelta(seconds=31)
        assert deliver_due(engine, clock).retrying == 3  # each one's second attempt
        down["on"] = False
        clock.now += timedelta(minutes=3)
        assert deliver_due(engine, clock).delivered == 3
        assert deliver_due(engine, clock).delivered == 0
        everything = receiver.requests
    seen: dict[str, str] = {}
    for kind, event_id in _events(everything):
        seen.setdefault(event_id, kind)
    assert sorted(seen.values()) == ["invoice.paid", "payment.received", "payment.received"]
    assert len(everything) > len(seen)  # retried through the outage


def test_a_dispute_opened_goes_out_and_a_failed_delivery_can_be_replayed(settings, engine):
    _ledger(settings, engine)
    status = {"code": 500}
    clock = Clock()
    with running_receiver(lambda request: (status["code"], b"{}")) as receiver:
        _subscribe(engine, receiver.url("/crm"), ["dispute.opened"])
        with transaction(engine) as session:
            customer = session.scalars(select(Customer)).one()
            invoice = session.scalars(select(Invoice)).one()
            open_dispute(
                session, customer, invoice, "amount_wrong", "Wrong price", now=T0, source="staff"
            )
        for _ in range(8):
            deliver_due(engine, clock)
            clock.now += timedelta(days=1)
        with transaction(engine) as session:
            delivery = session.scalars(select(WebhookDelivery)).one()
            assert (delivery.status, delivery.attempts, delivery.last_status) == ("failed", 8, 500)
            sub_id = session.scalars(select(WebhookDelivery)).one().subscription_id
            event_id = delivery.event_id
        assert deliver_due(engine, clock).delivered == 0
        status["code"] = 204
        with transaction(engine) as session:
            from creditflow.webhooks.models import WebhookSubscription

            public = session.get(WebhookSubscription, sub_id).sub_id
            replay(session, public, event_id, clock.now, "test")
        assert deliver_due(engine, clock).delivered == 1
        last = receiver.requests[-1]
    body = json.loads(last.body)
    assert (body["type"], body["data"]["customer_id"]) == ("dispute.opened", "C-1")
    assert body["data"]["summary"] == "Dispute on INV-1: amount_wrong"


def test_a_subscription_gets_only_what_happens_after_it_and_only_its_types(settings, engine):
    _ledger(settings, engine, invoices=2)
    _pay(settings, engine, "P-0", "100.00", "INV-1")  # before the subscription
    with running_receiver() as receiver:
        _subscribe(engine, receiver.url("/crm"), ["invoice.paid"])
        _pay(settings, engine, "P-1", "100.00", "INV-2")
        assert deliver_due(engine, Clock()).delivered == 1
        [only] = receiver.wait_for(1)
    assert json.loads(only.body)["data"]["invoice_number"] == "INV-2"


def test_a_reminder_sent_by_dispatch_goes_out_as_action_sent(engine, settings, tmp_path):
    from creditflow.dispatch.worker import dispatch_due
    from tests.support.dispatch_ledger import (
        END_OF_DAY,
        SEND_TIME,
        queued_reminders,
        with_organisation,
    )

    settings = with_organisation(settings)
    [queued] = queued_reminders(engine, settings, tmp_path)
    with running_receiver() as receiver:
        _subscribe(engine, receiver.url("/crm"), ["action.sent", "action.failed"])
        assert dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME).sent == 1
        assert deliver_due(engine, Clock()).delivered == 1
        [sent] = receiver.wait_for(1)
    body = json.loads(sent.body)
    assert body["type"] == "action.sent"
    assert (body["data"]["action_id"], body["data"]["customer_id"]) == (queued["action_id"], "C001")
