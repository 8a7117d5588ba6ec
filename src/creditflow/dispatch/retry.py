"""Retry and failover policy for sending (pure: no clock, no database).

Transient failures (timeouts, 429, 5xx, SMTP 4xx) are retried with exponential
backoff and jitter: the n-th retry waits ``base * factor**(n-1)`` seconds, spread by
up to ``jitter`` (a fraction) either way so that many failed sends do not come back
at the same moment. After ``max_attempts`` attempts on one channel, or on a
permanent failure, the action fails over to the next channel of its
``fallback_channels`` that the customer can still be reached on.

Configured in ``[dispatch]`` of creditflow.toml: ``retry_base_seconds`` (60),
``retry_factor`` (2), ``max_attempts`` (5), ``retry_jitter`` (0.2),
``claim_timeout_seconds`` (300), ``batch_size`` (100), ``send_concurrency`` (8: requests
in flight at once for adapters that send a batch at once: Twilio SMS and WhatsApp, and
SMTP up to its ``max_connections``).
``batch_size`` also bounds how many attempts one stopped worker can leave unfinished.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

__all__ = ["DispatchPolicy", "backoff_seconds", "next_attempt_at", "next_channel", "policy_from"]


@dataclass(frozen=True)
class DispatchPolicy:
    """How dispatch retries, fails over and claims work."""

    retry_base_seconds: float = 60.0
    retry_factor: float = 2.0
    max_attempts: int = 5
    retry_jitter: float = 0.2
    claim_timeout_seconds: float = 300.0
    batch_size: int = 100
    send_concurrency: int = 8

    def __post_init__(self) -> None:
        if self.retry_base_seconds < 0:
            raise ValueError("[dispatch] retry_base_seconds: must not be negative")
        if self.retry_factor < 1:
            raise ValueError("[dispatch] retry_factor: must be at least 1")
        if self.max_attempts < 1:
            raise ValueError("[dispatch] max_attempts: must be at least 1")
        if not 0 <= self.retry_jitter < 1:
            raise ValueError("[dispatch] retry_jitter: must be in [0, 1)")
        if self.claim_timeout_seconds <= 0:
            raise ValueError("[dispatch] claim_timeout_seconds: must be positive")
        if self.batch_size < 1:
            raise ValueError("[dispatch] batch_size: must be at least 1")
        if self.send_concurrency < 1:
            raise ValueError("[dispatch] send_concurrency: must be at least 1")


_INTEGERS = ("max_attempts", "batch_size", "send_concurrency")


def policy_from(section: Mapping[str, Any] | None) -> DispatchPolicy:
    """The policy from the ``[dispatch]`` section; unknown keys are refused by name."""
    values = dict(section or {})
    known = set(DispatchPolicy.__dataclass_fields__)
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"[dispatch]: unknown setting(s) {', '.join(unknown)}")
    typed: dict[str, Any] = {}
    for key, value in values.items():
        try:
            typed[key] = int(value) if key in _INTEGERS else float(value)
        except (TypeError, ValueError):
            raise ValueError(f"[dispatch] {key}: {value!r} is not a number") from None
    return DispatchPolicy(**typed)


def backoff_seconds(
    policy: DispatchPolicy, attempts: int, rand: Callable[[], float] = random.random
) -> float:
    """Seconds to wait after the ``attempts``-th failed attempt (1-based), with jitter."""
    if attempts < 1:
        raise ValueError(f"attempts: must be at least 1, got {attempts}")
    delay = policy.retry_base_seconds * policy.retry_factor ** (attempts - 1)
    spread = policy.retry_jitter * (2 * rand() - 1)
    return max(0.0, delay * (1 + spread))


def next_attempt_at(
    policy: DispatchPolicy,
    attempts: int,
    now: datetime,
    rand: Callable[[], float] = random.random,
) -> datetime | None:
    """When to try again after ``attempts`` failed attempts; None once the limit is reached."""
    if attempts >= policy.max_attempts:
        return None
    return now + timedelta(seconds=backoff_seconds(policy, attempts, rand))


def next_channel(
    fallbacks: Sequence[str], reachable: Collection[str], refused: Collection[str] = ()
) -> tuple[str | None, list[str]]:
    """The first fallback channel the customer can be reached on, and the ones after it."""
    remaining = list(fallbacks)
    while remaining:
        channel = remaining.pop(0)
        if channel in reachable and channel not in refused:
            return channel, remaining
    return None, []
