"""Ranges over seeds on a real ledger: one seed is the single-seed result, and the same
seeds give the same ranges."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from creditflow.config import Settings
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.simulation.company import generate_company
from creditflow.simulation.demo import sample_organisation
from creditflow.simulation.ranges import simulate_over_seeds
from creditflow.simulation.simulator import simulate_strategies
from creditflow.strategy.service import default_strategy_text

pytestmark = pytest.mark.db
START = date(2026, 3, 2)


@pytest.fixture
def company(engine: Engine, settings: Settings, tmp_path: Path) -> Settings:
    """A sample company of 40 customers, imported; returns settings with its creditor."""
    settings = replace(settings, organisation=sample_organisation())
    files = generate_company(40, as_of=START, seed=3).write_csv(tmp_path / "ledger")
    assert import_customers(engine, files["customers"], settings).rejected == 0
    assert import_invoices(engine, files["invoices"], settings).rejected == 0
    return settings


def test_one_seed_over_seeds_is_the_single_seed_result(engine, company):
    strategies = [("default.yaml", default_strategy_text())]
    single = simulate_strategies(engine, company, strategies, days=10, seed=11, start=START)
    (ranged,) = simulate_over_seeds(engine, company, strategies, seeds=[11], days=10, start=START)
    assert ranged.mean == single[0]
    assert sum(single[0].contacts.values()) > 0, "the default strategy contacted nobody"


def test_the_same_seeds_give_the_same_ranges_and_seeds_spread(engine, company):
    strategies = [("default.yaml", default_strategy_text())]
    first = simulate_over_seeds(engine, company, strategies, seeds=[1, 2, 3], days=10, start=START)
    again = simulate_over_seeds(engine, company, strategies, seeds=[1, 2, 3], days=10, start=START)
    assert [r.as_json() for r in first] == [r.as_json() for r in again]
    spread = first[0]
    assert spread.seeds == (1, 2, 3)
    for figure in spread.contacts.values():
        assert figure.low <= figure.mean <= figure.high
