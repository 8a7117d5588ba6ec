"""Twilio adapters against a local emulator of Twilio's Messages and Calls API."""

from __future__ import annotations

import asyncio
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from creditflow.channels.base import OutboundMessage, SendResult
from creditflow.channels.twilio import (
    TwilioMessagingAdapter,
    TwilioVoiceAdapter,
    verify_twilio_signature,
)
from creditflow.money import Money

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # for tests.support

from tests.support.http_receiver import running_receiver  # noqa: E402
from tests.support.smtp_server import free_port  # noqa: E402
from tests.support.twilio_emulator import TwilioEmulator, running_twilio_emulator  # noqa: E402

SID = "AC" + "7" * 32
TOKEN = "emulator-token"
FROM = "+3197010000001"


@pytest.fixture
def twilio():
    emulator = TwilioEmulator(SID, TOKEN, landlines={"+31201234567"})
    with running_twilio_emulator(emulator) as server:
        yield server


@pytest.fixture
def callbacks():
    with running_receiver() as receiver:
        yield receiver


def sms(to: str = "+31612345678", action_id: str = "A-1", **extra: object) -> OutboundMessage:
    fields: dict[str, object] = {
        "action_id": action_id,
        "customer_id": "C001",
        "channel": "sms",
        "to": to,
        "text": "Er staat EUR 412,50 open. Betaal: https://pay.example.nl/p/1 STOP=stop",
    }
    fields.update(extra)
    return OutboundMessage(**fields)  # type: ignore[arg-type]


def messaging(server, **kwargs: object) -> TwilioMessagingAdapter:
    return TwilioMessagingAdapter(SID, TOKEN, FROM, base_url=server.base_url, **kwargs)  # type: ignore[arg-type]


def test_sms_is_accepted_with_a_message_sid_and_segments(twilio):
    adapter = messaging(twilio)
    result = adapter.send(sms(text="x" * 200))
    adapter.close()
    assert result.ok, result.error
    assert result.provider_message_id is not None
    assert result.provider_message_id.startswith("SM")
    assert result.segments == 2
    (request,) = twilio.emulator.requests
    assert (request["To"], request["From"]) == ("+31612345678", FROM)


def test_price_is_recorded_when_twilio_returns_it(twilio):
    twilio.emulator.price, twilio.emulator.price_unit = "-0.07600", "EUR"
    adapter = messaging(twilio)
    result = adapter.send(sms())
    adapter.close()
    assert result.cost == Money(Decimal("0.07600"), "EUR")


def test_status_callbacks_are_signed_and_verify(twilio, callbacks):
    url = callbacks.url("/hooks/twilio/status?action=A-1")
    adapter = messaging(twilio)
    result = adapter.send(sms(status_callback_url=url))
    adapter.close()

    received = callbacks.wait_for(3)
    assert [r.form()["MessageStatus"] for r in received] == ["queued", "sent", "delivered"]
    for request in received:
        params = request.form()
        assert params["MessageSid"] == result.provider_message_id
        signature = request.headers["X-Twilio-Signature"]
        assert verify_twilio_signature(request.url, params, signature, TOKEN)
        assert not verify_twilio_signature(request.url, params, signature, "another-token")
        tampered = {**params, "MessageStatus": "failed"}
        assert not verify_twilio_signature(request.url, tampered, signature, TOKEN)
        assert not verify_twilio_signature(request.url + "&x=1", params, signature, TOKEN)


def test_undelivered_message_reports_the_error_code(twilio, callbacks):
    twilio.emulator.undeliverable.add("+31699999999")
    adapter = messaging(twilio)
    result = adapter.send(sms(to="+31699999999", status_callback_url=callbacks.url("/s")))
    adapter.close()
    assert result.ok  # accepted; the handset turns out unreachable later
    last = callbacks.wait_for(3)[-1].form()
    assert (last["MessageStatus"], last["ErrorCode"]) == ("undelivered", "30003")


def test_server_errors_are_transient_and_the_next_send_recovers(twilio):
    twilio.emulator.fail_next(2)
    adapter = messaging(twilio)
    results = [adapter.send(sms(action_id="A-1")) for _ in range(3)]
    adapter.close()
    assert [r.status for r in results] == ["transient_failure", "transient_failure", "sent"]
    assert "HTTP 500 code 20500" in (results[0].error or "")


def test_invalid_number_is_permanent_and_marks_the_contact_invalid(twilio):
    adapter = messaging(twilio)
    result = adapter.send(sms(to="+3106"))
    landline = adapter.send(sms(to="+31201234567"))
    adapter.close()
    assert (result.status, result.contact_invalid) == ("permanent_failure", True)
    assert "21211" in (result.error or "")
    assert (landline.status, landline.contact_invalid) == ("permanent_failure", True)
    assert "21614" in (landline.error or "")


