"""Retry and failover policy for sending (pure: no clock, no database).

Transient failures (timeouts, 429, 5xx, SMTP 4xx) are retried with exponential
backoff and jitter: the n-th retry waits ``base * factor**(n-1)`` seconds, spread by
up to ``jitter`` (a fraction) either way so that many failed sends do not come back
at the same moment. After ``max_attempts`` attempts on one channel, or on a
permanent failure, the action fails over to the next channel of its
``fallback_channels`` that the customer can still be reached on.

Configured in ``[dispatch]`` of creditflow.toml, parsed once by `creditflow.config`
into ``settings.dispatch``: ``retry_base_seconds`` (60), ``retry_factor`` (2), ``max_attempts`` (5), ``retry_jitter`` (0.2),
``claim_timeout_seconds`` (300), ``batch_size`` (100), ``send_concurrency`` (8: requests
in flight at once for adapters that send a batch at once: Twilio SMS and WhatsApp, and
SMTP up to its ``max_connections``).
``batch_size`` also bounds how many attempts one stopped worker can leave unfinished.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Sequence
from datetime import datetime, timedelta

from creditflow.config.sections import DispatchPolicy

__all__ = ["DispatchPolicy", "backoff_seconds", "next_attempt_at", "next_channel"]


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
