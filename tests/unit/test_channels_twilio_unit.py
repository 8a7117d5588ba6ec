"""Twilio without a network: request signatures, form fields, answer classification."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from creditflow.channels.base import OutboundMessage
from creditflow.channels.twilio import (
    TwilioMessagingAdapter,
    TwilioVoiceAdapter,
    result_from_response,
    sign_twilio_request,
    verify_twilio_signature,
)
from creditflow.money import Money

DOC_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOC_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}
SID = "AC" + "1" * 32


def test_signature_matches_twilios_documented_example():
    # The worked example in Twilio's webhook security documentation (auth token 12345).
    assert sign_twilio_request(DOC_URL, DOC_PARAMS, "12345") == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


@pytest.mark.parametrize(
    ("url", "params", "token"),
    [
        (DOC_URL, DOC_PARAMS, "54321"),
        (DOC_URL.replace("foo=1", "foo=2"), DOC_PARAMS, "12345"),
        (DOC_URL, {**DOC_PARAMS, "Digits": "1"}, "12345"),
        (DOC_URL, {**DOC_PARAMS, "Extra": ""}, "12345"),
    ],
)
def test_tampered_requests_fail_verification(url, params, token):
    assert verify_twilio_signature(DOC_URL, DOC_PARAMS, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", "12345")
    assert not verify_twilio_signature(url, params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", token)


def test_garbage_signature_is_false_not_an_error():
    assert not verify_twilio_signature(DOC_URL, DOC_PARAMS, "ä not base64", "12345")


def message(channel: str = "sms", **overrides: object) -> OutboundMessage:
    fields: dict[str, object] = {
        "action_id": "A-1",
        "customer_id": "C001",
        "channel": channel,
        "to": "+31612345678",
        "text": "Uw factuur staat open: https://pay.example.nl/p/1",
        "status_callback_url": "https://cf.example.nl/hooks/twilio?action=A-1",
    }
    fields.update(overrides)
    return OutboundMessage(**fields)  # type: ignore[arg-type]


def test_sms_form_fields():
    adapter = TwilioMessagingAdapter(SID, "tok", "+3197010000000")
    assert adapter.message_params(message()) == [
        ("To", "+31612345678"),
        ("From", "+3197010000000"),
        ("Body", "Uw factuur staat open: https://pay.example.nl/p/1"),
        ("StatusCallback", "https://cf.example.nl/hooks/twilio?action=A-1"),
    ]


def test_whatsapp_template_uses_content_sid_and_prefixes():
    adapter = TwilioMessagingAdapter(SID, "tok", "+3197010000000", whatsapp=True)
    params = dict(
        adapter.message_params(
            message(
                "whatsapp",
                metadata={"content_sid": "HX123", "content_variables": '{"1":"412,50"}'},
            )
        )
    )
    assert params["To"] == "whatsapp:+31612345678"
    assert params["From"] == "whatsapp:+3197010000000"
    assert (params["ContentSid"], params["ContentVariables"]) == ("HX123", '{"1":"412,50"}')
    assert "Body" not in params


def test_whatsapp_inside_the_session_window_sends_plain_body():
    adapter = TwilioMessagingAdapter(SID, "tok", "whatsapp:+3197010000000", whatsapp=True)
    params = dict(adapter.message_params(message("whatsapp", to="whatsapp:+31612345678")))
    assert params["To"] == "whatsapp:+31612345678"
    assert params["From"] == "whatsapp:+3197010000000"
    assert params["Body"].startswith("Uw factuur")


def test_call_form_fields_carry_twiml_url_machine_detection_and_callbacks():
    adapter = TwilioVoiceAdapter(SID, "tok", "+3120000000")
    params = adapter.call_params(
        message("voice", metadata={"twiml_url": "https://cf.example.nl/twiml/A-1"})
    )
    assert ("Url", "https://cf.example.nl/twiml/A-1") in params
    assert ("MachineDetection", "DetectMessageEnd") in params
    assert [v for k, v in params if k == "StatusCallbackEvent"] == [
        "initiated",
        "ringing",
        "answered",
        "completed",
    ]


def test_call_without_twiml_url_is_refused():
    adapter = TwilioVoiceAdapter(SID, "tok", "+3120000000")
    with pytest.raises(ValueError, match=r"A-1 has no metadata\['twiml_url'\]"):
        adapter.call_params(message("voice"))


def test_sms_adapter_refuses_a_whatsapp_message():
    with pytest.raises(ValueError, match="this adapter sends sms"):
        TwilioMessagingAdapter(SID, "tok", "+31").message_params(message("whatsapp"))


def test_auth_token_is_not_in_the_repr():
    assert "s3cret" not in repr(TwilioMessagingAdapter(SID, "s3cret", "+31"))


def answer(status: int, body: object) -> httpx.Response:
    return httpx.Response(status, json=body)


def test_created_message_records_sid_segments_and_price():
    result = result_from_response(
        "twilio",
        answer(
            201,
            {"sid": "SMabc", "status": "queued", "num_segments": "2", "price": "-0.15200",
             "price_unit": "EUR"},
        ),
    )  # fmt: skip
    assert result.ok
    assert result.provider_message_id == "SMabc"
    assert result.segments == 2
    assert result.cost == Money(Decimal("0.15200"), "EUR")


def test_created_message_without_price_has_no_cost():
    result = result_from_response("twilio", answer(201, {"sid": "SMabc", "price": None}))
    assert (result.cost, result.segments) == (None, None)


@pytest.mark.parametrize(
    ("status", "code", "expected", "contact_invalid"),
    [
        (400, 21211, "permanent_failure", True),  # invalid 'To' number
        (400, 21614, "permanent_failure", True),  # not a mobile number
        (400, 21610, "permanent_failure", False),  # recipient replied STOP
        (401, 20003, "permanent_failure", False),  # bad credentials
        (429, 20429, "transient_failure", False),
        (500, 20500, "transient_failure", False),
        (503, None, "transient_failure", False),
    ],
)
def test_twilio_errors_are_classified(status, code, expected, contact_invalid):
    body = {"code": code, "message": "explained", "status": status} if code else "oops"
    result = result_from_response("twilio", answer(status, body))
    assert (result.status, result.contact_invalid) == (expected, contact_invalid)
    assert result.error is not None and f"HTTP {status}" in result.error
    if code:
        assert f"code {code}" in result.error
