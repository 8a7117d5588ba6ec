"""Which kind of payer each debtor of a real ledger is, learned from their own history.

The behaviour model (`behaviour.py`) knows five payer types. A real ledger does not say
which type a debtor is, so each is drawn, seeded, from weights that blend the shipped
mix for consumers or businesses with what the debtor's invoices show as of the start
of the simulation:

    punctual    share of their invoices paid by the due date
    forgetful   share paid (or still open) 1-14 days late
    struggling  share paid (or still open) 15-45 days late
    ghost       share paid (or still open) more than 45 days late
    disputer    3 x the share of their invoices that were disputed (at most 1)

An open invoice past its due date counts as late by the days it is overdue so far.
With n such invoices the history weighs n / (n + PRIOR_INVOICES), the shipped mix the
rest: a debtor with one invoice is mostly the mix, one with twenty mostly their own.
Pure: no database, no clock; the same frames and seed give the same types.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from creditflow.simulation.schema import BUSINESS_PAYER_MIX, CONSUMER_PAYER_MIX, PAYER_TYPES

__all__ = ["PRIOR_INVOICES", "payer_type_weights", "payer_types"]

PRIOR_INVOICES = 3
MILD_DAYS = 14
MODERATE_DAYS = 45
INVOICE_COLUMNS = ("customer_id", "due_date", "paid_on", "disputed")


def payer_type_weights(
    customers: pl.DataFrame, invoices: pl.DataFrame, as_of: date
) -> pl.DataFrame:
    """Per customer the weight of each payer type (columns named after PAYER_TYPES, sum 1)."""
    missing = [c for c in INVOICE_COLUMNS if c not in invoices.columns]
    if missing:
        raise ValueError(f"invoices lacks column(s) {', '.join(missing)}")
    settled_or_due = invoices.filter(
        pl.col("paid_on").is_not_null() | (pl.col("due_date") < pl.lit(as_of))
    )
    late_days = (
        (pl.coalesce(pl.col("paid_on"), pl.lit(as_of)) - pl.col("due_date")).dt.total_days()
    ).clip(lower_bound=0)
    history = (
        settled_or_due.with_columns(late_days.alias("late_days"))
        .group_by("customer_id")
        .agg(
            pl.len().alias("n"),
            (pl.col("late_days") == 0).mean().alias("on_time"),
            pl.col("late_days").is_between(1, MILD_DAYS).mean().alias("mild"),
            pl.col("late_days").is_between(MILD_DAYS + 1, MODERATE_DAYS).mean().alias("moderate"),
            (pl.col("late_days") > MODERATE_DAYS).mean().alias("severe"),
        )
    )
    disputed = invoices.group_by("customer_id").agg(
        (pl.col("disputed").cast(pl.Float64).mean() * 3).clip(upper_bound=1.0).alias("dispute")
    )
    frame = (
        customers.select("customer_id", "kind")
        .join(history, on="customer_id", how="left")
        .join(disputed, on="customer_id", how="left")
        .with_columns(pl.col("n").fill_null(0), pl.col("dispute").fill_null(0.0))
    )
    own = {
        "punctual": pl.col("on_time"),
        "forgetful": pl.col("mild"),
        "struggling": pl.col("moderate"),
        "disputer": pl.col("dispute"),
        "ghost": pl.col("severe"),
    }
    own_total = sum((own[t].fill_null(0.0) for t in PAYER_TYPES), pl.lit(0.0))
    trust = pl.col("n") / (pl.col("n") + PRIOR_INVOICES)
    consumer = pl.col("kind") == "consumer"
    weights = []
    for index, payer_type in enumerate(PAYER_TYPES):
        prior = (
            pl.when(consumer).then(CONSUMER_PAYER_MIX[index]).otherwise(BUSINESS_PAYER_MIX[index])
        )
        mine = pl.when(own_total > 0).then(own[payer_type].fill_null(0.0) / own_total)
        weights.append((trust * mine.fill_null(0.0) + (1 - trust) * prior).alias(payer_type))
    return frame.select("customer_id", "kind", *weights)


def payer_types(weights: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Draw one payer type per customer from its weights: customer_id, kind, payer_type."""
    ordered = weights.sort("customer_id")
    matrix = ordered.select(PAYER_TYPES).to_numpy()
    matrix = matrix / matrix.sum(axis=1, keepdims=True)
    draws = np.random.default_rng(seed).random(len(ordered))
    chosen = (matrix.cumsum(axis=1) < draws[:, None]).sum(axis=1).clip(0, len(PAYER_TYPES) - 1)
    return ordered.select("customer_id", "kind").with_columns(
        pl.Series("payer_type", [PAYER_TYPES[i] for i in chosen], dtype=pl.Utf8)
    )
