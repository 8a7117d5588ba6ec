"""What a debtor may arrange alone: the limits, read from the `[portal]` section.

| key                   | default | meaning                                          |
|-----------------------|---------|--------------------------------------------------|
| max_promise_days      | 14      | a promise may be at most this many days ahead    |
| plan_min_installment  | "25.00" | smallest installment approved without review     |
| plan_max_months       | 6       | longest plan approved without review             |
| plan_first_due_days   | 7       | the first installment is due this many days on   |
| plan_reminder_days    | 3       | an installment is announced this many days ahead |

The keys stay in `[portal]` (where users set them); the portal's own settings
(links, rate limits) are read by `portal.policy`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from creditflow.config import ConfigError, Settings
from creditflow.money import InvalidAmount, parse_amount

__all__ = ["ArrangementPolicy", "PolicyRefusal", "arrangement_policy", "arrangement_values"]

_WHOLE_NUMBERS = (
    "max_promise_days",
    "plan_max_months",
    "plan_first_due_days",
    "plan_reminder_days",
)


class PolicyRefusal(ValueError):
    """A request falls outside what may be approved without a person; `code` names the rule."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class ArrangementPolicy:
    """The limits of self-service arrangements (see the module docstring)."""

    max_promise_days: int = 14
    plan_min_installment: Decimal = Decimal("25.00")
    plan_max_months: int = 6
    plan_first_due_days: int = 7
    plan_reminder_days: int = 3


def arrangement_values(section: dict[str, Any]) -> dict[str, Any]:
    """The arrangement keys set in a `[portal]` section, checked; errors name the setting."""
    values: dict[str, Any] = {}
    for key in _WHOLE_NUMBERS:
        if key in section:
            value = section[key]
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"[portal] {key}: expected a whole number >= 1, got {value!r}")
            values[key] = value
    if "plan_min_installment" in section:
        try:
            values["plan_min_installment"] = parse_amount(str(section["plan_min_installment"]))
        except InvalidAmount as exc:
            raise ConfigError(f"[portal] plan_min_installment: {exc}") from exc
    return values


def arrangement_policy(settings: Settings) -> ArrangementPolicy:
    """Read the arrangement limits from `[portal]`; errors name the setting."""
    return ArrangementPolicy(**arrangement_values(dict(settings.raw.get("portal", {}))))
