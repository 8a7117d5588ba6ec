"""Cash forecast: expected receipts per week for the 8 weeks after a date, pure over frames.

Each invoice open at the date is expected on its due date plus its customer's own
average days late (over the invoices the customer settled in the 90 days before the
date); a customer without such history gets the average of all customers of that
currency, and 0 days late when there is none. An invoice whose expected day has
passed is expected in the first week. Week k covers days D+1+7(k-1) .. D+7k.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from creditflow.analytics.core import DSO_WINDOW_DAYS

WEEKS = 8


def cash_forecast(opened: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Expected receipts per currency and week (1-8), and `later` as week 9.

    `opened` is `core.open_at(..., as_of)`: customer_pk, currency, due_date, paid_on,
    open_at_minor. Returns currency, week, week_from, expected_minor, invoices.
    """
    since = as_of - timedelta(days=DSO_WINDOW_DAYS)
    paid = opened.filter(
        (pl.col("open_at_minor") == 0)
        & (pl.col("amount_minor") > 0)
        & pl.col("paid_on").is_not_null()
        & (pl.col("paid_on") > since)
        & (pl.col("paid_on") <= as_of)
    ).with_columns((pl.col("paid_on") - pl.col("due_date")).dt.total_days().alias("late"))
    own = paid.group_by("customer_pk", "currency").agg(pl.col("late").mean().alias("own"))
    overall = paid.group_by("currency").agg(pl.col("late").mean().alias("overall"))
    open_now = opened.filter(pl.col("open_at_minor") > 0)
    expected_day = pl.col("due_date") + pl.duration(
        days=pl.coalesce("own", "overall", pl.lit(0.0)).round(0).cast(pl.Int64)
    )
    ahead = (expected_day - pl.lit(as_of)).dt.total_days()
    week = pl.when(ahead <= 0).then(1).otherwise((ahead - 1) // 7 + 1).clip(upper_bound=WEEKS + 1)
    rows = (
        open_now.join(own, on=["customer_pk", "currency"], how="left")
        .join(overall, on="currency", how="left")
        .with_columns(week.cast(pl.Int64).alias("week"))
        .group_by("currency", "week")
        .agg(pl.col("open_at_minor").sum().alias("expected_minor"), pl.len().alias("invoices"))
    )
    return week_grid(rows, as_of)


def week_grid(rows: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Every week 1-9 of each currency in `rows` (currency, week, expected_minor, invoices),
    empty weeks as 0, with its first day `week_from`."""
    weeks = pl.DataFrame({"week": list(range(1, WEEKS + 2))}, schema={"week": pl.Int64})
    return (
        rows.select("currency")
        .unique()
        .join(weeks, how="cross")
        .join(rows, on=["currency", "week"], how="left")
        .with_columns(
            pl.col("expected_minor").fill_null(0).cast(pl.Int64),
            pl.col("invoices").fill_null(0).cast(pl.UInt32),
            (pl.lit(as_of) + pl.duration(days=(pl.col("week") - 1) * 7 + 1)).alias("week_from"),
        )
        .select("currency", "week", "week_from", "expected_minor", "invoices")
        .sort("currency", "week")
    )
