"""The conversation pipeline per intent, in Dutch and English, and its webhooks."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, select

from creditflow.channels.twilio import sign_twilio_request
from creditflow.config import Settings
from creditflow.db import transaction
from creditflow.inbound.models import ConversationMessage
from creditflow.inbound.pipeline import handle_message
from creditflow.ledger.models import Customer, Dispute, Event, Invoice, PromiseToPay
from tests.support.portal_data import NOW, actions_of, add_customer, add_invoice, make_client

TWILIO_TOKEN = "test-auth-token-123"
NL_PHONE, EN_PHONE = "+31612345678", "+31698765432"


@pytest.fixture
def ledger(engine: Engine) -> dict[str, int]:
    """A Dutch and an English customer, each with two overdue invoices."""
    with transaction(engine) as session:
        nl = add_customer(session, "NL1", language="nl", email="jan@example.nl", phone=NL_PHONE)
        en = add_customer(session, "EN1", language="en", email="ann@example.com", phone=EN_PHONE)
        for customer, prefix in ((nl, "1"), (en, "2")):
            add_invoice(session, customer, f"INV-{prefix}001", 10_000, date(2026, 1, 20))
            add_invoice(session, customer, f"INV-{prefix}002", 20_000, date(2026, 2, 5))
        return {"nl": nl.id, "en": en.id}


def _handle(
    engine: Engine,
    settings: Settings,
    sender: str,
    text: str,
    channel: str = "sms",
    provider_id: str | None = None,
) -> Any:
    with transaction(engine) as session:
        return handle_message(
            session,
            settings,
            channel=channel,
            sender=sender,
            text=text,
            received_at=NOW,
            provider_id=provider_id,
        )


CASES = [
    # language, text, intent, what is queued (kind, channel, step), a word of the answer
    ("nl", "Stuur me een betaallink", "pay_link", ("message", "sms", "pay_link"), "betaallink"),
    (
        "en",
        "Send me a payment link please",
        "pay_link",
        ("message", "sms", "pay_link"),
        "payment link",
    ),
    ("nl", "Ik heb al betaald", "already_paid", ("task", "review", "check_payment"), "controleren"),
    (
        "en",
        "I already paid last week",
        "already_paid",
        ("task", "review", "check_payment"),
        "check your payment",
    ),
    (
        "nl",
        "Ik betaal vrijdag",
        "promise",
        ("message", "email", "promise_confirmation"),
        "06-03-2026",
    ),
    (
        "en",
        "I will pay on Friday",
        "promise",
        ("message", "email", "promise_confirmation"),
        "06-03-2026",
    ),
    ("nl", "Ik wil graag een betalingsregeling", "payment_plan", None, "/portal/"),
    ("en", "Can I pay in installments?", "payment_plan", None, "/portal/"),
    (
        "nl",
        "Factuur INV-1002 klopt niet, ik heb dit nooit besteld",
        "dispute",
        ("task", "review", "dispute_review"),
        "INV-1002",
    ),
    (
        "en",
        "I dispute invoice INV-2002, I never received the goods",
        "dispute",
        ("task", "review", "dispute_review"),
        "INV-2002",
    ),
    (
        "nl",
        "Waarom is de factuur zo hoog?",
        "invoice_question",
        ("task", "review", "invoice_question"),
        "/portal/",
    ),
    (
        "en",
        "What is this invoice for?",
        "invoice_question",
        ("task", "review", "invoice_question"),
        "/portal/",
    ),
    (
        "nl",
        "Kunt u mij een kopie van de factuur sturen?",
        "invoice_copy",
        ("task", "review", "invoice_copy"),
        "kopie",
    ),
    (
        "en",
        "Can you send me a copy of the invoice?",
        "invoice_copy",
        ("task", "review", "invoice_copy"),
        "copy",
    ),
    ("nl", "STOP", "opt_out", None, "afgemeld"),
    ("en", "Unsubscribe", "opt_out", None, "unsubscribed"),
    ("nl", "Ik wil iemand spreken", "human", ("task", "call", "callback"), "medewerker"),
    ("en", "I want to talk to a person", "human", ("task", "call", "callback"), "colleague"),
    ("nl", "asdf qwerty", "unknown", ("task", "review", "read_message"), "medewerker"),
    ("en", "asdf qwerty", "unknown", ("task", "review", "read_message"), "colleague"),
]


@pytest.mark.parametrize(("lang", "text", "intent", "queued", "answer"), CASES)
def test_each_intent_is_acted_on_and_answered_in_the_customers_language(
    engine, settings, ledger, lang, text, intent, queued, answer
):
    sender = NL_PHONE if lang == "nl" else EN_PHONE
    reply = _handle(engine, settings, sender, text, provider_id=f"SM-{lang}-{intent}")
    assert (reply.intent, reply.language, reply.customer_pk) == (intent, lang, ledger[lang])
    assert answer in reply.text
    steps = {(a["kind"], a["channel"], a["step"]) for a in actions_of(engine, ledger[lang])}
    if queued is not None:
        assert queued in steps
    with transaction(engine) as session:
        stored = session.scalars(select(ConversationMessage).order_by(ConversationMessage.id)).all()
        events = session.scalars(select(Event.kind).where(Event.customer_id == ledger[lang])).all()
        customer = session.get(Customer, ledger[lang])
        assert customer is not None
        if intent == "promise":
            promise = session.scalars(select(PromiseToPay)).one()
            assert (promise.promised_date, promise.source) == (date(2026, 3, 6), "sms")
        if intent == "dispute":
            dispute = session.scalars(select(Dispute)).one()
            invoice = session.get(Invoice, dispute.invoice_id)
            assert invoice is not None and invoice.invoice_number in text
        if intent == "opt_out":
            assert "sms" in customer.opt_out
    assert [(m.direction, m.intent) for m in stored] == [("in", intent), ("out", intent)]
    assert {"conversation.in", "conversation.out"} <= set(events)


def test_a_promise_too_far_ahead_is_not_recorded(engine, settings, ledger):
    reply = _handle(engine, settings, NL_PHONE, "Ik betaal over 3 weken")
    assert reply.intent == "promise" and "14 dagen" in reply.text
    with transaction(engine) as session:
        assert session.scalars(select(PromiseToPay)).first() is None


def test_a_dispute_without_an_invoice_number_takes_the_oldest_open(engine, settings, ledger):
    reply = _handle(engine, settings, NL_PHONE, "Ik heb dit nooit besteld, klopt niet")
    assert reply.intent == "dispute" and "INV-1001" in reply.text


def test_the_same_provider_message_is_handled_once(engine, settings, ledger):
    first = _handle(engine, settings, NL_PHONE, "Ik wil iemand spreken", provider_id="SM1")
    again = _handle(engine, settings, NL_PHONE, "Ik wil iemand spreken", provider_id="SM1")
    assert again.duplicate and again.text == first.text
    tasks = [a for a in actions_of(engine, ledger["nl"]) if a["kind"] == "task"]
    assert len(tasks) == 1


def test_an_unknown_sender_is_pointed_to_the_login_page(engine, settings, ledger):
    reply = _handle(engine, settings, "+31600000000", "Stuur me een betaallink")
    assert reply.customer_pk is None and "/portal/login" in reply.text


def _twilio_settings(settings: Settings) -> Settings:
    providers = {
        **settings.providers,
        "twilio": {"auth_token": TWILIO_TOKEN},
        "email_inbound": {"secret": "mail-secret"},
    }
    return replace(settings, providers=providers)


def test_twilio_webhook_with_a_valid_signature_answers_in_twiml(engine, settings, ledger):
    settings = _twilio_settings(settings)
    params = {
        "From": f"whatsapp:{EN_PHONE}",
        "Body": "Send me a payment link please",
        "MessageSid": "SM123",
    }
    url = f"{settings.portal_base_url}/webhooks/twilio/inbound"
    response = make_client(settings).post(
        "/webhooks/twilio/inbound",
        data=params,
        headers={"X-Twilio-Signature": sign_twilio_request(url, params, TWILIO_TOKEN)},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xml")
    assert "<Response><Message>We are sending you a payment link." in response.text
    queued = [a for a in actions_of(engine, ledger["en"]) if a["step"] == "pay_link"]
    assert queued[0]["channel"] == "whatsapp" and "/p/" in queued[0]["payload"]["pay_url"]


def test_twilio_webhook_with_a_bad_signature_is_refused(engine, settings, ledger):
    settings = _twilio_settings(settings)
    params = {"From": NL_PHONE, "Body": "STOP", "MessageSid": "SM124"}
    response = make_client(settings).post(
        "/webhooks/twilio/inbound", data=params, headers={"X-Twilio-Signature": "bm90IHZhbGlk"}
    )
    assert response.status_code == 403
    with transaction(engine) as session:
        assert session.scalars(select(ConversationMessage)).first() is None


@pytest.mark.parametrize(
    ("digits", "kind", "step"), [("1", "message", "pay_link"), ("2", "task", "callback")]
)
def test_voice_key_presses(engine, settings, ledger, digits, kind, step):
    settings = _twilio_settings(settings)
    params = {
        "To": NL_PHONE,
        "From": "+3120000000",
        "Digits": digits,
        "CallSid": "CA1",
        "Direction": "outbound-api",
    }
    url = f"{settings.portal_base_url}/webhooks/twilio/voice/gather"
    response = make_client(settings).post(
        "/webhooks/twilio/voice/gather",
        data=params,
        headers={"X-Twilio-Signature": sign_twilio_request(url, params, TWILIO_TOKEN)},
    )
    assert response.status_code == 200 and '<Say language="nl-NL">' in response.text
    steps = [(a["kind"], a["step"]) for a in actions_of(engine, ledger["nl"])]
    assert steps == [(kind, step)]


def test_email_webhook_needs_the_shared_secret(engine, settings, ledger):
    client = make_client(_twilio_settings(settings))
    body = {
        "from": "Ann <ann@example.com>",
        "subject": "Re: reminder",
        "text": "I will pay on Friday\n\nOn Mon, 2 Mar 2026 someone wrote:\n> pay now",
        "message_id": "<m1@example.com>",
    }
    assert client.post("/webhooks/email/inbound", json=body).status_code == 403
    response = client.post(
        "/webhooks/email/inbound", json=body, headers={"X-Creditflow-Secret": "mail-secret"}
    )
    assert response.status_code == 200 and response.json()["intent"] == "promise"
    steps = {a["step"] for a in actions_of(engine, ledger["en"])}
    assert {"promise_confirmation", "conversation_reply"} <= steps
