"""Reading only the history that can matter gives the same figures as reading it all."""

from __future__ import annotations

import importlib.util
from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from creditflow.analytics import core
from creditflow.analytics.service import compute_report, load_history, load_older_sales
from creditflow.store import read_frame

BENCH = Path(__file__).resolve().parents[2] / "bench" / "analytics.py"


def _bench_module():
    spec = importlib.util.spec_from_file_location("bench_analytics", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _everything(engine: Engine) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every invoice and every allocation, no filter at all."""
    day = "substr({}, 1, 10)" if engine.dialect.name == "sqlite" else "CAST({} AS DATE)"
    with engine.connect() as conn:
        invoices = read_frame(
            conn,
            "SELECT id, customer_id, currency, issue_date, due_date, amount_minor, open_minor, "
            "paid_on FROM invoice",
            core.INVOICE_SCHEMA,
        )
        allocations = read_frame(
            conn,
            f"SELECT a.invoice_id, a.amount_minor, {day.format('p.paid_at')}, "  # noqa: S608
            f"{day.format('p.reversed_at')} FROM allocation a "
            "JOIN payment p ON p.id = a.payment_id",
            core.ALLOCATION_SCHEMA,
        )
    return invoices, allocations


@pytest.mark.parametrize("as_of", [date(2026, 3, 10), date(2025, 12, 31), date(2025, 6, 1)])
def test_the_figures_from_the_recent_history_equal_those_from_all_of_it(
    engine: Engine, as_of: date
):
    _bench_module().build_ledger(engine, 6000, date(2026, 3, 10), seed=3)
    with engine.connect() as conn:
        history = load_history(conn, as_of)
        older = load_older_sales(conn, as_of)
    invoices, allocations = _everything(engine)
    assert history.invoices.height < invoices.filter(pl.col("issue_date") <= as_of).height
    quick = compute_report(history, as_of, older)
    full = compute_report(replace(history, invoices=invoices, allocations=allocations), as_of)
    assert [f.as_json() for f in quick.currencies] == [f.as_json() for f in full.currencies]
    assert quick.countback == full.countback
    assert quick.habits.equals(full.habits)
    assert quick.weeks.equals(full.weeks)
    assert quick.effectiveness.equals(full.effectiveness)
