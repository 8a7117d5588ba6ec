"""History-only invoice features: what was known at as-of, and nothing later."""

from __future__ import annotations

import math
from datetime import date

import polars as pl
import pytest

from creditflow.intelligence.features import (
    FEATURES,
    LEDGER_SCHEMA,
    invoice_features,
    training_rows,
)

D = date.fromisoformat

# Customer 1: A paid 11 days early, B paid 10 days late, C still to be scored (paid
# late in the end: its own outcome must never reach its features). Customer 2: D,
# paid early, must never count for customer 1.
LEDGER = pl.DataFrame(
    [
        (1, D("2026-01-01"), D("2026-01-31"), D("2026-01-20"), 10000, False),
        (1, D("2026-02-01"), D("2026-03-03"), D("2026-03-13"), 30000, True),
        (1, D("2026-03-01"), D("2026-03-31"), D("2026-04-10"), 40000, False),
        (2, D("2026-02-01"), D("2026-03-03"), D("2026-02-10"), 5000, False),
    ],
    schema={**LEDGER_SCHEMA, "disputed": pl.Boolean},
    orient="row",
)


def query(as_of: str, customer: int = 1) -> pl.DataFrame:
    """Invoice C of customer 1 (or a like one of customer 2) described on as_of."""
    return pl.DataFrame(
        [(customer, D("2026-03-01"), D("2026-03-31"), 40000, False, D(as_of))],
        schema={
            "customer_pk": pl.Int64,
            "issue_date": pl.Date,
            "due_date": pl.Date,
            "amount_minor": pl.Int64,
            "disputed": pl.Boolean,
            "as_of": pl.Date,
        },
        orient="row",
    )


CASES = [
    # as_of, settled count, late_share, mean_days_late, last_days_late, pay offset, open
    ("2026-03-01", 1, 1 / 3, 0.0, 0.0, -11.0, 2),  # B not yet paid: B and C open
    ("2026-03-12", 1, 1 / 3, 0.0, 0.0, -11.0, 2),  # the day before B's late payment
    ("2026-03-13", 2, 2 / 4, 5.0, 10.0, -0.5, 1),  # B paid that day: known that day
    ("2026-04-09", 2, 2 / 4, 5.0, 10.0, -0.5, 1),  # C's own late payment is not known
]


@pytest.mark.parametrize(("as_of", "n", "late", "mean_late", "last", "offset", "open_"), CASES)
def test_history_counts_only_invoices_settled_by_as_of(
    as_of: str, n: int, late: float, mean_late: float, last: float, offset: float, open_: int
) -> None:
    row = invoice_features(query(as_of), LEDGER).row(0, named=True)
    assert row["history_count"] == pytest.approx(math.log1p(n))
    assert row["late_share"] == pytest.approx(late)
    assert row["mean_days_late"] == pytest.approx(mean_late)
    assert row["last_days_late"] == pytest.approx(last)
    assert row["mean_pay_offset"] == pytest.approx(offset)
    assert row["open_count"] == pytest.approx(math.log1p(open_))
    assert row["no_history"] == 0.0


def test_a_customer_without_settled_invoices_has_neutral_history() -> None:
    row = invoice_features(query("2026-01-19"), LEDGER).row(0, named=True)
    assert row["history_count"] == 0.0
    assert row["late_share"] == pytest.approx(0.5)
    assert row["no_history"] == 1.0
    assert row["days_since_payment"] == 365.0
    assert row["amount_ratio"] == 0.0


def test_another_customers_payments_never_count() -> None:
    row = invoice_features(query("2026-03-20", customer=2), LEDGER).row(0, named=True)
    assert row["history_count"] == pytest.approx(math.log1p(1))
    assert row["late_share"] == pytest.approx(1 / 3)
    assert row["dispute_share"] == pytest.approx(0.5 / 3)


def test_dispute_share_and_amount_ratio_of_the_history() -> None:
    row = invoice_features(query("2026-03-13"), LEDGER).row(0, named=True)
    assert row["dispute_share"] == pytest.approx(1.5 / 4)
    assert row["amount_ratio"] == pytest.approx(math.log(40000 / 20000))
    assert row["days_since_payment"] == 0.0
    assert row["terms_days"] == 30.0
    assert row["age_days"] == 12.0
    assert row["days_to_due"] == 18.0
    assert row["past_usual_day"] == 0.0  # due 03-31, usual pay day 03-30.5: still ahead


def test_days_past_the_customers_usual_pay_day() -> None:
    # history: A paid 11 days early, B 10 days late: on average half a day early
    row = invoice_features(query("2026-04-05"), LEDGER).row(0, named=True)
    assert row["past_usual_day"] == pytest.approx(5.5)


def test_rows_on_many_days_equal_each_day_alone() -> None:
    days = [c[0] for c in CASES] + ["2026-01-19"]
    together = invoice_features(pl.concat([query(d) for d in days]), LEDGER)
    alone = pl.concat([invoice_features(query(d), LEDGER) for d in days])
    assert together.select(FEATURES).to_numpy() == pytest.approx(alone.select(FEATURES).to_numpy())


def test_training_rows_take_only_invoices_due_before_as_of_with_their_outcome() -> None:
    rows = training_rows(LEDGER, D("2026-03-20"))
    by_invoice = rows.group_by("issue_date", "customer_pk").agg(
        pl.col("late").first(), pl.col("days_late").first(), pl.col("as_of")
    )
    outcome = {(r["customer_pk"], r["issue_date"]): r for r in by_invoice.iter_rows(named=True)}
    # A: on time, seen on its issue day and weekly while open (paid on the 20th)
    a = outcome[(1, D("2026-01-01"))]
    assert (a["late"], a["days_late"]) == (False, 0)
    assert a["as_of"] == [D("2026-01-01"), D("2026-01-08"), D("2026-01-15")]
    # B: late by 10 days, seen until its due date only
    b = outcome[(1, D("2026-02-01"))]
    assert (b["late"], b["days_late"]) == (True, 10)
    assert max(b["as_of"]) <= D("2026-03-03")
    # C is due after as-of: its outcome was not known, it does not take part
    assert (1, D("2026-03-01")) not in outcome


def test_an_invoice_open_past_its_due_date_at_as_of_is_a_late_example() -> None:
    rows = training_rows(LEDGER, D("2026-03-10"))  # B due 03-03, paid 03-13: open at as-of
    b = rows.filter(pl.col("issue_date") == D("2026-02-01"), pl.col("customer_pk") == 1)
    assert b.get_column("late").to_list() == [True] * b.height
    assert b.get_column("days_late").null_count() == b.height  # how late: not known yet
