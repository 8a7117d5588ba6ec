"""Webhook signing (Standard Webhooks), event types and the retry schedule, as tables."""

from __future__ import annotations

from datetime import timedelta

import pytest

from creditflow.webhooks.events import (
    EVENT_TYPES,
    check_event_types,
    retry_delay,
    timeline_kinds,
)
from creditflow.webhooks.signing import signature, signed_headers, verify

# The test vector of the Standard Webhooks specification.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIME = 1614265330
SPEC_BODY = b'{"test": 2432232314}'


def test_the_signature_matches_the_standard_webhooks_test_vector():
    assert (
        signature(SPEC_SECRET, SPEC_ID, SPEC_TIME, SPEC_BODY)
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


@pytest.mark.parametrize(
    ("case", "body", "now", "secret", "ok"),
    [
        ("as sent", SPEC_BODY, SPEC_TIME, SPEC_SECRET, True),
        ("four minutes later", SPEC_BODY, SPEC_TIME + 240, SPEC_SECRET, True),
        ("six minutes later: a replay", SPEC_BODY, SPEC_TIME + 360, SPEC_SECRET, False),
        ("body changed", b'{"test": 1}', SPEC_TIME, SPEC_SECRET, False),
        ("another secret", SPEC_BODY, SPEC_TIME, "whsec_" + "A" * 32, False),
    ],
)
def test_a_receiver_verifies_only_the_signed_body_in_time(case, body, now, secret, ok):
    headers = signed_headers(SPEC_SECRET, SPEC_ID, SPEC_TIME, SPEC_BODY)
    assert verify(secret, headers, body, now) is ok, case


def test_headers_without_a_signature_do_not_verify():
    assert not verify(SPEC_SECRET, {"webhook-id": SPEC_ID}, SPEC_BODY, SPEC_TIME)


@pytest.mark.parametrize(
    ("attempts", "wait"),
    [(0, None), (1, timedelta(seconds=30)), (2, timedelta(minutes=2)), (7, timedelta(hours=24)),
     (8, None)],
)  # fmt: skip
def test_a_failed_delivery_waits_longer_each_time_then_gives_up(attempts, wait):
    assert retry_delay(attempts) == wait


def test_event_types_are_checked_and_name_the_unknown_one():
    assert check_event_types(["invoice.paid", " payment.received", "invoice.paid"]) == [
        "invoice.paid",
        "payment.received",
    ]
    with pytest.raises(ValueError, match=r"unknown invoice\.eaten"):
        check_event_types(["invoice.eaten"])
    with pytest.raises(ValueError, match="at least one"):
        check_event_types([""])
    assert "dispute.opened" in EVENT_TYPES


def test_invoice_paid_is_read_from_the_payments_on_the_timeline():
    assert timeline_kinds(["invoice.paid"]) == ["payment.received"]
    assert timeline_kinds(["action.sent", "promise.created"]) == ["message.sent", "promise.made"]
