"""Figures over seeds: mean, lowest and highest per strategy, and one seed unchanged."""

from __future__ import annotations

from decimal import Decimal

import pytest

from creditflow.simulation.ranges import figure_rows, outcome_ranges, seed_list
from creditflow.simulation.simulator import StrategyOutcome


def outcome(seed: int, collected: str, sms: int, dso: float | None, disputes: int = 0):
    return StrategyOutcome(
        file="a.yaml",
        days=14,
        seed=seed,
        collected={"EUR": Decimal(collected)},
        weekly=[{"EUR": Decimal(collected)}, {}],
        dso_days=dso,
        contacts={"sms": sms, "email": 3},
        cost={"EUR": Decimal(sms) * Decimal("0.08")},
        charged_costs={},
        disputes=disputes,
        opt_outs=0,
        open_at_end={"EUR": Decimal("500.00")},
        collected_without_contact={"EUR": Decimal(collected) - Decimal("23.45")},
    )


def test_one_seed_gives_back_exactly_the_single_seed_outcome():
    single = outcome(7, "123.45", 5, 61.3, disputes=2)
    (only,) = outcome_ranges([[single]])
    assert only.mean == single
    assert only.as_json() == {**single.as_json(), "seeds": [7], "ranges": only.as_json()["ranges"]}
    assert only.collected["EUR"].low == only.collected["EUR"].high == Decimal("123.45")


def test_three_seeds_give_the_mean_with_the_lowest_and_the_highest():
    runs = [
        [outcome(7, "100.00", 2, 50.0)],
        [outcome(8, "130.00", 4, None)],
        [outcome(9, "161.00", 9, 70.0)],
    ]
    (spread,) = outcome_ranges(runs)
    assert spread.seeds == (7, 8, 9)
    assert spread.mean.collected == {"EUR": Decimal("130.33")}
    assert (spread.collected["EUR"].low, spread.collected["EUR"].high) == (
        Decimal("100.00"), Decimal("161.00"),
    )  # fmt: skip
    assert spread.mean.contacts == {"email": 3, "sms": 5}
    assert spread.mean.dso_days == 60.0, "a seed without DSO does not count"
    ranges = spread.as_json()["ranges"]
    assert ranges["collected"]["EUR"] == {"mean": "130.33", "min": "100.00", "max": "161.00"}
    assert ranges["contacts"]["sms"] == {"mean": "5.0", "min": "2.0", "max": "9.0"}
    rows = dict(figure_rows([spread]))
    assert rows["collected (EUR)"] == ["130.33 (100.00-161.00)"]
    assert rows["collected without contact (EUR)"] == ["106.88 (76.55-137.55)"]
    assert ranges["collected_without_contact"]["EUR"]["min"] == "76.55"
    assert rows["contacts: email"] == ["3"], "no spread: the mean alone"


def test_the_same_seeds_give_the_same_ranges():
    def runs():
        return [[outcome(s, f"{100 + s}.00", s, 40.0 + s)] for s in seed_list(7, 4)]

    assert outcome_ranges(runs()) == outcome_ranges(runs())


def test_no_seeds_is_refused():
    with pytest.raises(ValueError, match="seeds"):
        outcome_ranges([])
