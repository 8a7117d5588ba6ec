"""Explained risk: each feature's exact share of the logit, as tables of cases."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from creditflow.intelligence.explain import (
    PRIOR_REFERENCE,
    explain_customer,
    explain_invoice,
    top_factors,
)
from creditflow.intelligence.features import FEATURES
from creditflow.intelligence.model import RiskModel, prior_model
from creditflow.intelligence.scoring import score_invoices, values_at_due


def trained(coef, mean, scale, intercept=-0.4) -> RiskModel:
    """A model as training stores it, over the first len(coef) features."""
    names = FEATURES[: len(coef)]
    return RiskModel(features=names, mean=tuple(mean), scale=tuple(scale), coef=tuple(coef),
                     intercept=intercept, late_days_coef=(0.0,) * len(coef),
                     late_days_intercept=1.0, source="version 1")  # fmt: skip


def logit_of(model: RiskModel, values) -> float:
    p = float(model.p_late(np.asarray([values], dtype=float))[0])
    return math.log(p / (1 - p))


PRIOR = prior_model()
NEW = [PRIOR_REFERENCE[f] for f in PRIOR.features]  # a customer without history
CASES = [
    # (name, model, values, expected contribution per feature (None: not checked))
    ("a trained model at its training mean: every factor 0",
     trained([1.0, -2.0, 0.5], [1.0, 0.4, 10.0], [0.5, 0.2, 4.0]), [1.0, 0.4, 10.0],
     [0.0, 0.0, 0.0]),
    ("coefficient x (value - mean) / scale on the logit",
     trained([1.0, -2.0, 0.5], [1.0, 0.4, 10.0], [0.5, 0.2, 4.0]), [2.0, 0.6, 2.0],
     [2.0, -2.0, -1.0]),
    ("a customer without history under the prior: nothing stands out", PRIOR, NEW,
     [0.0] * len(NEW)),
    ("always late under the prior: late share pushes hardest, upwards", PRIOR,
     [1.0, 1.0, 30.0, 0.0, math.log(2.0)], [2.0, 0.75, 0.6, 0.0, 0.0]),
    ("never late under the prior: the late shares pull down", PRIOR,
     [0.05, 0.1, 0.0, 0.0, math.log(2.0)], [-1.8, -0.6, 0.0, 0.0, 0.0]),
    ("a disputed invoice under the prior", PRIOR, [0.5, 0.5, 0.0, 1.0, math.log(4.0)],
     [0.0, 0.0, 0.0, 1.5, 0.2 * math.log(2.0)]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "model", "values", "expected"), CASES, ids=[c[0] for c in CASES])
def test_contributions_sum_to_the_logit_minus_the_base(name, model, values, expected):
    explained = explain_invoice(model, values)
    by_feature = {f.feature: f.contribution for f in explained.factors}
    for feature, want in zip(model.features, expected, strict=True):
        assert by_feature[feature] == pytest.approx(want, abs=1e-9), feature
    assert sum(by_feature.values()) == pytest.approx(explained.logit - explained.base, abs=1e-9)
    assert explained.logit == pytest.approx(logit_of(model, values), abs=1e-9)


@pytest.mark.parametrize(
    ("values", "first", "raises"),
    [
        ([1.0, 1.0, 30.0, 0.0, math.log(2.0)], "late_share", True),
        ([0.05, 0.1, 0.0, 0.0, math.log(2.0)], "late_share", False),
        ([0.5, 0.5, 0.0, 1.0, math.log(2.0)], "disputed", True),
        ([0.5, 0.5, 200.0, 0.0, math.log(2.0)], "mean_days_late", True),
    ],
)
def test_the_top_factor_is_the_hardest_push_with_the_right_sign(values, first, raises):
    top = explain_invoice(PRIOR, values).top()
    assert top[0].feature == first and top[0].raises is raises
    assert len(top) <= 3
    assert [abs(f.contribution) for f in top] == sorted((abs(f.contribution) for f in top),
                                                        reverse=True)  # fmt: skip


def test_the_base_is_the_prior_probability_of_a_customer_without_history():
    explained = explain_invoice(PRIOR, NEW)
    assert explained.top() == ()
    assert explained.probability == pytest.approx(float(PRIOR.p_late(np.asarray([NEW]))[0]))
    assert 0.2 < explained.probability < 0.3  # prior.json: 0.26


def test_a_customer_is_the_open_amount_weighted_mean_of_their_invoices():
    rows = np.asarray([[1.0, 1.0, 30.0, 1.0, math.log(3.0)], [1.0, 1.0, 30.0, 0.0, math.log(3.0)]])
    together = explain_customer(PRIOR, rows, [30_000, 10_000])
    assert together is not None
    disputed = {f.feature: f for f in together.factors}["disputed"]
    assert disputed.contribution == pytest.approx(1.5 * 0.75) and disputed.value == 0.75
    one, two = (explain_invoice(PRIOR, r) for r in rows)
    assert together.logit == pytest.approx(0.75 * one.logit + 0.25 * two.logit)
    assert explain_customer(PRIOR, np.empty((0, 5)), []) is None


def test_top_factors_of_many_rows_agree_with_one_at_a_time():
    rows = np.asarray([[1.0, 1.0, 30.0, 0.0, math.log(2.0)], NEW, [0.5, 0.5, 0.0, 1.0, 0.0]])
    many = top_factors(PRIOR, rows)
    for row, got in zip(rows, many, strict=True):
        want = [(f.feature, round(f.contribution, 4)) for f in explain_invoice(PRIOR, row).top()]
        assert got == want
    assert many[1] == []


def test_an_invoice_not_yet_due_is_explained_exactly_as_it_is_scored():
    model = trained([0.0, 0.8, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.3, -0.5],
                    [0.0, 0.5] + [0.0] * 11, [1.0, 0.2] + [1.0] * 11)  # fmt: skip
    frame = pl.DataFrame({f: [0.0] for f in FEATURES}).with_columns(
        pl.lit(0.9).alias("late_share"), pl.lit(10.0).alias("age_days"),
        pl.lit(20.0).alias("days_to_due"), pl.lit(30.0).alias("terms_days"),
        pl.lit(None, pl.Date).alias("due_date"), pl.lit(None, pl.Date).alias("as_of"),
    )  # fmt: skip
    scored = score_invoices(frame, model)
    explained = explain_invoice(model, values_at_due(scored, model).row(0))
    assert explained.probability == pytest.approx(scored.get_column("p_late")[0])
    first, second, third = explained.top()  # 20 days to go x -0.5, 10 days x 0.3, 0.4 / 0.2 x 0.8
    assert (first.feature, first.raises, first.contribution) == ("days_to_due", False, -10.0)
    assert (second.feature, second.contribution) == ("age_days", pytest.approx(3.0))
    assert (third.feature, third.contribution) == ("late_share", pytest.approx(1.6))
