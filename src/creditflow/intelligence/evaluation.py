"""How good a late-payment model is: AUC, Brier score and the reliability table (pure)."""

from __future__ import annotations

from typing import Any

import numpy as np


def auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """Area under the ROC curve (ties count half); None when only one outcome occurs."""
    y = labels.astype(bool)
    positives, negatives = int(y.sum()), int((~y).sum())
    if positives == 0 or negatives == 0:
        return None
    from scipy.stats import rankdata

    ranks = rankdata(scores)
    return float((ranks[y].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def brier(labels: np.ndarray, scores: np.ndarray) -> float:
    """Mean squared difference between p_late and the outcome (0 best)."""
    return float(np.mean((scores - labels.astype(float)) ** 2))


def reliability_table(
    labels: np.ndarray, scores: np.ndarray, bins: int = 10
) -> list[dict[str, Any]]:
    """Per band of predicted p_late (0-0.1, ..., 0.9-1): rows, mean predicted, share late."""
    y = labels.astype(float)
    band = np.minimum((scores * bins).astype(int), bins - 1)
    table = []
    for b in range(bins):
        mask = band == b
        n = int(mask.sum())
        table.append(
            {
                "band": f"{b / bins:.1f}-{(b + 1) / bins:.1f}",
                "rows": n,
                "predicted": round(float(scores[mask].mean()), 3) if n else None,
                "observed": round(float(y[mask].mean()), 3) if n else None,
            }
        )
    return table


def evaluate(labels: np.ndarray, scores: np.ndarray) -> dict[str, Any]:
    """AUC, Brier score, base rate and reliability table of scores against outcomes."""
    value = auc(labels, scores)
    return {
        "rows": int(labels.size),
        "late_share": round(float(labels.astype(float).mean()), 4) if labels.size else None,
        "auc": None if value is None else round(value, 4),
        "brier": round(brier(labels, scores), 4) if labels.size else None,
        "reliability": reliability_table(labels, scores),
    }
