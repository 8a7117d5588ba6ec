"""Push webhook signatures: what the creditor's app checks."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from creditflow.channels.push import push_signature, verify_push_signature

BODY = b'{"action_id":"A-1","text":"Uw factuur staat open"}'
NOW = 1_772_470_000


def test_signature_is_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(b"shh", f"{NOW}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert push_signature("shh", str(NOW), BODY) == f"sha256={expected}"


def test_valid_signature_within_tolerance_verifies():
    signature = push_signature("shh", str(NOW), BODY)
    assert verify_push_signature(BODY, str(NOW), signature, "shh", now=NOW + 299)


@pytest.mark.parametrize(
    ("body", "timestamp", "secret", "now"),
    [
        (BODY + b" ", str(NOW), "shh", NOW),  # body changed
        (BODY, str(NOW + 1), "shh", NOW),  # timestamp changed
        (BODY, str(NOW), "other", NOW),  # wrong secret
        (BODY, str(NOW), "shh", NOW + 301),  # replayed later
        (BODY, "not-a-number", "shh", NOW),
    ],
)
def test_tampered_or_stale_requests_are_rejected(body, timestamp, secret, now):
    signature = push_signature("shh", str(NOW), BODY)
    assert not verify_push_signature(body, timestamp, signature, secret, now=now)
