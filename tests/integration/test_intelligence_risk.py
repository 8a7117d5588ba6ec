"""Risk models in the ledger store: trained, versioned, checked, and used by the run."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from creditflow.db import transaction
from creditflow.intelligence.model import ModelFormatError
from creditflow.intelligence.service import (
    NotEnoughHistory,
    latest_model,
    score_open_invoices,
    train_model,
)
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.strategy.run import collection_run
from creditflow.strategy.service import activate_strategy

DAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)
STRATEGY = """
segments:
  - name: risky
    when: risk >= 0.6
  - name: others
strategies:
  risky:
    steps:
      - id: early_call
        at: due-5d
        task: call
  others:
    steps:
      - id: reminder
        at: due+7d
        channels: [email]
        template: reminder
"""


def _ledger(folder: Path) -> tuple[Path, Path]:
    """LATE always paid 20 days late, SOON always 5 days early; each has one open invoice."""
    customers = "customer_id,name,kind,email\nLATE,Laat B.V.,business,l@example.nl\n"
    customers += "SOON,Vroeg B.V.,business,v@example.nl\n"
    lines = ["invoice_number,customer_id,issue_date,due_date,amount,status,paid_date"]
    start = date(2025, 1, 1)
    for n in range(24):
        issue = start + timedelta(days=14 * n)
        due = issue + timedelta(days=30)
        for customer, offset in (("LATE", 20), ("SOON", -5)):
            paid = due + timedelta(days=offset)
            amount = f"{100 + 7 * n}.00"
            lines.append(f"{customer}-{n},{customer},{issue},{due},{amount},paid,{paid}")
    for customer in ("LATE", "SOON"):
        lines.append(f"{customer}-OPEN,{customer},2026-02-10,2026-03-05,250.00,,")
    (folder / "c.csv").write_text(customers)
    (folder / "i.csv").write_text("\n".join(lines) + "\n")
    return folder / "c.csv", folder / "i.csv"


@pytest.fixture
def ledger(engine, settings, tmp_path: Path):
    customers, invoices = _ledger(tmp_path)
    assert import_customers(engine, customers, settings).rejected == 0
    assert import_invoices(engine, invoices, settings).rejected == 0
    return engine


def test_without_a_trained_model_the_prior_scores_every_open_invoice(ledger) -> None:
    with ledger.connect() as conn:
        model, version = latest_model(conn)
        scored = score_open_invoices(conn, DAY, model)
    assert (model.source, version) == ("prior", None)
    p = dict(scored.select("invoice_number", "p_late").iter_rows())
    assert set(p) == {"LATE-OPEN", "SOON-OPEN"}
    assert p["LATE-OPEN"] > 0.7 > 0.1 > p["SOON-OPEN"]


def test_each_training_stores_the_next_version_with_its_hold_out_figures(ledger) -> None:
    first = train_model(ledger, DAY, now=NOW)
    second = train_model(ledger, DAY, now=NOW)
    assert (first.version, second.version) == (1, 2)
    assert first.metrics["holdout"]["auc"] == pytest.approx(1.0)
    assert len(first.metrics["holdout"]["reliability"]) == 10
    with ledger.connect() as conn:
        model, version = latest_model(conn)
        scored = score_open_invoices(conn, DAY, model)
    assert (model.source, version) == ("version 2", 2)
    p = dict(scored.select("invoice_number", "p_late").iter_rows())
    assert p["LATE-OPEN"] > 0.8 and p["SOON-OPEN"] < 0.2


def test_a_stored_model_changed_behind_creditflows_back_is_refused(ledger, settings) -> None:
    train_model(ledger, DAY, now=NOW)
    with ledger.begin() as conn:
        conn.execute(text("UPDATE risk_model SET model_json = replace(model_json, '0', '9')"))
    with ledger.connect() as conn, pytest.raises(ModelFormatError, match="checksum"):
        latest_model(conn)
    # the daily run goes on with the shipped prior, which finds LATE risky too
    with transaction(ledger) as session:
        activate_strategy(session, STRATEGY, "risk.yaml", ["reminder"])
    result = collection_run(ledger, settings, DAY, now=NOW)
    assert result.actions.get_column("step").to_list() == ["early_call"]


def test_training_on_a_ledger_without_enough_history_is_refused(engine, settings, tmp_path):
    customers, invoices = _ledger(tmp_path)
    import_customers(engine, customers, settings)
    import_invoices(engine, invoices, settings)
    with pytest.raises(NotEnoughHistory, match="at least 30"):
        train_model(engine, date(2025, 4, 1), now=NOW)  # a handful of invoices due by then
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM risk_model")).scalar_one() == 0


def test_the_run_segments_by_the_customers_scored_risk(ledger, settings) -> None:
    with transaction(ledger) as session:
        activate_strategy(session, STRATEGY, "risk.yaml", ["reminder"])
    result = collection_run(ledger, settings, DAY, now=NOW)
    by_customer = {r["customer_id"]: r for r in result.actions.iter_rows(named=True)}
    assert by_customer["LATE"]["step"] == "early_call"  # risk from 20 days late every time
    assert "SOON" not in by_customer  # others: reminder only at due+7d
