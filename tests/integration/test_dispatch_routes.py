"""Delivery feedback endpoints and the reminder-call TwiML, through the web app."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from creditflow.api.app import create_app
from creditflow.channels.twilio import sign_twilio_request
from creditflow.config.sections import EmailSettings, Secret
from creditflow.dispatch.worker import dispatch_due
from tests.support.compliance_ledger import consumer, rows
from tests.support.dispatch_ledger import (
    END_OF_DAY,
    SEND_TIME,
    action_rows,
    events,
    one_step_strategy,
    queued_reminders,
    with_organisation,
)

TOKEN = "twilio-test-token"
BOUNCE_TOKEN = "bounce-secret"
STATUS_URL = "http://testserver/webhooks/twilio/status"


@pytest.fixture
def app_settings(settings):
    return replace(
        with_organisation(settings),
        portal_base_url="http://testserver",
        providers={"twilio": {"auth_token": TOKEN}},
        email=EmailSettings(bounce_token=Secret("bounce_token", BOUNCE_TOKEN)),
    )


def sent_by(engine, settings, tmp_path, channel: str, **customer):
    queued_reminders(
        engine,
        settings,
        tmp_path,
        customers=[consumer("C001", phone="+31612345678", preferred_channel=channel, **customer)],
    )
    report = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)
    assert report.sent == 1, report.line()
    [action] = action_rows(engine)
    return action


def post_status(client, params: dict[str, str], token: str = TOKEN):
    signature = sign_twilio_request(STATUS_URL, params, token)
    return client.post(
        "/webhooks/twilio/status", data=params, headers={"X-Twilio-Signature": signature}
    )


def test_a_delivered_callback_marks_the_sms_delivered(engine, app_settings, tmp_path):
    action = sent_by(engine, app_settings, tmp_path, "sms")
    with TestClient(create_app(app_settings)) as client:
        sid = action["provider_message_id"]
        assert post_status(client, {"MessageSid": sid, "MessageStatus": "sent"}).status_code == 204
        assert action_rows(engine)[0]["status"] == "sent"
        assert (
            post_status(client, {"MessageSid": sid, "MessageStatus": "delivered"}).status_code
            == 204
        )
    assert action_rows(engine)[0]["status"] == "delivered"
    assert events(engine, "message.delivered")[0]["channel"] == "sms"


def test_a_callback_with_a_forged_signature_is_refused(engine, app_settings, tmp_path):
    action = sent_by(engine, app_settings, tmp_path, "sms")
    with TestClient(create_app(app_settings)) as client:
        params = {"MessageSid": action["provider_message_id"], "MessageStatus": "delivered"}
        assert post_status(client, params, token="wrong").status_code == 403
    assert action_rows(engine)[0]["status"] == "sent"


def test_undelivered_to_an_unknown_number_marks_it_invalid_and_fails_over(
    engine, app_settings, tmp_path
):
    action = sent_by(engine, app_settings, tmp_path, "sms")
    with TestClient(create_app(app_settings)) as client:
        params = {
            "MessageSid": action["provider_message_id"],
            "MessageStatus": "undelivered",
            "ErrorCode": "30005",
        }
        assert post_status(client, params).status_code == 204
    [after] = action_rows(engine)
    assert after["status"] == "queued" and after["channel"] in ("email", "letter")
    [point] = rows(engine, "SELECT valid, invalid_reason FROM contact_point WHERE channel = 'sms'")
    assert not point["valid"] and "30005" in point["invalid_reason"]
    again = dispatch_due(engine, app_settings, until=END_OF_DAY, now=SEND_TIME)
    assert again.sent == 1


def test_a_hard_bounce_invalidates_the_address_and_a_soft_one_is_only_noted(
    engine, app_settings, tmp_path
):
    action = sent_by(engine, app_settings, tmp_path, "email")
    with TestClient(create_app(app_settings)) as client:
        headers = {"X-Creditflow-Token": BOUNCE_TOKEN}
        soft = {
            "action_id": action["action_id"],
            "type": "soft",
            "status": "4.2.2",
            "diagnostic": "mailbox full",
        }
        assert client.post("/webhooks/email/bounce", json=soft, headers=headers).status_code == 200
        assert action_rows(engine)[0]["status"] == "sent"
        refused = client.post(
            "/webhooks/email/bounce", json=soft, headers={"X-Creditflow-Token": "x"}
        )
        assert refused.status_code == 403
        hard = {
            "message_id": action["provider_message_id"],
            "type": "hard",
            "status": "5.1.1",
            "recipient": "c001@example.nl",
        }
        answer = client.post("/webhooks/email/bounce", json=hard, headers=headers)
    assert answer.status_code == 200
    [after] = action_rows(engine)
    assert after["channel"] != "email" and after["status"] == "queued", answer.json()
    [point] = rows(engine, "SELECT valid FROM contact_point WHERE channel = 'email'")
    assert not point["valid"]
    assert [e["kind"] for e in events(engine, "message.bounced")] == ["message.bounced"] * 2


def test_the_call_script_is_served_for_the_voice_action_with_a_voicemail_variant(
    engine, app_settings, tmp_path
):
    queued_reminders(
        engine,
        app_settings,
        tmp_path,
        strategy=one_step_strategy("[voice, letter]"),
        customers=[consumer("C001", phone="+31201234567")],
    )
    [queued] = action_rows(engine)
    assert queued["channel"] == "voice"
    dispatch_due(engine, app_settings, until=END_OF_DAY, now=SEND_TIME)
    with TestClient(create_app(app_settings)) as client:
        live = client.post(f"/voice/twiml/{queued['action_id']}", data={"AnsweredBy": "human"})
        machine = client.post(
            f"/voice/twiml/{queued['action_id']}", data={"AnsweredBy": "machine_end_beep"}
        )
        assert client.get("/voice/twiml/not-an-action").status_code == 404
    assert live.status_code == 200 and "<Gather" in live.text
    assert "http://testserver/webhooks/twilio/voice/gather" in live.text
    assert "<Hangup" in machine.text and "<Gather" not in machine.text
