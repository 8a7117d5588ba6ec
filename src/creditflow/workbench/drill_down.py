"""The dashboard's drill-down on the customer list: the customers behind a bar.

`?aging=31-60` (an aging bucket, `open` or `overdue`), `?paid=2026-03` (a month of the
collected-per-month chart) or `?contacted=sms` (a channel of the channel effectiveness
chart; `none`: its not-contacted baseline), each with `currency=` and `as_of=`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlencode

from fastapi import Request

from creditflow.analytics.dashboard import (
    SETS,
    customers_contacted,
    customers_in,
    customers_paid_in,
)
from creditflow.analytics.effect import BASELINE, effect_window
from creditflow.staff.access import now_of
from creditflow.workbench.dashboard import parse_day

LABELS = {
    "open": "open",
    "overdue": "overdue",
    "current": "open and not yet due",
    "1-30": "1-30 days past due",
    "31-60": "31-60 days past due",
    "61-90": "61-90 days past due",
    "90+": "more than 90 days past due",
}
"""How the list says which customers it shows (English source texts)."""
KINDS = ("aging", "paid", "contacted")
"""The query parameters that choose the set (one at a time)."""
NOT_CONTACTED = "none"
"""`?contacted=none`: the baseline bar, the customers not contacted."""
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_CHANNEL = re.compile(r"[a-z][a-z0-9_]{0,31}")


@dataclass(frozen=True)
class DrillDown:
    """Which customers the list is limited to, and the query that says so."""

    which: str
    currency: str
    day: date
    customers: list[int]
    by: str = "aging"

    @property
    def label(self) -> str:
        """The aging set in words (an English source text)."""
        return LABELS.get(self.which, self.which)

    @property
    def window(self) -> tuple[date, date]:
        """The first and last day of the effectiveness window at the date (contacted)."""
        first, last = effect_window(self.day)
        return first + timedelta(days=1), last

    @property
    def query(self) -> str:
        """The drill-down's part of the list's query string (kept by the pager)."""
        return urlencode({self.by: self.which, "currency": self.currency,
                          "as_of": self.day.isoformat()})  # fmt: skip


def _customers(request: Request, by: str, which: str, code: str, day: date) -> list[int]:
    engine = request.app.state.engine
    if by == "aging":
        return customers_in(engine, day, code, which)
    if by == "paid":
        return customers_paid_in(engine, day, code, which)
    channel = BASELINE if which == NOT_CONTACTED else which
    return customers_contacted(engine, day, code, channel)


def _check(by: str, which: str) -> str | None:
    """An error naming the field when the set's value is not one it can be."""
    if by == "aging" and which not in SETS:
        return f"aging: expected one of {', '.join(SETS)}"
    if by == "paid" and not _MONTH.fullmatch(which):
        return "paid: expected a month as YYYY-MM"
    if by == "contacted" and not _CHANNEL.fullmatch(which):
        return "contacted: expected a channel such as sms, or none"
    return None


def drill_down(
    request: Request, aging: str, currency: str, as_of: str, paid: str = "", contacted: str = ""
) -> tuple[DrillDown | None, str | None]:
    """(the drill-down, None), (None, None) without one, or (None, an error naming the field)."""
    given = {k: v for k, v in zip(KINDS, (aging, paid, contacted), strict=True) if v}
    if not given and not currency and not as_of:
        return None, None
    if len(given) > 1:
        return None, f"{', '.join(given)}: expected only one of aging, paid or contacted"
    by, which = next(iter(given.items()), ("aging", ""))
    which = which[:40]
    error = _check(by, which)
    if error:
        return None, error
    code = currency.strip().upper()
    if len(code) != 3 or not code.isalpha():
        return None, "currency: expected a three-letter code such as EUR"
    try:
        day = parse_day(as_of[:20], now_of(request).date())
        if by == "paid" and which > day.isoformat()[:7]:
            raise ValueError("paid: the month is after the date")
    except ValueError as exc:
        return None, str(exc)
    return DrillDown(which, code, day, _customers(request, by, which, code, day), by), None
