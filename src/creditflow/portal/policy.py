"""Portal policy: what a debtor may arrange alone (pure functions of data, no I/O).

Settings come from the `[portal]` section of the configuration file, parsed and
checked once at load into `settings.portal` (a `PortalPolicy`, `creditflow.config`):

| key                   | default | meaning                                          |
|-----------------------|---------|--------------------------------------------------|
| max_promise_days      | 14      | a promise may be at most this many days ahead    |
| plan_min_installment  | "25.00" | smallest installment approved without review     |
| plan_max_months       | 6       | longest plan approved without review             |
| plan_first_due_days   | 7       | the first installment is due this many days on   |
| plan_reminder_days    | 3       | an installment is announced this many days ahead |
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

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from creditflow.config.sections import PortalPolicy
from creditflow.money import Money, from_minor

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
DISPUTE_REASONS = (
    "amount_wrong",
    "not_delivered",
    "quality",
    "already_paid",
    "not_ordered",
    "other",
)


class PolicyRefusal(ValueError):
    """A request falls outside what the portal may approve; `code` names the rule."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def check_promise_date(promised: date, today: date, policy: PortalPolicy) -> date:
    """The promised date if it is today or later and within `max_promise_days`."""
    if promised < today:
        raise PolicyRefusal("promise_in_past", f"promise date {promised} is before today {today}")
    latest = today + timedelta(days=policy.max_promise_days)
    if promised > latest:
        raise PolicyRefusal(
            "promise_too_far",
            f"promise date {promised} is more than {policy.max_promise_days} days ahead "
            f"(latest {latest})",
        )
    return promised


@dataclass(frozen=True)
class Installment:
    """One installment of a proposed plan."""

    seq: int
    due_date: date
    amount: Money


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the 31st becomes the last day of a shorter month."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def split_minor(total_minor: int, parts: int) -> list[int]:
    """Split whole minor units into `parts` amounts that add up exactly (larger ones first)."""
    base, rest = divmod(total_minor, parts)
    return [base + (1 if i < rest else 0) for i in range(parts)]


def plan_schedule(
    total: Money, months: int, today: date, policy: PortalPolicy
) -> list[Installment]:
    """Monthly installments for `total`, or PolicyRefusal when it needs a person's review."""
    if months < 1:
        raise PolicyRefusal("plan_months", f"number of months must be at least 1, got {months}")
    if months > policy.plan_max_months:
        raise PolicyRefusal(
            "plan_too_long", f"{months} months is more than the {policy.plan_max_months} allowed"
        )
    if total.amount <= 0:
        raise PolicyRefusal("plan_nothing_open", "there is nothing open to spread")
    amounts = split_minor(total.minor, months)
    smallest = from_minor(min(amounts), total.currency)
    if smallest < policy.plan_min_installment:
        raise PolicyRefusal(
            "plan_installment_too_small",
            f"installments of {smallest} are below the minimum {policy.plan_min_installment}",
        )
    first = today + timedelta(days=policy.plan_first_due_days)
    return [
        Installment(seq, add_months(first, seq - 1), Money.of_minor(minor, total.currency))
        for seq, minor in enumerate(amounts, start=1)
    ]


_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def sniff_upload(data: bytes, max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    """The content type of an attachment from its first bytes (PDF, JPEG or PNG only)."""
    if not data:
        raise PolicyRefusal("upload_empty", "the attachment is empty")
    if len(data) > max_bytes:
        raise PolicyRefusal(
            "upload_too_large", f"the attachment is {len(data)} bytes; at most {max_bytes} allowed"
        )
    for magic, content_type in _SIGNATURES:
        if data.startswith(magic):
            return content_type
    raise PolicyRefusal("upload_type", "only PDF, JPEG and PNG files are accepted")


def safe_filename(name: str, content_type: str) -> str:
    """A plain file name for storage and download: no path, no odd characters, right suffix."""
    stem = Path(name or "attachment").name.rsplit(".", 1)[0]
    cleaned = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in stem)[:80] or "attachment"
    return cleaned + EXTENSIONS[content_type]


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
