"""A person's decisions on arrangements, as pure rules: resolving a dispute, a reviewed plan.

A dispute ends in one of `DISPUTE_OUTCOMES`:

- `credit_note`: the creditor agrees; the invoice's open amount is credited (a credit
  note for what is open) and the invoice is settled (`paid`, as a fully credited
  invoice is by the UBL import);
- `justified`: the debtor is right and the invoice should not have been sent; it is
  written off (`written_off`: out of collection, the open amount kept as the record of
  what was written off);
- `rejected`: the invoice stands; it is open again (or `paid` when nothing is open)
  and dunning resumes at the next collection run.

A plan request that waited for review is approved with the months the debtor asked
for (a person may go beyond the portal's limits), or rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from creditflow.arrangements.policy import PolicyRefusal
from creditflow.arrangements.rules import Installment, add_months, split_minor
from creditflow.money import Money

__all__ = [
    "DISPUTE_OUTCOMES",
    "MAX_REVIEWED_MONTHS",
    "PLAN_DECISIONS",
    "DisputeResolution",
    "dispute_resolution",
    "reviewed_schedule",
]

DISPUTE_OUTCOMES = ("credit_note", "justified", "rejected")
PLAN_DECISIONS = ("approve", "reject")
# The longest plan a person may approve (ten years of monthly installments).
MAX_REVIEWED_MONTHS = 120


@dataclass(frozen=True)
class DisputeResolution:
    """What resolving a dispute does to the dispute and its invoice."""

    dispute_status: str  # resolved | rejected
    invoice_status: str  # paid | written_off | open
    credit_minor: int  # the credit note's amount (0: no credit note)
    open_after: int  # the invoice's open amount afterwards


def dispute_resolution(outcome: str, open_minor: int) -> DisputeResolution:
    """The effect of an outcome on a disputed invoice with `open_minor` open."""
    if outcome not in DISPUTE_OUTCOMES:
        raise PolicyRefusal(
            "dispute_outcome",
            f"outcome {outcome!r} is not one of {', '.join(DISPUTE_OUTCOMES)}",
        )
    if outcome == "credit_note":
        if open_minor <= 0:
            raise PolicyRefusal(
                "nothing_to_credit",
                "the invoice has nothing open to credit; choose another outcome",
            )
        return DisputeResolution("resolved", "paid", open_minor, 0)
    if outcome == "justified":
        return DisputeResolution("resolved", "written_off", 0, open_minor)
    return DisputeResolution("rejected", "open" if open_minor > 0 else "paid", 0, open_minor)


def reviewed_schedule(
    total: Money, months: int, today: date, first_due_days: int
) -> list[Installment]:
    """Monthly installments of a plan a person approved (no portal limits on size or length)."""
    if not 1 <= months <= MAX_REVIEWED_MONTHS:
        raise PolicyRefusal(
            "plan_months", f"months must be between 1 and {MAX_REVIEWED_MONTHS}, got {months}"
        )
    if total.minor <= 0:
        raise PolicyRefusal("plan_nothing_open", "there is nothing open to spread")
    first = today + timedelta(days=first_due_days)
    return [
        Installment(seq, add_months(first, seq - 1), Money.of_minor(minor, total.currency))
        for seq, minor in enumerate(split_minor(total.minor, months), start=1)
    ]
