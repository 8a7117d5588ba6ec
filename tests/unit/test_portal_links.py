"""Signed customer links: round trip, expiry, forgery, purpose and customer scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from creditflow.links.tokens import (
    LinkError,
    make_customer_token,
    pay_url,
    read_customer_token,
    read_token_for_any,
    require_customer,
)

SECRET = "a-test-secret-of-reasonable-length"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_round_trip_carries_customer_action_and_issue_time() -> None:
    token = make_customer_token(SECRET, "C001", purpose="pay", action_id="act-7", now=NOW)
    claims = read_customer_token(SECRET, token, purpose="pay", now=NOW + timedelta(hours=1))
    assert claims.customer_id == "C001"
    assert claims.action_id == "act-7"
    assert claims.issued_at == NOW
    assert claims.purpose == "pay"


def test_default_purpose_is_portal_and_action_is_optional() -> None:
    token = make_customer_token(SECRET, "C002", now=NOW)
    claims = read_customer_token(SECRET, token, now=NOW)
    assert (claims.customer_id, claims.action_id, claims.purpose) == ("C002", None, "portal")


def test_token_is_url_safe() -> None:
    token = make_customer_token(SECRET, "Ä/ß ?&#", purpose="pay", action_id="x/y", now=NOW)
    assert all(c.isalnum() or c in "-_." for c in token)
    assert read_customer_token(SECRET, token, purpose="pay", now=NOW).customer_id == "Ä/ß ?&#"


@pytest.mark.parametrize(
    ("age", "max_age_days", "accepted"),
    [
        (timedelta(days=29, hours=23), 30, True),
        (timedelta(days=30), 30, True),
        (timedelta(days=30, seconds=1), 30, False),
        (timedelta(days=2), 1, False),
        (timedelta(hours=23), 1, True),
    ],
)
def test_expiry(age: timedelta, max_age_days: int, accepted: bool) -> None:
    token = make_customer_token(SECRET, "C001", purpose="pay", now=NOW)
    if accepted:
        assert read_customer_token(SECRET, token, "pay", max_age_days, now=NOW + age)
    else:
        with pytest.raises(LinkError) as refused:
            read_customer_token(SECRET, token, "pay", max_age_days, now=NOW + age)
        assert refused.value.reason == "expired"


def test_token_from_the_future_is_refused() -> None:
    token = make_customer_token(SECRET, "C001", now=NOW + timedelta(days=1))
    with pytest.raises(LinkError) as refused:
        read_customer_token(SECRET, token, now=NOW)
    assert refused.value.reason == "expired"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-5] + ("x" if t[-5] != "x" else "y") + t[-4:],  # signature changed
        lambda t: "eyJjIjoiQzAwMiIsInAiOiJwYXkifQ" + t[t.index(".") :],  # payload swapped
        lambda t: t.split(".")[0],  # signature cut off
        lambda t: "not-a-token",
        lambda t: "",
    ],
    ids=["signature", "payload", "truncated", "garbage", "empty"],
)
def test_forged_token_is_refused(tamper) -> None:  # type: ignore[no-untyped-def]
    token = make_customer_token(SECRET, "C001", purpose="pay", now=NOW)
    with pytest.raises(LinkError) as refused:
        read_customer_token(SECRET, tamper(token), "pay", now=NOW)
    assert refused.value.reason == "forged"


def test_token_signed_with_another_key_is_forged() -> None:
    token = make_customer_token("another-database-secret", "C001", purpose="pay", now=NOW)
    with pytest.raises(LinkError) as refused:
        read_customer_token(SECRET, token, "pay", now=NOW)
    assert refused.value.reason == "forged"


def test_token_for_another_purpose_is_refused() -> None:
    token = make_customer_token(SECRET, "C001", purpose="unsubscribe", now=NOW)
    with pytest.raises(LinkError) as refused:
        read_customer_token(SECRET, token, "pay", now=NOW)
    assert refused.value.reason == "wrong_purpose"


def test_read_for_any_accepts_each_listed_purpose_only() -> None:
    portal = make_customer_token(SECRET, "C001", purpose="portal", now=NOW)
    assert read_token_for_any(SECRET, portal, ("pay", "portal"), now=NOW).purpose == "portal"
    other = make_customer_token(SECRET, "C001", purpose="unsubscribe", now=NOW)
    with pytest.raises(LinkError) as refused:
        read_token_for_any(SECRET, other, ("pay", "portal"), now=NOW)
    assert refused.value.reason == "wrong_purpose"


def test_token_of_customer_a_is_refused_on_customer_b() -> None:
    claims = read_customer_token(SECRET, make_customer_token(SECRET, "A", now=NOW), now=NOW)
    assert require_customer(claims, "A") is claims
    with pytest.raises(LinkError) as refused:
        require_customer(claims, "B")
    assert refused.value.reason == "other_customer"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"secret": "", "customer_id": "C1"}, "secret"),
        ({"secret": SECRET, "customer_id": ""}, "customer_id"),
        ({"secret": SECRET, "customer_id": "C1", "purpose": "Bad Purpose"}, "purpose"),
    ],
)
def test_bad_arguments_name_the_field(kwargs: dict[str, str], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        make_customer_token(**kwargs)


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        make_customer_token(SECRET, "C1", now=datetime(2026, 1, 1))  # noqa: DTZ001


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("https://pay.example.nl", "https://pay.example.nl/p/TOKEN"),
        ("https://pay.example.nl/", "https://pay.example.nl/p/TOKEN"),
        ("http://127.0.0.1:8000/creditflow", "http://127.0.0.1:8000/creditflow/p/TOKEN"),
    ],
)
def test_pay_url(base: str, expected: str) -> None:
    assert pay_url(base, "TOKEN") == expected
