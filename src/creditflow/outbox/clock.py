"""The customer's today (DESIGN invariant 2): the calendar day where the customer lives.

Every producer that dates an action (`decided_on`), the pre-send re-check and the
renderer take "today" from here, never from the UTC date. Pure: `now` is given.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["customer_zone", "local_today", "zone_named"]


class _Located(Protocol):
    timezone: str


def zone_named(name: str | None) -> ZoneInfo:
    """The time zone of this IANA name (UTC when the name is empty or unknown)."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def customer_zone(customer: _Located) -> ZoneInfo:
    """The customer's time zone (UTC when the stored name is unknown)."""
    return zone_named(customer.timezone)


def local_today(customer: _Located, now: datetime) -> date:
    """The calendar day it is at `now` where the customer lives."""
    return now.astimezone(customer_zone(customer)).date()