def test_wrong_credentials_are_permanent_but_not_the_contacts_fault(twilio):
    adapter = TwilioMessagingAdapter(SID, "wrong", FROM, base_url=twilio.base_url)
    result = adapter.send(sms())
    adapter.close()
    assert (result.status, result.contact_invalid) == ("permanent_failure", False)
    assert "20003" in (result.error or "")
    assert twilio.emulator.callbacks == []


def test_unreachable_api_is_transient():
    adapter = TwilioMessagingAdapter(SID, TOKEN, FROM, base_url=f"http://127.0.0.1:{free_port()}")
    result = adapter.send(sms())
    assert result.status == "transient_failure"


def test_whatsapp_template_outside_the_session_window(twilio):
    adapter = messaging(twilio, whatsapp=True)
    message = OutboundMessage(
        action_id="A-wa",
        customer_id="C001",
        channel="whatsapp",
        to="+31612345678",
        text="(template)",
        metadata={"content_sid": "HX0123456789abcdef", "content_variables": '{"1":"412,50"}'},
    )
    result = adapter.send(message)
    adapter.close()
    assert result.ok, result.error
    (request,) = twilio.emulator.requests
    assert request["To"] == "whatsapp:+31612345678"
    assert request["From"] == f"whatsapp:{FROM}"
    assert request["ContentSid"] == "HX0123456789abcdef"
    assert request["ContentVariables"] == '{"1":"412,50"}'


def test_send_many_keeps_order_and_classifies_each(twilio):
    adapter = messaging(twilio)
    messages = [sms(action_id=f"A-{n}") for n in range(40)] + [sms(to="bad", action_id="A-bad")]
    results = asyncio.run(adapter.send_many(messages, concurrency=8))
    assert len(results) == 41
    assert all(r.ok for r in results[:40])
    assert len({r.provider_message_id for r in results[:40]}) == 40
    assert results[40].contact_invalid


def test_send_batch_keeps_its_connections_between_batches_and_classifies_each(twilio):
    twilio.emulator.fail_next(1)
    adapter = messaging(twilio)
    first = adapter.send_batch([sms(action_id=f"A-{n}") for n in range(20)], concurrency=4)
    second = adapter.send_batch(
        [sms(to="+3106", action_id="A-bad"), sms(action_id="A-20")], concurrency=4
    )
    adapter.close()
    again = adapter.send_batch([sms(action_id="A-21"), sms(action_id="A-22")], concurrency=2)
    adapter.close()

    assert sorted(r.status for r in first) == ["sent"] * 19 + ["transient_failure"]
    assert "HTTP 500" in next(r.error or "" for r in first if not r.ok)
    assert (second[0].status, second[0].contact_invalid) == ("permanent_failure", True)
    assert second[1].ok and all(r.ok for r in again)  # a closed adapter reconnects
    bodies = [request["Body"] for request in twilio.emulator.requests]
    assert len(bodies) == 24 and all("412,50" in body for body in bodies)


def test_send_batch_called_from_async_code_sends_one_by_one(twilio):
    adapter = messaging(twilio)

    async def from_a_coroutine() -> list[SendResult]:
        return adapter.send_batch([sms(action_id="A-1"), sms(action_id="A-2")], concurrency=2)

    results = asyncio.run(from_a_coroutine())
    adapter.close()
    assert [r.status for r in results] == ["sent", "sent"]
    assert len(twilio.emulator.requests) == 2


def test_send_batch_against_an_unreachable_api_is_transient_for_every_message():
    adapter = TwilioMessagingAdapter(SID, TOKEN, FROM, base_url=f"http://127.0.0.1:{free_port()}")
    results = adapter.send_batch([sms(action_id="A-1"), sms(action_id="A-2")], concurrency=2)
    adapter.close()
    assert [r.status for r in results] == ["transient_failure"] * 2
    assert "network error" in (results[0].error or "")


def test_robocall_posts_twiml_url_with_machine_detection_and_call_callbacks(twilio, callbacks):
    adapter = TwilioVoiceAdapter(SID, TOKEN, "+3120000000", base_url=twilio.base_url)
    call = OutboundMessage(
        action_id="A-call",
        customer_id="C001",
        channel="voice",
        to="+31612345678",
        text="Goedemiddag, er staat een factuur open.",
        metadata={"twiml_url": "https://cf.example.nl/twiml/A-call", "language": "nl"},
        status_callback_url=callbacks.url("/hooks/twilio/call"),
    )
    result = adapter.send(call)
    adapter.close()
    assert result.ok, result.error
    assert (result.provider_message_id or "").startswith("CA")
    (request,) = twilio.emulator.requests
    assert request["Url"] == "https://cf.example.nl/twiml/A-call"
    assert request["MachineDetection"] == "DetectMessageEnd"
    received = callbacks.wait_for(4)
    assert [r.form()["CallStatus"] for r in received] == [
        "initiated",
        "ringing",
        "in-progress",
        "completed",
    ]
    assert all(
        verify_twilio_signature(r.url, r.form(), r.headers["X-Twilio-Signature"], TOKEN)
        for r in received
    )
