"""Portal policy: the limits of the portal's pages (pure functions of data, no I/O).

Settings come from the `[portal]` section of the configuration file. The limits of
what a debtor may arrange (`max_promise_days`, `plan_*`) are `ArrangementPolicy`
(`creditflow.arrangements.policy`), which `PortalPolicy` extends; the link settings
are `creditflow.links.settings`. The portal's own keys:

| key                   | default | meaning                                          |
|-----------------------|---------|--------------------------------------------------|
| link_max_age_days     | 30      | how long a portal link stays valid               |
| invoice_pdf_dir       | (none)  | folder with `<invoice_number>.pdf` files         |
| rate_capacity         | 30      | requests per client before the limiter refuses   |
| rate_per_minute       | 30      | how fast the allowance refills                   |
| code_rate_capacity    | 5       | code requests / attempts per client (burst)      |
| code_rate_per_minute  | 2       | refill of the code allowance                     |
| short_base_url        | base_url| the address short links (/l/K7QM-4XPD) start with |
| short_rate_capacity   | 10      | short link visits per client (burst)             |
| short_rate_per_minute | 6       | refill of the short link allowance               |
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from creditflow.arrangements.policy import ArrangementPolicy, arrangement_values
from creditflow.config import ConfigError, Settings
from creditflow.links.settings import link_settings


@dataclass(frozen=True)
class PortalPolicy(ArrangementPolicy):
    """The limits of self-service: the arrangement limits and the portal's own."""

    link_max_age_days: float = 30
    invoice_pdf_dir: Path | None = None
    rate_capacity: int = 30
    rate_per_minute: float = 30
    code_rate_capacity: int = 5
    code_rate_per_minute: float = 2
    short_base_url: str | None = None
    short_rate_capacity: int = 10
    short_rate_per_minute: float = 6


def portal_policy(settings: Settings) -> PortalPolicy:
    """Read the `[portal]` section; errors name the setting."""
    section: dict[str, Any] = dict(settings.raw.get("portal", {}))
    values: dict[str, Any] = arrangement_values(section)
    for key in ("rate_capacity", "code_rate_capacity", "short_rate_capacity"):
        if key in section:
            value = section[key]
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"[portal] {key}: expected a whole number >= 1, got {value!r}")
            values[key] = value
    for key in ("rate_per_minute", "code_rate_per_minute", "short_rate_per_minute"):
        if key in section:
            value = section[key]
            if not isinstance(value, int | float) or value <= 0:
                raise ConfigError(f"[portal] {key}: expected a positive number, got {value!r}")
            values[key] = value
    links = link_settings(settings)
    values["link_max_age_days"] = links.link_max_age_days
    values["short_base_url"] = links.short_base_url
    if section.get("invoice_pdf_dir"):
        values["invoice_pdf_dir"] = Path(str(section["invoice_pdf_dir"]))
    return PortalPolicy(**values)


class TokenBucket:
    """An in-process rate limiter: `capacity` requests per key, refilled at `per_minute`.

    The caller passes the clock (`now`, seconds), so the limiter is pure and testable.
    """

    def __init__(self, capacity: int, per_minute: float, max_keys: int = 100_000) -> None:
        self.capacity = capacity
        self.rate = per_minute / 60.0
        self.max_keys = max_keys
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, key: str, now: float) -> bool:
        """Take one token for `key`; False when none is left."""
        tokens, last = self._buckets.get(key, (float(self.capacity), now))
        tokens = min(float(self.capacity), tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        if len(self._buckets) >= self.max_keys and key not in self._buckets:
            self._buckets.clear()  # bounded memory; a reset only ever lets requests through
        self._buckets[key] = (tokens, now)
        return allowed
