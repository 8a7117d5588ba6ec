"""How a payment plan stands on a day: what it received spread over its installments."""

from __future__ import annotations

from datetime import date

import pytest

from creditflow.arrangements.rules import plan_progress

AMOUNTS = (10_000, 10_000, 10_001)
DUE = (date(2026, 3, 9), date(2026, 4, 9), date(2026, 5, 9))


@pytest.mark.parametrize(
    ("case", "received", "as_of", "paid", "state", "current", "overdue"),
    [
        ("nothing paid, first not yet due", 0, date(2026, 3, 8), (0, 0, 0), "active", 0, False),
        ("nothing paid, due today", 0, date(2026, 3, 9), (0, 0, 0), "active", 0, False),
        ("first overdue, in its grace days", 0, date(2026, 3, 14), (0, 0, 0), "active", 0, True),
        (
            "first overdue past the grace days",
            0,
            date(2026, 3, 15),
            (0, 0, 0),
            "defaulted",
            0,
            True,
        ),
        (
            "first paid, second not due",
            10_000,
            date(2026, 3, 20),
            (10_000, 0, 0),
            "active",
            1,
            False,
        ),
        ("part of the first paid", 4_000, date(2026, 3, 20), (4_000, 0, 0), "defaulted", 0, True),
        (
            "paid ahead into the second",
            15_000,
            date(2026, 4, 1),
            (10_000, 5_000, 0),
            "active",
            1,
            False,
        ),
        ("all paid", 30_001, date(2026, 3, 1), (10_000, 10_000, 10_001), "completed", None, False),
        (
            "more than the plan",
            40_000,
            date(2026, 6, 1),
            (10_000, 10_000, 10_001),
            "completed",
            None,
            False,
        ),
        ("a reversal took money back", -500, date(2026, 3, 1), (0, 0, 0), "active", 0, False),
    ],
)
def test_plan_progress(case, received, as_of, paid, state, current, overdue):
    progress = plan_progress(AMOUNTS, DUE, received, as_of, grace_days=5)
    assert (progress.paid, progress.state, progress.current, progress.overdue) == (
        paid,
        state,
        current,
        overdue,
    ), case


def test_every_installment_needs_a_due_date():
    with pytest.raises(ValueError, match="due date"):
        plan_progress((1, 2), (date(2026, 3, 1),), 0, date(2026, 3, 1), grace_days=5)
