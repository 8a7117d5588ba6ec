"""Portal policy: the limits of the portal's pages (pure functions of data, no I/O).

Settings come from the `[portal]` section of the configuration file, parsed and
checked once at load into `settings.portal` (a `PortalPolicy`, `creditflow.config`).
The limits of what a debtor may arrange (`max_promise_days`, `plan_*`) are applied by
`creditflow.arrangements`; the link settings by `creditflow.links`. The portal's own keys:

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

from creditflow.config.sections import PortalPolicy

__all__ = ["PortalPolicy", "TokenBucket"]


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
