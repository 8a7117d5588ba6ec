"""The rules of arrangements, as pure functions of data (no database, clock or network).

- a promise date must be today or later and within `max_promise_days`;
- a promise is judged `grace_days` after its date: kept when nothing it covered is
  still open, broken otherwise (`judge_promise`);
- a payment plan is split into monthly installments that add up exactly, within the
  limits of `ArrangementPolicy`, or needs a person's review (`plan_schedule`);
- what a plan received is spread over its installments in order; a plan is in good
  standing while its current installment is not past due, in its grace days after
  that, and lapses (defaulted) when the grace days are over (`plan_progress`);
- a dispute names one of `DISPUTE_REASONS`; its evidence is a PDF, JPEG or PNG file of
  at most `MAX_UPLOAD_BYTES` (`sniff_upload`), stored under a plain name (`safe_filename`).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from creditflow.arrangements.policy import ArrangementPolicy, PolicyRefusal
from creditflow.money import Money, from_minor

__all__ = [
    "DISPUTE_REASONS",
    "MAX_UPLOAD_BYTES",
    "Installment",
    "PlanProgress",
    "add_months",
    "check_promise_date",
    "judge_promise",
    "plan_progress",
    "plan_schedule",
    "promises_judged_before",
    "safe_filename",
    "sniff_upload",
    "split_minor",
]

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
DISPUTE_REASONS = (
    "amount_wrong",
    "not_delivered",
    "quality",
    "already_paid",
    "not_ordered",
    "other",
)


def check_promise_date(promised: date, today: date, policy: ArrangementPolicy) -> date:
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
    total: Money, months: int, today: date, policy: ArrangementPolicy
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


def promises_judged_before(as_of: date, grace_days: int) -> date:
    """Promises dated before this day are judged on `as_of` (their grace days are over)."""
    return as_of - timedelta(days=grace_days)


def judge_promise(promised: date, as_of: date, grace_days: int, still_open_minor: int) -> str:
    """ "active" until its grace days are over, then "kept" (nothing open) or "broken"."""
    if promised >= promises_judged_before(as_of, grace_days):
        return "active"
    return "kept" if still_open_minor <= 0 else "broken"


@dataclass(frozen=True)
class PlanProgress:
    """Where a plan stands on a day.

    paid: minor units paid on each installment, in order.
    state: active, completed or defaulted.
    current: index of the first installment not paid in full (None when completed).
    overdue: the current installment's due date has passed (it is in its grace days,
        or the plan has lapsed).
    """

    paid: tuple[int, ...]
    state: str
    current: int | None
    overdue: bool


def plan_progress(
    amounts: Sequence[int],
    due_dates: Sequence[date],
    received: int,
    as_of: date,
    grace_days: int,
) -> PlanProgress:
    """Spread what the plan received over its installments and judge the plan on `as_of`."""
    if len(amounts) != len(due_dates):
        raise ValueError("every installment needs an amount and a due date")
    remaining = max(received, 0)
    paid: list[int] = []
    for amount in amounts:
        share = min(amount, remaining)
        paid.append(share)
        remaining -= share
    current = next((i for i, (a, p) in enumerate(zip(amounts, paid, strict=True)) if p < a), None)
    if current is None:
        return PlanProgress(tuple(paid), "completed", None, False)
    due = due_dates[current]
    if due + timedelta(days=grace_days) < as_of:
        return PlanProgress(tuple(paid), "defaulted", current, True)
    return PlanProgress(tuple(paid), "active", current, due < as_of)


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
