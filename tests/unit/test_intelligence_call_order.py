"""Who to call first: open amount x propensity x urgency, per customer."""

from __future__ import annotations

import polars as pl
import pytest

from creditflow.intelligence.call_order import call_priority

URGENCY_CASES = [
    # days to due, urgency: 1 until the due date, then +1 per 30 days overdue, at most 3
    (45.0, 1.0),
    (0.0, 1.0),
    (-15.0, 1.5),
    (-60.0, 3.0),
    (-200.0, 3.0),
]


@pytest.mark.parametrize(("days_to_due", "expected"), URGENCY_CASES)
def test_urgency_rises_with_days_overdue(days_to_due: float, expected: float) -> None:
    scored = pl.DataFrame(
        {"customer_pk": [1], "open_minor": [10000], "propensity": [0.5],
         "days_to_due": [days_to_due]}
    )  # fmt: skip
    row = call_priority(scored).row(0, named=True)
    assert row["expected_recovery_minor"] == pytest.approx(10000 * 0.5 * expected)


def test_customers_are_ordered_by_expected_recovery_not_by_amount() -> None:
    scored = pl.DataFrame(
        {
            "customer_pk": [1, 2, 2, 3],
            "currency": ["EUR"] * 4,
            "open_minor": [100000, 30000, 20000, 40000],
            "propensity": [0.05, 0.9, 0.7, 0.5],
            "days_to_due": [10.0, -30.0, 5.0, -3.0],
        }
    )
    order = call_priority(scored)
    # 1: 1000 x 0.05 = 50; 2: 300 x 0.9 x 2 + 200 x 0.7 = 680; 3: 400 x 0.5 x 1.1 = 220 (EUR)
    assert order.get_column("customer_pk").to_list() == [2, 3, 1]
    assert order.get_column("expected_recovery_minor").to_list() == pytest.approx(
        [68000, 22000, 5000]
    )
    two = order.row(0, named=True)
    assert (two["open_minor"], two["days_overdue"]) == (50000, 30.0)
    assert two["risk"] == pytest.approx((30000 * 0.9 + 20000 * 0.7) / 50000)
