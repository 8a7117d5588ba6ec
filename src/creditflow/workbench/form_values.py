"""Values from a workbench form, checked: a refusal names the field and the reason."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from creditflow.money import InvalidAmount, parse_amount

__all__ = ["Refused", "form_amount", "form_date"]


class Refused(ValueError):
    """A form value was refused; the message names the field and the reason."""


def form_date(name: str, value: str) -> date:
    """A date field (YYYY-MM-DD); Refused naming the field otherwise."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Refused(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def form_amount(name: str, value: str) -> Decimal | None:
    """An amount field (Decimal, more than zero), None when empty; Refused otherwise."""
    if not value.strip():
        return None
    try:
        amount = parse_amount(value)
    except InvalidAmount as exc:
        raise Refused(f"{name}: {exc}") from None
    if amount <= 0:
        raise Refused(f"{name}: the amount must be more than zero")
    return amount
