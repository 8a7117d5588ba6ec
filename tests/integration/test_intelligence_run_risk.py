"""The run's risk reads only the history of the customers it scores, and scores each of
them exactly as from the whole ledger (every feature is one customer's own history)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from creditflow.config import Settings
from creditflow.intelligence.features import invoice_features
from creditflow.intelligence.model import prior_model
from creditflow.intelligence.scoring import customer_risk, propensity
from creditflow.intelligence.service import customer_risk_for_run
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.ledger.payments import import_payments
from creditflow.simulation.company import generate_company
from creditflow.simulation.demo import sample_organisation
from creditflow.store import read_frame
from creditflow.strategy.snapshot import load_snapshot

pytestmark = pytest.mark.db
AS_OF = date(2026, 3, 2)
WHOLE_LEDGER = (
    "SELECT customer_id, issue_date, due_date, paid_on, amount_minor, "
    "CASE WHEN dispute_reason IS NOT NULL THEN 1 ELSE 0 END FROM invoice "
    "WHERE paid_on IS NOT NULL AND paid_on <= :as_of AND status <> 'written_off'"
)
SCHEMA = {
    "customer_pk": pl.Int64,
    "issue_date": pl.Date,
    "due_date": pl.Date,
    "paid_on": pl.Date,
    "amount_minor": pl.Int64,
    "disputed": pl.Int64,
}


def test_the_run_scores_risk_as_from_the_whole_ledger(
    engine: Engine, settings: Settings, tmp_path: Path
):
    settings = replace(settings, organisation=sample_organisation())
    files = generate_company(150, as_of=AS_OF, seed=8).write_csv(tmp_path / "ledger")
    import_customers(engine, files["customers"], settings)
    import_invoices(engine, files["invoices"], settings)
    import_payments(engine, files["payments"], settings)
    with engine.connect() as conn:
        snapshot = load_snapshot(conn, AS_OF)
        scored = customer_risk_for_run(conn, snapshot.invoices, AS_OF)
        settled = read_frame(conn, WHOLE_LEDGER, SCHEMA, {"as_of": AS_OF})
    settled = settled.with_columns(pl.col("disputed").cast(pl.Boolean))
    owing = set(snapshot.invoices["customer_pk"])
    assert 0 < len(owing) < 150 and set(settled["customer_pk"]) - owing, "some paid up in full"
    queries = snapshot.invoices.select(
        "customer_pk", "issue_date", "due_date", "amount_minor", "open_minor",
        (pl.col("status") == "disputed").alias("disputed"), pl.lit(AS_OF).alias("as_of"),
    )  # fmt: skip
    ledger = pl.concat(
        [
            settled,
            queries.select(
                "customer_pk",
                "issue_date",
                "due_date",
                pl.lit(None, pl.Date).alias("paid_on"),
                "amount_minor",
                "disputed",
            ),  # fmt: skip
        ]
    )
    features = invoice_features(queries, ledger)
    expected = customer_risk(features.with_columns(propensity(prior_model()).alias("propensity")))
    assert scored.sort("customer_pk").equals(expected.sort("customer_pk"))
    assert set(scored["customer_pk"]) == owing
