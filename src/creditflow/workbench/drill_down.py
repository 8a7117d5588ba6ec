"""The dashboard's drill-down on the customer list: the customers behind an aging bucket."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from fastapi import Request

from creditflow.analytics.dashboard import SETS, customers_in
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


@dataclass(frozen=True)
class DrillDown:
    """Which customers the list is limited to, and the query that says so."""

    which: str
    currency: str
    day: date
    customers: list[int]

    @property
    def label(self) -> str:
        """The set in words (an English source text)."""
        return LABELS[self.which]

    @property
    def query(self) -> str:
        """The drill-down's part of the list's query string (kept by the pager)."""
        return urlencode({"aging": self.which, "currency": self.currency,
                          "as_of": self.day.isoformat()})  # fmt: skip


def drill_down(
    request: Request, aging: str, currency: str, as_of: str
) -> tuple[DrillDown | None, str | None]:
    """(the drill-down, None), (None, None) without one, or (None, an error naming the field)."""
    if not aging and not currency and not as_of:
        return None, None
    if aging not in SETS:
        return None, f"aging: expected one of {', '.join(SETS)}"
    code = currency.strip().upper()
    if len(code) != 3 or not code.isalpha():
        return None, "currency: expected a three-letter code such as EUR"
    try:
        day = parse_day(as_of[:20], now_of(request).date())
    except ValueError as exc:
        return None, str(exc)
    return DrillDown(
        aging, code, day, customers_in(request.app.state.engine, day, code, aging)
    ), None
