"""Scores of open invoices and customers from their features: a pure core (no database).

p_late: the model's probability that the invoice is paid after its due date; an
invoice already past its due date at as-of is late for certain (p_late = 1).
expected_days_late: p_late x the expected days late when late; for an overdue
invoice at least the days it is already overdue.
expected_pay_date: due date + expected days late (rounded), never before as-of.
propensity: the model's p_late for the invoice as it stood on its due date (days to
due and age clipped there), so an invoice long overdue keeps its customer's
propensity and does not become certain: what `risk` (per customer) is made of.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from creditflow.intelligence.model import RiskModel


def _values(features: pl.DataFrame, model: RiskModel, *, at_due: bool) -> np.ndarray:
    frame = features
    if at_due:
        frame = frame.with_columns(
            pl.col("days_to_due").clip(lower_bound=0.0),
            pl.min_horizontal("age_days", "terms_days").alias("age_days"),
        )
    return frame.select(pl.col(f).cast(pl.Float64) for f in model.features).to_numpy()


def score_invoices(features: pl.DataFrame, model: RiskModel) -> pl.DataFrame:
    """The feature rows with p_late, expected_days_late, expected_pay_date and propensity."""
    if features.height == 0:
        return features.with_columns(
            pl.lit(None, pl.Float64).alias("p_late"),
            pl.lit(None, pl.Float64).alias("expected_days_late"),
            pl.lit(None, pl.Date).alias("expected_pay_date"),
            pl.lit(None, pl.Float64).alias("propensity"),
        )
    now_values = _values(features, model, at_due=False)
    propensity = model.p_late(_values(features, model, at_due=True))
    p_model = model.p_late(now_values)
    days_if_late = model.days_late_if_late(now_values)
    overdue_days = np.maximum(-features.get_column("days_to_due").to_numpy(), 0.0)
    overdue = overdue_days > 0
    p_late = np.where(overdue, 1.0, p_model)
    expected = np.where(overdue, np.maximum(days_if_late, overdue_days), p_model * days_if_late)
    return features.with_columns(
        pl.Series("p_late", p_late, dtype=pl.Float64),
        pl.Series("expected_days_late", expected, dtype=pl.Float64),
        pl.Series("propensity", propensity, dtype=pl.Float64),
    ).with_columns(
        pl.max_horizontal(
            pl.col("due_date")
            + pl.duration(days=pl.col("expected_days_late").round(0).cast(pl.Int64)),
            pl.col("as_of"),
        ).alias("expected_pay_date")
    )


def customer_risk(scored: pl.DataFrame) -> pl.DataFrame:
    """Per customer: `risk`, the open-amount-weighted mean propensity of their open invoices.

    Weighted by open amount so a large invoice likely to be late weighs more than a
    small one; 0..1 like p_late. Needs columns customer_pk, open_minor, propensity.
    """
    weight = pl.col("open_minor").cast(pl.Float64).clip(lower_bound=1.0)
    return scored.group_by("customer_pk").agg(
        ((pl.col("propensity") * weight).sum() / weight.sum()).alias("risk")
    )
