"""The shipped prior, stored models and the scores of open invoices and customers."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from creditflow.intelligence.evaluation import auc, evaluate, reliability_table
from creditflow.intelligence.features import FEATURES
from creditflow.intelligence.model import ModelFormatError, RiskModel, fit_model, prior_model
from creditflow.intelligence.scoring import customer_risk, score_invoices

D = date.fromisoformat
NEUTRAL = {
    "history_count": 0.0,
    "late_share": 0.5,
    "recent_late_share": 0.5,
    "mean_days_late": 0.0,
    "mean_pay_offset": 0.0,
    "last_days_late": 0.0,
    "amount_ratio": 0.0,
    "log_amount": math.log1p(10000),
    "terms_days": 30.0,
    "open_count": math.log1p(1),
    "days_since_payment": 365.0,
    "age_days": 0.0,
    "days_to_due": 30.0,
    "past_usual_day": 0.0,
    "disputed": 0.0,
    "dispute_share": 0.25,
    "no_history": 1.0,
}


def rows(*changes: dict[str, float], as_of: str = "2026-03-01") -> pl.DataFrame:
    """Feature rows of invoices due 2026-03-31 (neutral, with the changes applied)."""
    return pl.DataFrame(
        [
            {
                **NEUTRAL,
                **change,
                "customer_pk": int(change.get("customer_pk", 1)),
                "open_minor": int(change.get("open_minor", 10000)),
                "due_date": D("2026-03-31"),
                "as_of": D(as_of),
            }
            for change in changes
        ]
    )


def p_prior(**change: float) -> float:
    return float(score_invoices(rows(change), prior_model())["p_late"][0])


PRIOR_CASES = [
    ("a customer without history", {}, 0.2, 0.3),
    ("a customer who always paid late", {"late_share": 0.95, "recent_late_share": 0.9,
                                         "mean_days_late": 20.0, "no_history": 0.0}, 0.7, 0.95),
    ("a customer who never paid late", {"late_share": 0.05, "recent_late_share": 0.2,
                                        "no_history": 0.0}, 0.0, 0.1),
]  # fmt: skip


@pytest.mark.parametrize(("case", "change", "low", "high"), PRIOR_CASES)
def test_the_prior_ranks_customers_by_their_history(
    case: str, change: dict[str, float], low: float, high: float
) -> None:
    assert low <= p_prior(**change) <= high, case


def test_the_prior_finds_a_disputed_invoice_riskier() -> None:
    assert p_prior(disputed=1.0) > p_prior() + 0.2


def test_an_invoice_past_its_due_date_is_late_for_certain() -> None:
    overdue = {"days_to_due": -12.0, "age_days": 42.0}
    scored = score_invoices(rows(overdue, {**overdue, "late_share": 0.9}), prior_model())
    row, worse = scored.rows(named=True)
    assert 0.99 <= row["p_late"] < worse["p_late"] <= 1.0  # ranked by the customer's history
    assert row["expected_days_late"] >= 13.0  # open at the end of as-of: a day more at least
    assert row["expected_pay_date"] >= D("2026-03-02")
    # its propensity is the customer's, as it stood on the due date
    assert row["propensity"] == pytest.approx(p_prior(days_to_due=0.0, age_days=30.0))
    assert row["p_late"] == pytest.approx(0.99 + 0.01 * row["propensity"])


def test_expected_days_late_is_p_late_times_days_when_late() -> None:
    model = prior_model()
    row = score_invoices(rows({}), model).row(0, named=True)
    days = float(model.days_late_if_late(rows({}).select(model.features).to_numpy())[0])
    assert row["expected_days_late"] == pytest.approx(row["p_late"] * days)
    assert row["expected_pay_date"] == D("2026-03-31") + timedelta(
        days=round(row["expected_days_late"])
    )


def test_expression_scores_equal_the_models_own_arithmetic() -> None:
    frame = rows({}, {"late_share": 0.9, "disputed": 1.0}, {"late_share": 0.1, "open_count": 2.0})
    model = prior_model()
    expected = model.p_late(frame.select(model.features).to_numpy())
    assert score_invoices(frame, model)["p_late"].to_numpy() == pytest.approx(expected)


def test_customer_risk_weighs_open_invoices_by_their_open_amount() -> None:
    scored = pl.DataFrame(
        {
            "customer_pk": [1, 1, 2],
            "open_minor": [30000, 10000, 500],
            "propensity": [0.8, 0.2, 0.4],
        }
    )
    risk = dict(customer_risk(scored).sort("customer_pk").iter_rows())
    assert risk == {1: pytest.approx(0.65), 2: pytest.approx(0.4)}


def test_a_model_survives_its_json_and_refuses_wrong_sizes() -> None:
    model = prior_model()
    assert RiskModel.from_json(model.to_json()) == model
    with pytest.raises(ModelFormatError, match="sizes"):
        replace(model, coef=(1.0,))
    with pytest.raises(ModelFormatError, match="unknown features"):
        RiskModel.from_json(model.to_json().replace("late_share", "shoe_size"))
    with pytest.raises(ModelFormatError, match="not a risk model"):
        RiskModel.from_json('{"features": []}')


def test_a_fitted_model_learns_which_history_means_late() -> None:
    rng = np.random.default_rng(3)
    n = 2000
    values = np.tile(np.array([NEUTRAL[f] for f in FEATURES]), (n, 1))
    share = rng.uniform(0, 1, n)
    values[:, FEATURES.index("late_share")] = share
    late = rng.uniform(0, 1, n) < share
    days = np.where(late, 5 + 20 * share, np.nan)
    model = fit_model(values, late, days, source="test")
    p = model.p_late(values)
    assert (auc(late, p) or 0.0) > 0.7
    assert np.corrcoef(share, p)[0, 1] > 0.9
    with pytest.raises(ValueError, match="one outcome"):
        fit_model(values, np.zeros(n, dtype=bool), days, source="test")


def test_reliability_table_bands_and_figures() -> None:
    labels = np.array([0, 0, 1, 1, 1])
    scores = np.array([0.05, 0.15, 0.15, 0.95, 1.0])
    table = reliability_table(labels, scores)
    assert [b["rows"] for b in table] == [1, 2, 0, 0, 0, 0, 0, 0, 0, 2]
    assert table[1] == {"band": "0.1-0.2", "rows": 2, "predicted": 0.15, "observed": 0.5}
    figures = evaluate(labels, scores)
    assert figures["auc"] == pytest.approx((1.5 + 2 + 2) / 6, abs=1e-4)  # one tie counts half
    assert figures["brier"] == pytest.approx(float(np.mean((scores - labels) ** 2)), abs=1e-4)
    assert auc(np.array([1, 1]), np.array([0.2, 0.3])) is None
