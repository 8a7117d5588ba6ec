"""Which kind of payer each debtor of a real ledger is, learned from their own history.

The behaviour model (`behaviour.py`) knows five payer types; a real ledger does not
say which type a debtor is. Each of the debtor's invoices as of the start of the
simulation falls in one category: paid by the due date, paid 1-14 days late, paid
later, still open past its due date, or disputed (invoices not yet due say nothing).
`PAYMENT_HABITS` says how often each type's invoices end up in each category, as the
shipped model of payers makes them (measured on 3,000 sample debtors). The debtor's
type is then drawn, seeded, from the posterior

    P(type | invoices) ~ P(type) x product over invoices of P(category | type)

with P(type) the shipped mix for consumers or businesses. A debtor without invoices
gets the mix; one with twenty on-time invoices is punctual. Pure: no database, no
clock; the same frames and seed give the same types.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from creditflow.simulation.days_late import days_late_survival
from creditflow.simulation.schema import BUSINESS_PAYER_MIX, CONSUMER_PAYER_MIX, PAYER_TYPES

__all__ = [
    "CATEGORIES",
    "PAYMENT_HABITS",
    "calibration_summary",
    "payer_type_weights",
    "payer_types",
]

MILD_DAYS = 14
CATEGORIES = ("on_time", "late_short", "late_long", "open_overdue", "disputed")
# P(category | payer type), in the order of CATEGORIES; no category is impossible.
PAYMENT_HABITS: dict[str, tuple[float, ...]] = {
    "punctual": (0.726, 0.223, 0.027, 0.021, 0.003),
    "forgetful": (0.0, 0.567, 0.273, 0.155, 0.006),
    "struggling": (0.0, 0.024, 0.503, 0.465, 0.007),
    "disputer": (0.034, 0.398, 0.344, 0.094, 0.131),
    "ghost": (0.0, 0.0, 0.012, 0.974, 0.014),
}
FLOOR = 0.01
INVOICE_COLUMNS = ("customer_id", "due_date", "paid_on", "disputed")


def _log_habits() -> np.ndarray:
    table = np.array([PAYMENT_HABITS[t] for t in PAYER_TYPES], dtype=float).clip(FLOOR)
    return np.log(table / table.sum(axis=1, keepdims=True))


def payer_type_weights(
    customers: pl.DataFrame, invoices: pl.DataFrame, as_of: date
) -> pl.DataFrame:
    """Per customer the posterior weight of each payer type (columns PAYER_TYPES, sum 1)."""
    missing = [c for c in INVOICE_COLUMNS if c not in invoices.columns]
    if missing:
        raise ValueError(f"invoices lacks column(s) {', '.join(missing)}")
    late = (pl.col("paid_on") - pl.col("due_date")).dt.total_days()
    category = (
        pl.when(pl.col("disputed") > 0)
        .then(pl.lit("disputed"))
        .when(pl.col("paid_on").is_null() & (pl.col("due_date") < pl.lit(as_of)))
        .then(pl.lit("open_overdue"))
        .when(pl.col("paid_on").is_null())
        .then(None)
        .when(late <= 0)
        .then(pl.lit("on_time"))
        .when(late <= MILD_DAYS)
        .then(pl.lit("late_short"))
        .otherwise(pl.lit("late_long"))
    )
    judged = invoices.with_columns(
        category.alias("category"),
        (pl.lit(as_of) - pl.col("due_date")).dt.total_days().alias("overdue_days"),
    ).filter(pl.col("category").is_not_null())
    overdue_days = judged["overdue_days"].to_numpy()
    open_term = pl.DataFrame(  # log P(still unpaid after this many days | type), per invoice
        {t: np.log(np.maximum(days_late_survival(t, overdue_days), FLOOR)) for t in PAYER_TYPES}
    )
    open_overdue = judged["category"] == "open_overdue"
    counts = (
        judged.with_columns(
            *(pl.when(open_overdue).then(open_term[t]).otherwise(0.0).alias(t) for t in PAYER_TYPES)
        )
        .group_by("customer_id")
        .agg(
            *((pl.col("category") == c).sum().alias(c) for c in CATEGORIES),
            *(pl.col(t).sum().alias(f"__open_{t}") for t in PAYER_TYPES),
        )
    )
    frame = (
        customers.select("customer_id", "kind")
        .join(counts, on="customer_id", how="left")
        .with_columns(pl.col(c).fill_null(0) for c in CATEGORIES)
        .with_columns(pl.col(f"__open_{t}").fill_null(0.0) for t in PAYER_TYPES)
    )
    closed = [c for c in CATEGORIES if c != "open_overdue"]
    observed = frame.select(closed).to_numpy().astype(float)
    habits = _log_habits()[:, [CATEGORIES.index(c) for c in closed]]
    still_open = frame.select(f"__open_{t}" for t in PAYER_TYPES).to_numpy()
    consumer = (frame["kind"] == "consumer").to_numpy()
    prior = np.where(consumer[:, None], np.array(CONSUMER_PAYER_MIX), np.array(BUSINESS_PAYER_MIX))
    log_posterior = np.log(prior) + observed @ habits.T + still_open
    log_posterior -= log_posterior.max(axis=1, keepdims=True)
    posterior = np.exp(log_posterior)
    posterior /= posterior.sum(axis=1, keepdims=True)
    return frame.select(
        "customer_id", "kind", pl.sum_horizontal(CATEGORIES).cast(pl.Int64).alias("judged")
    ).with_columns(*(pl.Series(t, posterior[:, i]) for i, t in enumerate(PAYER_TYPES)))


def calibration_summary(weights: pl.DataFrame) -> pl.DataFrame:
    """Per kind of customer: debtors, those with judged invoices, and the expected share
    of each payer type (the mean of the posteriors, so the same for every seed)."""
    return (
        weights.group_by("kind")
        .agg(
            pl.len().alias("debtors"),
            (pl.col("judged") > 0).sum().alias("with_history"),
            pl.col("judged").sum().alias("invoices_judged"),
            *(pl.col(t).mean().alias(t) for t in PAYER_TYPES),
        )
        .with_columns(pl.col("debtors", "with_history", "invoices_judged").cast(pl.Int64))
        .sort("kind")
    )


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
