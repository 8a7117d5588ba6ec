"""Why the model says what it says: each feature's share of a score's logit (a pure core).

The model is a logistic regression (model.py): logit = intercept + sum(coef x (x - mean)
/ scale). That sum is already a decomposition, and it is exact: feature i adds

    contribution_i = coef_i / scale_i x (value_i - reference_i)

to the logit, measured from a reference row whose logit is the `base`; the
contributions sum to the logit minus the base, with nothing left over (no
approximation, no sampling: a linear model needs neither).
The reference is what "ordinary" means for the model: for a trained model the mean
of its training rows (where z = 0, base = intercept); for the shipped prior, whose
features are raw, a customer without history (late share 0.5, no dispute, one open
invoice), so a new customer's factors are all 0 and their risk is the base.
What is explained is the invoice's *propensity* (scoring.py): its p_late as it
stood on its due date. For an invoice not yet due this is its p_late exactly; for an
overdue one (p_late 0.99 and up, late for certain) it is the customer's inclination
that ranks it. A customer's factors are the open-amount-weighted means of their
invoices' contributions: exact for the weighted mean logit (the same weights as `risk`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from creditflow.intelligence.model import RiskModel

# The prior's reference row (features it weighs): a customer without settled history.
PRIOR_REFERENCE: dict[str, float] = {
    "late_share": 0.5,
    "recent_late_share": 0.5,
    "mean_days_late": 0.0,
    "disputed": 0.0,
    "open_count": math.log(2.0),
}
TOP = 3


@dataclass(frozen=True)
class Factor:
    """One feature's push on the logit of p_late (positive: more likely late)."""

    feature: str
    value: float
    contribution: float

    @property
    def raises(self) -> bool:
        """True when the factor makes a late payment more likely."""
        return self.contribution > 0


@dataclass(frozen=True)
class Explanation:
    """A score taken apart: base (the reference's logit) + contributions = logit."""

    base: float
    logit: float
    factors: tuple[Factor, ...]  # every feature the model weighs, largest push first

    @property
    def probability(self) -> float:
        """sigmoid(logit): the explained probability."""
        return _sigmoid(self.logit)

    def top(self, n: int = TOP) -> tuple[Factor, ...]:
        """The n factors that push hardest (either way), leaving out those that do not push."""
        return tuple(f for f in self.factors[:n] if abs(f.contribution) >= 1e-9)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(x, 30.0), -30.0)))


def reference(model: RiskModel) -> np.ndarray:
    """The row the contributions are measured from (see the module)."""
    if model.source == "prior":
        return np.asarray(
            [PRIOR_REFERENCE.get(f, m) for f, m in zip(model.features, model.mean, strict=True)]
        )
    return np.asarray(model.mean, dtype=float)


def contributions(model: RiskModel, values: np.ndarray) -> tuple[float, np.ndarray]:
    """(base, contribution per row and feature): rows of feature values in model order."""
    weights = np.asarray(model.coef) / np.asarray(model.scale)
    ref = reference(model)
    base = float(model.intercept + ((ref - np.asarray(model.mean)) * weights).sum())
    return base, (np.atleast_2d(values) - ref) * weights


def _explanation(model: RiskModel, base: float, row: np.ndarray, values: np.ndarray) -> Explanation:
    weighed = [
        Factor(f, float(v), float(c))
        for f, v, c, w in zip(model.features, values, row, model.coef, strict=True)
        if w != 0.0
    ]
    weighed.sort(key=lambda f: (-abs(f.contribution), f.feature))
    return Explanation(base, base + float(row.sum()), tuple(weighed))


def explain_invoice(model: RiskModel, values: Sequence[float]) -> Explanation:
    """One invoice's propensity taken apart (values: its features at due, model order)."""
    base, rows = contributions(model, np.asarray(values, dtype=float))
    return _explanation(model, base, rows[0], np.asarray(values, dtype=float))


def explain_customer(
    model: RiskModel, values: np.ndarray, weights: Sequence[float] | np.ndarray
) -> Explanation | None:
    """A customer's open invoices taken apart together: weighted mean of their contributions.

    `values`: one row of features (at due) per open invoice; `weights`: their open
    amounts. None when there is no invoice.
    """
    matrix = np.atleast_2d(np.asarray(values, dtype=float))
    if matrix.shape[0] == 0 or matrix.size == 0:
        return None
    w = np.clip(np.asarray(weights, dtype=float), 1.0, None)
    w = w / w.sum()
    base, rows = contributions(model, matrix)
    return _explanation(model, base, w @ rows, w @ matrix)


def top_factors(
    model: RiskModel, values: np.ndarray, n: int = TOP
) -> list[list[tuple[str, float]]]:
    """Per row, the n features that push its logit hardest: (feature, contribution), set-based."""
    matrix = np.atleast_2d(np.asarray(values, dtype=float))
    if matrix.shape[0] == 0:
        return []
    _, rows = contributions(model, matrix)
    order = np.argsort(-np.abs(rows), axis=1, kind="stable")[:, :n]
    picked = np.take_along_axis(rows, order, axis=1)
    names = model.features
    return [
        [(names[j], round(float(c), 4)) for j, c in zip(idx, vals, strict=True) if abs(c) >= 1e-9]
        for idx, vals in zip(order, picked, strict=True)
    ]


def shown_value(feature: str, value: float) -> Mapping[str, object]:
    """The feature's value as a person reads it (counts, percentages, days): words' params."""
    if feature in ("history_count", "open_count"):
        return {"n": round(math.expm1(value))}
    if feature in ("late_share", "recent_late_share", "dispute_share"):
        return {"pct": round(100 * value)}
    if feature == "amount_ratio":
        return {"times": f"{math.exp(value):.1f}"}
    if feature == "log_amount":
        return {}
    return {"days": round(abs(value))}
