"""Account features, computed set-based from a snapshot (exclusions: `strategy.pause`).

An account is one customer in one currency: the unit the run decides for.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from creditflow.money import minor_digits
from creditflow.strategy.snapshot_frames import Snapshot


def account_features(invoices: pl.DataFrame, snapshot: Snapshot, as_of: date) -> pl.DataFrame:
    """One row per (customer, currency) with the features conditions may use."""
    currencies = invoices.get_column("currency").unique().to_list()
    scale = {c: float(10 ** minor_digits(c)) for c in currencies}
    units = pl.col("currency").replace_strict(scale, default=100.0, return_dtype=pl.Float64)
    dunnable = pl.col("excluded").is_null()
    overdue = dunnable & (pl.col("due_date") < pl.lit(as_of))
    accounts = (
        invoices.with_columns(units.alias("__units"))
        .group_by("customer_pk", "currency")
        .agg(
            (pl.col("open_minor").sum() / pl.col("__units").first()).alias("open_total"),
            (pl.col("open_minor").filter(overdue).sum() / pl.col("__units").first()).alias(
                "overdue_total"
            ),
            pl.col("due_date").filter(overdue).min().alias("__oldest_overdue"),
            pl.len().cast(pl.Float64).alias("invoice_count"),
            overdue.sum().cast(pl.Float64).alias("overdue_count"),
            dunnable.sum().alias("__dunnable"),
            (pl.col("excluded") == "disputed").sum().cast(pl.Float64).alias("disputes_open"),
        )
        .with_columns(
            (pl.lit(as_of) - pl.col("__oldest_overdue"))
            .dt.total_days()
            .fill_null(0)
            .cast(pl.Float64)
            .alias("oldest_days_overdue")
        )
    )
    history = snapshot.history.select(
        "customer_pk",
        pl.col("avg_days_late").fill_null(0.0),
        pl.col("on_time_ratio").fill_null(1.0),
        pl.col("paid_count").fill_null(0).cast(pl.Float64),
        pl.col("broken_promises").fill_null(0).cast(pl.Float64),
    )
    customers = snapshot.customers.select(
        "customer_pk",
        "customer_id",
        "kind",
        "country",
        "language",
        "timezone",
        "tags",
        "segment",
        "preferred_channel",
        "preferred_hour",
        pl.col("risk").fill_null(0.0),
        "do_not_contact",
        "opt_out",
    )
    return (
        accounts.join(customers, on="customer_pk", how="inner")
        .join(history, on="customer_pk", how="left")
        .with_columns(
            pl.col("avg_days_late").fill_null(0.0),
            pl.col("on_time_ratio").fill_null(1.0),
            pl.col("paid_count").fill_null(0.0),
            pl.col("broken_promises").fill_null(0.0),
        )
    )
