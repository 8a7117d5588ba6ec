"""How many days after the due date each payer type pays an invoice nobody asked about.

One source of truth for two users: the history generator (`history._days_late`) draws
from these parameters, and the simulator's own-accord payments (`own_accord.py`) turn
the same distributions into a chance per day. "Days late" D is an integer, negative
for early; by payer type, without any contact:

    punctual    uniform -7..+2; 10% of their invoices slip and go as a forgetful one's
    forgetful   2 + floor(Gamma(shape 2, scale 6))
    struggling  10 + floor(Gamma(shape 2, scale 20))
    disputer    uniform 0..30
    ghost       5% paid 40 + floor(Gamma(shape 2, scale 20)) days late, 95% never

`days_late_pmf` and `days_late_survival` are exact (the floor of a gamma with a whole
shape has a closed-form distribution), so nothing is sampled to know them.
"""

from __future__ import annotations

from math import factorial

import numpy as np

from creditflow.simulation.schema import PAYER_TYPES

__all__ = [
    "DISPUTER_DAYS",
    "FORGETFUL_FROM",
    "FORGETFUL_GAMMA",
    "GHOST_EXTRA",
    "GHOST_PAYS",
    "NEVER",
    "PUNCTUAL_DAYS",
    "PUNCTUAL_SLIP",
    "STRUGGLING_FROM",
    "STRUGGLING_GAMMA",
    "days_late_pmf",
    "days_late_survival",
]

PUNCTUAL_DAYS = (-7, 2)  # uniform, both ends included
PUNCTUAL_SLIP = 0.1  # share of a punctual payer's invoices paid like a forgetful one's
FORGETFUL_FROM, FORGETFUL_GAMMA = 2, (2, 6.0)  # days, (shape, scale)
STRUGGLING_FROM, STRUGGLING_GAMMA = 10, (2, 20.0)
DISPUTER_DAYS = (0, 30)
GHOST_PAYS = 0.05  # share of a ghost's invoices paid at all
GHOST_EXTRA = 30  # a ghost who pays does so like a struggling payer, 30 days later
NEVER = 100_000  # "days late" of an invoice that will not be paid

# One part of a mixture: (weight, "uniform", low, high) or (weight, "gamma", from, shape, scale).
Part = tuple[float, str, float, float] | tuple[float, str, float, float, float]
_PARTS: dict[str, tuple[Part, ...]] = {
    "punctual": (
        (1 - PUNCTUAL_SLIP, "uniform", *PUNCTUAL_DAYS),
        (PUNCTUAL_SLIP, "gamma", FORGETFUL_FROM, *FORGETFUL_GAMMA),
    ),
    "forgetful": ((1.0, "gamma", FORGETFUL_FROM, *FORGETFUL_GAMMA),),
    "struggling": ((1.0, "gamma", STRUGGLING_FROM, *STRUGGLING_GAMMA),),
    "disputer": ((1.0, "uniform", *DISPUTER_DAYS),),
    "ghost": ((GHOST_PAYS, "gamma", STRUGGLING_FROM + GHOST_EXTRA, *STRUGGLING_GAMMA),),
}  # the weights of a type sum to 1, except the ghost's: the rest is never paid


def _gamma_cdf(x: np.ndarray, shape: float, scale: float) -> np.ndarray:
    """P(G <= x) for a gamma with a whole-number shape (an Erlang distribution)."""
    if shape != int(shape) or shape < 1:
        raise ValueError(f"gamma shape {shape}: only whole shapes have a closed form here")
    z = np.maximum(x, 0.0) / scale
    terms = sum(z**i / factorial(i) for i in range(int(shape)))
    return np.where(x > 0, 1.0 - np.exp(-z) * terms, 0.0)


def _parts(payer_type: str) -> tuple[Part, ...]:
    if payer_type not in _PARTS:
        raise ValueError(f"payer_type {payer_type!r}: expected one of {', '.join(PAYER_TYPES)}")
    return _PARTS[payer_type]


def days_late_pmf(payer_type: str, days: np.ndarray) -> np.ndarray:
    """P(D = d) per whole number of days d after the due date (negative: before it)."""
    d = np.asarray(days, dtype=float)
    total = np.zeros_like(d)
    for weight, kind, *p in _parts(payer_type):
        if kind == "uniform":
            low, high = p
            total += weight * ((d >= low) & (d <= high)) / (high - low + 1)
        else:
            start, shape, scale = p
            k = d - start  # floor(G) = k exactly when k <= G < k + 1
            total += weight * (_gamma_cdf(k + 1, shape, scale) - _gamma_cdf(k, shape, scale))
    return total


def days_late_survival(payer_type: str, days: np.ndarray) -> np.ndarray:
    """P(D >= d): the invoice is not paid before day d (never paid counts as not paid)."""
    d = np.asarray(days, dtype=float)
    paid_before = np.zeros_like(d)
    for weight, kind, *p in _parts(payer_type):
        if kind == "uniform":
            low, high = p
            paid_before += weight * np.clip(d - low, 0, high - low + 1) / (high - low + 1)
        else:
            start, shape, scale = p
            paid_before += weight * _gamma_cdf(d - start, shape, scale)
    return np.clip(1.0 - paid_before, 0.0, 1.0)
