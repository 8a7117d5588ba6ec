"""What a debtor may arrange alone: the limits, from the `[portal]` section.

| key                   | default | meaning                                          |
|-----------------------|---------|--------------------------------------------------|
| max_promise_days      | 14      | a promise may be at most this many days ahead    |
| plan_min_installment  | "25.00" | smallest installment approved without review     |
| plan_max_months       | 6       | longest plan approved without review             |
| plan_first_due_days   | 7       | the first installment is due this many days on   |
| plan_reminder_days    | 3       | an installment is announced this many days ahead |

The keys stay in `[portal]` (where users set them); they are parsed and checked once,
at load, into `settings.portal` (`creditflow.config.sections.PortalPolicy`).
"""

from __future__ import annotations

from creditflow.config.sections import PortalPolicy

__all__ = ["ArrangementPolicy", "PolicyRefusal"]

# The arrangement limits are fields of the `[portal]` policy (the keys above).
ArrangementPolicy = PortalPolicy


class PolicyRefusal(ValueError):
    """A request falls outside what may be approved without a person; `code` names the rule."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
