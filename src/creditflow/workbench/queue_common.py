"""What the queue pages share: the guarded router, the way back after a form, ages, amounts."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends

from creditflow.money import Money
from creditflow.staff.access import page_access

__all__ = ["age_days", "amount_text", "queue_router", "safe_back"]


def queue_router() -> APIRouter:
    """A router for one queue: under /workbench/queues, behind the sign-in guard."""
    return APIRouter(
        prefix="/workbench/queues",
        tags=["workbench"],
        include_in_schema=False,
        dependencies=[Depends(page_access)],
    )


def safe_back(back: str | None, default: str) -> str:
    """Where to go after a form: `back` when it is a plain /workbench path, else `default`.

    Only a local path under /workbench is followed (no scheme, no host, no `//` or
    backslash, no control characters), so a form cannot send the browser elsewhere.
    """
    if not back or len(back) > 500:
        return default
    path = back.split("?", 1)[0].split("#", 1)[0]
    if not (path == "/workbench" or path.startswith("/workbench/")):
        return default
    if "//" in path or "\\" in back or any(ord(c) < 32 or ord(c) == 127 for c in back):
        return default
    if any(part == ".." for part in path.split("/")):
        return default
    return path


def age_days(since: datetime, now: datetime) -> int:
    """Whole days from `since` to `now` (0 on the day itself, never negative)."""
    return max(0, (now - since).days)


def amount_text(minor: int, currency: str) -> str:
    """An amount as staff read it: currency code and the decimal amount."""
    return f"{currency} {Money.of_minor(minor, currency).text()}"
