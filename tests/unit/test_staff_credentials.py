"""Passwords are argon2id hashes; API keys and session tokens are stored as digests."""

from __future__ import annotations

from datetime import UTC, datetime

import pyotp
import pytest
from argon2 import PasswordHasher

from creditflow.staff.credentials import (
    api_key_id,
    digest,
    hash_password,
    needs_rehash,
    new_api_key,
    new_token,
    new_totp_secret,
    same_digest,
    totp_step,
    totp_uri,
    verify_password,
)


def test_a_password_hash_is_argon2id_salted_and_verifies_only_the_password():
    first = hash_password("Kaasschaaf-Fietsbel-42")
    second = hash_password("Kaasschaaf-Fietsbel-42")
    assert first.startswith("$argon2id$") and first != second  # a fresh salt each time
    assert "Kaasschaaf" not in first
    assert verify_password(first, "Kaasschaaf-Fietsbel-42")
    assert not verify_password(first, "kaasschaaf-fietsbel-42")
    assert not verify_password(first, "")
    assert not verify_password("not a hash", "Kaasschaaf-Fietsbel-42")


def test_a_hash_made_with_weaker_parameters_asks_to_be_rehashed():
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("Kaasschaaf-42-Fiets")
    assert needs_rehash(weak)
    assert not needs_rehash(hash_password("Kaasschaaf-42-Fiets"))


def test_an_api_key_carries_its_public_id_and_is_stored_as_a_digest():
    key, key_id = new_api_key()
    assert key.startswith(f"cfk_{key_id}_") and len(key_id) == 8
    assert api_key_id(key) == key_id
    stored = digest(key)
    assert len(stored) == 64 and key not in stored
    assert same_digest(stored, key)
    assert not same_digest(stored, key[:-1] + ("A" if key[-1] != "A" else "B"))


@pytest.mark.parametrize(
    "presented",
    [
        "",
        "cfk_",
        "cfk_12345678",
        "cfk_1234567_abcdefghijklmnopqrstuvwxyz",  # id too short
        "cfk_ABCDEFGH_abcdefghijklmnopqrstuvwxyz",  # not lower-case hex
        "xyz_12345678_abcdefghijklmnopqrstuvwxyz",  # not our prefix
        "cfk_12345678_short",
    ],
)
def test_something_not_shaped_like_our_key_has_no_id(presented):
    assert api_key_id(presented) is None


def test_tokens_are_fresh_each_time():
    assert len({new_token() for _ in range(100)}) == 100
    assert len({new_api_key()[1] for _ in range(50)}) == 50


SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
AT = datetime(2026, 3, 10, 10, 0, 15, tzinfo=UTC)  # inside step 59_290_080 (30 s steps)


def _code(step: int) -> str:
    return pyotp.TOTP(SECRET).generate_otp(step)


@pytest.mark.parametrize(
    ("offset", "used", "accepted"),
    [
        (0, None, True),
        (-1, None, True),  # the previous step: a clock a little behind
        (1, None, True),
        (-2, None, False),  # a minute old
        (2, None, False),
        (0, 0, False),  # this step was used already: a code works once
        (1, 0, True),  # a later step after a used one is fine
    ],
)
def test_a_totp_code_is_taken_within_one_step_and_only_once(offset, used, accepted):
    current = int(AT.timestamp()) // 30
    used_step = None if used is None else current + used
    step = totp_step(SECRET, _code(current + offset), AT, used_step)
    assert (step == current + offset) if accepted else step is None


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 34 5"])
def test_a_malformed_totp_code_is_refused(code):
    assert totp_step(SECRET, code, AT, None) is None


def test_the_authenticator_address_names_the_user_and_creditflow():
    secret = new_totp_secret()
    assert len(secret) == 32
    uri = totp_uri(secret, "anna@example.nl")
    assert uri.startswith("otpauth://totp/creditflow:anna%40example.nl?secret=" + secret)
