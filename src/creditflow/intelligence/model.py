"""The late-payment model: a logistic regression for p_late and a linear model for days late.

A model is plain numbers (feature names, standardisation, coefficients), stored as
JSON: in the database for trained models, in `prior.json` for the shipped prior.
Loading a model never executes anything (no pickle), so a stored model cannot
carry code.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from importlib import resources
from typing import Any

import numpy as np

from creditflow.intelligence.features import FEATURES


class ModelFormatError(ValueError):
    """A stored model whose numbers do not fit its features."""


@dataclass(frozen=True)
class RiskModel:
    """p_late = sigmoid(intercept + coef . z), z = (x - mean) / scale.

    Days late when late: expm1(late_days_intercept + late_days_coef . z), at least 1.
    """

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    late_days_coef: tuple[float, ...]
    late_days_intercept: float
    source: str = "prior"
    notes: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.features)
        sizes = {len(self.mean), len(self.scale), len(self.coef), len(self.late_days_coef)}
        if sizes != {n}:
            raise ModelFormatError(f"model has {n} features but vectors of sizes {sorted(sizes)}")
        unknown = set(self.features) - set(FEATURES)
        if unknown:
            raise ModelFormatError(f"unknown features: {', '.join(sorted(unknown))}")
        if any(s <= 0 for s in self.scale):
            raise ModelFormatError("a feature scale is not positive")

    def _z(self, frame_values: np.ndarray) -> np.ndarray:
        return (frame_values - np.asarray(self.mean)) / np.asarray(self.scale)

    def p_late(self, values: np.ndarray) -> np.ndarray:
        """Probability of payment after the due date, per row of feature values."""
        logit = self._z(values) @ np.asarray(self.coef) + self.intercept
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(logit, -30, 30))))

    def days_late_if_late(self, values: np.ndarray) -> np.ndarray:
        """Expected days late of an invoice that is paid late (at least 1)."""
        log_days = self._z(values) @ np.asarray(self.late_days_coef) + self.late_days_intercept
        return np.asarray(np.maximum(np.expm1(np.clip(log_days, 0, 6)), 1.0))

    def to_json(self) -> str:
        """The model as JSON text (what is stored)."""
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RiskModel:
        """Read a model stored by `to_json`; a malformed one raises ModelFormatError."""
        try:
            raw = json.loads(text)
            return cls(
                features=tuple(str(f) for f in raw["features"]),
                mean=tuple(float(v) for v in raw["mean"]),
                scale=tuple(float(v) for v in raw["scale"]),
                coef=tuple(float(v) for v in raw["coef"]),
                intercept=float(raw["intercept"]),
                late_days_coef=tuple(float(v) for v in raw["late_days_coef"]),
                late_days_intercept=float(raw["late_days_intercept"]),
                source=str(raw.get("source", "stored")),
                notes=dict(raw.get("notes") or {}),
            )
        except (KeyError, TypeError, ValueError) as exc:
            if isinstance(exc, ModelFormatError):
                raise
            raise ModelFormatError(f"not a risk model: {exc}") from exc


def prior_model() -> RiskModel:
    """The shipped prior: hand-set coefficients for a ledger without history (prior.json)."""
    text = resources.files("creditflow.intelligence").joinpath("prior.json").read_text("utf-8")
    raw = json.loads(text)
    names = tuple(raw["features"])
    weights = raw["weights"]
    days = raw["late_days_weights"]
    return RiskModel(
        features=names,
        mean=tuple(0.0 for _ in names),
        scale=tuple(1.0 for _ in names),
        coef=tuple(float(weights.get(f, 0.0)) for f in names),
        intercept=float(raw["intercept"]),
        late_days_coef=tuple(float(days.get(f, 0.0)) for f in names),
        late_days_intercept=float(raw["late_days_intercept"]),
        source="prior",
    )


def fit_model(
    values: np.ndarray,
    late: np.ndarray,
    days_late: np.ndarray,
    *,
    source: str,
    features: tuple[str, ...] = FEATURES,
) -> RiskModel:
    """Fit p_late (logistic regression) and days late when late (ridge on log1p days)."""
    from sklearn.linear_model import LogisticRegression, Ridge

    mean = values.mean(axis=0)
    scale = values.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    z = (values - mean) / scale
    labels = late.astype(bool)
    if labels.all() or not labels.any():
        raise ValueError("the history has only one outcome (all late or none late)")
    classifier = LogisticRegression(C=1.0, max_iter=2000)
    classifier.fit(z, labels)
    late_rows = labels & ~np.isnan(days_late)
    if late_rows.sum() >= 5:
        regressor = Ridge(alpha=1.0).fit(z[late_rows], np.log1p(days_late[late_rows]))
        days_coef, days_intercept = regressor.coef_, float(regressor.intercept_)
    else:
        days_coef, days_intercept = np.zeros(len(features)), float(np.log1p(7.0))
    return RiskModel(
        features=features,
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        coef=tuple(float(v) for v in classifier.coef_[0]),
        intercept=float(classifier.intercept_[0]),
        late_days_coef=tuple(float(v) for v in days_coef),
        late_days_intercept=days_intercept,
        source=source,
    )
