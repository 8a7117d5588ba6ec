"""Backoff, jitter, retry limit and failover choice (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from creditflow.config.sections import parse_dispatch
from creditflow.dispatch.retry import (
    DispatchPolicy,
    backoff_seconds,
    next_attempt_at,
    next_channel,
)

NOW = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
NO_JITTER = DispatchPolicy(retry_jitter=0)


@pytest.mark.parametrize(("attempts", "seconds"), [(1, 60), (2, 120), (3, 240), (4, 480)])
def test_backoff_doubles_from_a_minute(attempts, seconds):
    assert backoff_seconds(NO_JITTER, attempts) == seconds


@pytest.mark.parametrize(("rand", "seconds"), [(0.0, 48.0), (0.5, 60.0), (0.999999, 72.0)])
def test_jitter_spreads_the_wait_by_up_to_a_fifth_either_way(rand, seconds):
    assert backoff_seconds(DispatchPolicy(), 1, lambda: rand) == pytest.approx(seconds, abs=1e-3)


def test_after_the_fifth_attempt_there_is_no_retry():
    assert next_attempt_at(NO_JITTER, 4, NOW) == NOW + timedelta(seconds=480)
    assert next_attempt_at(NO_JITTER, 5, NOW) is None


def test_the_policy_is_read_from_the_dispatch_section():
    policy = parse_dispatch({"dispatch": {"retry_base_seconds": "30", "max_attempts": 3}})
    assert (policy.retry_base_seconds, policy.max_attempts, policy.retry_factor) == (30.0, 3, 2.0)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"retries": 3}, "unknown setting(s) retries"),
        ({"max_attempts": "many"}, "max_attempts: 'many' is not a number"),
        ({"max_attempts": 0}, "max_attempts: must be at least 1"),
        ({"retry_jitter": 1.5}, "retry_jitter: must be in [0, 1)"),
    ],
)
def test_a_bad_dispatch_section_is_refused_by_name(section, message):
    with pytest.raises(
        ValueError, match=message.replace("(", r"\(").replace("[", r"\[").replace(")", r"\)")
    ):
        parse_dispatch({"dispatch": section})


@pytest.mark.parametrize(
    ("fallbacks", "reachable", "refused", "expected"),
    [
        (["sms", "letter"], {"sms", "letter"}, (), ("sms", ["letter"])),
        (["sms", "letter"], {"letter"}, (), ("letter", [])),
        (["email", "letter"], {"email", "letter"}, {"email"}, ("letter", [])),
        (["sms"], set(), (), (None, [])),
        ([], {"email"}, (), (None, [])),
    ],
)
def test_failover_takes_the_next_reachable_channel(fallbacks, reachable, refused, expected):
    assert next_channel(fallbacks, reachable, refused) == expected
