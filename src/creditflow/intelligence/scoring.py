"""Scores of open invoices and customers from their features: a pure core (no database).

p_late: the model's probability that the invoice is paid after its due date. An
invoice already past its due date at as-of is late for certain; its p_late is
0.99 + 0.01 x propensity, so that among overdue invoices those of customers more
inclined to pay late still rank first (the order means something even when every
open invoice is overdue).
expected_days_late: p_late x the expected days late when late; for an overdue
invoice at least one day more than it is already overdue (it was open at the end
of as-of, so it is paid the day after at the earliest).
expected_pay_date: due date + expected days late (rounded), the day after as-of at
the earliest.
propensity: the model's p_late for the invoice as it stood on its due date (days to
due and age clipped there), so an invoice long overdue keeps its customer's
propensity and does not become certain: what `risk` (per customer) is made of.
"""

from __future__ import annotations

import polars as pl

from creditflow.intelligence.model import RiskModel

OVERDUE_FLOOR = 0.99  # p_late of an overdue invoice: late for certain, ranked by propensity


def _feature(name: str, *, at_due: bool) -> pl.Expr:
    if at_due and name == "days_to_due":
        return pl.col("days_to_due").clip(lower_bound=0.0)
    if at_due and name == "age_days":
        return pl.min_horizontal("age_days", "terms_days")
    return pl.col(name)


def _linear(
    model: RiskModel, coef: tuple[float, ...], intercept: float, *, at_due: bool
) -> pl.Expr:
    """intercept + sum(coef x (feature - mean) / scale), as one Polars expression."""
    terms = [
        (_feature(f, at_due=at_due).cast(pl.Float64) - m) * (c / s)
        for f, m, s, c in zip(model.features, model.mean, model.scale, coef, strict=True)
        if c != 0.0
    ]
    if not terms:
        return pl.lit(intercept)
    return pl.sum_horizontal(terms) + intercept


def _sigmoid(logit: pl.Expr) -> pl.Expr:
    return 1.0 / (1.0 + (-logit.clip(-30.0, 30.0)).exp())


def propensity(model: RiskModel) -> pl.Expr:
    """The model's p_late for an invoice as it stood on its due date (see the module)."""
    return _sigmoid(_linear(model, model.coef, model.intercept, at_due=True))


def values_at_due(frame: pl.DataFrame, model: RiskModel) -> pl.DataFrame:
    """The model's features of each row as they stood on its due date (what `propensity` weighs)."""
    return frame.select(_feature(f, at_due=True).cast(pl.Float64).alias(f) for f in model.features)


def score_invoices(features: pl.DataFrame, model: RiskModel) -> pl.DataFrame:
    """The feature rows with p_late, expected_days_late, expected_pay_date and propensity."""
    p_model = _sigmoid(_linear(model, model.coef, model.intercept, at_due=False))
    days_if_late = (
        _linear(model, model.late_days_coef, model.late_days_intercept, at_due=False)
        .clip(0.0, 6.0)
        .exp()
        .sub(1.0)
        .clip(lower_bound=1.0)
    )
    overdue_days = (-pl.col("days_to_due")).clip(lower_bound=0.0)
    overdue = overdue_days > 0
    return features.with_columns(
        pl.when(overdue)
        .then(OVERDUE_FLOOR + (1.0 - OVERDUE_FLOOR) * propensity(model))
        .otherwise(p_model)
        .alias("p_late"),
        pl.when(overdue)
        .then(pl.max_horizontal(days_if_late, overdue_days + 1.0))
        .otherwise(p_model * days_if_late)
        .alias("expected_days_late"),
        propensity(model).alias("propensity"),
    ).with_columns(
        pl.max_horizontal(
            pl.col("due_date")
            + pl.duration(days=pl.col("expected_days_late").round(0).cast(pl.Int64)),
            pl.col("as_of") + pl.duration(days=1),
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
