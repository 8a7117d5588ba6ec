"""Scores, explanations and expected recovery for chosen customers: one read, one pass.

The workbench asks about a few customers (one customer's page, the customers on the
worklist), not the whole ledger: their invoices are read with one query, and every
feature of an invoice depends on its own customer's invoices only, so the scores
are the ones `creditflow risk` gives the same invoices.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import date

import polars as pl
from sqlalchemy import Connection

from creditflow.intelligence.call_order import call_priority
from creditflow.intelligence.explain import Explanation, explain_customer
from creditflow.intelligence.model import ModelFormatError, RiskModel, prior_model
from creditflow.intelligence.scoring import values_at_due
from creditflow.intelligence.service import (
    LEDGER_SCHEMA,
    LEDGER_SQL,
    latest_model,
    read_ledger,
    score_ledger,
)
from creditflow.store import read_frame

INLINE_LIMIT = 1000  # more customers than this: read the ledger whole and filter it
logger = logging.getLogger(__name__)


def usable_model(conn: Connection) -> tuple[RiskModel, int | None]:
    """The newest stored model (and its version), or the prior when none or a refused one."""
    try:
        return latest_model(conn)
    except ModelFormatError as exc:  # pages go on with the prior, like the run
        logger.warning("%s; the workbench scores with the shipped prior", exc)
        return prior_model(), None


def ledger_of(conn: Connection, customer_pks: Collection[int]) -> pl.DataFrame:
    """The ledger frame (service.LEDGER_SCHEMA) of these customers only."""
    pks = sorted({int(pk) for pk in customer_pks})
    if not pks:
        return pl.DataFrame(schema=LEDGER_SCHEMA).with_columns(pl.col("disputed").cast(pl.Boolean))
    if len(pks) > INLINE_LIMIT:
        return read_ledger(conn).filter(pl.col("customer_pk").is_in(pks))
    listed = ", ".join(str(pk) for pk in pks)  # integers only: nothing to inject
    frame = read_frame(conn, f"{LEDGER_SQL} AND i.customer_id IN ({listed})", LEDGER_SCHEMA)
    return frame.with_columns(pl.col("disputed").cast(pl.Boolean))


def score_customers(
    conn: Connection, customer_pks: Collection[int], as_of: date, model: RiskModel
) -> pl.DataFrame:
    """The open invoices of these customers at as-of, scored (scoring.score_invoices)."""
    return score_ledger(ledger_of(conn, customer_pks), as_of, model)


def recovery_rates(
    conn: Connection, customer_pks: Collection[int], as_of: date, model: RiskModel
) -> dict[tuple[int, str], float]:
    """(customer, currency) -> expected recovery from a call per unit open (call_order.py).

    call_priority's expected recovery divided by the open amount: the open-amount-weighted
    mean of propensity x urgency over the customer's open invoices (0..3).
    """
    scored = score_customers(conn, customer_pks, as_of, model)
    if scored.height == 0:
        return {}
    return {
        (int(r["customer_pk"]), str(r["currency"])): float(r["expected_recovery_minor"])
        / max(float(r["open_minor"]), 1.0)
        for r in call_priority(scored).iter_rows(named=True)
    }


def explain_scored(scored: pl.DataFrame, model: RiskModel) -> Explanation | None:
    """The factors of scored open invoices together (one customer's), weighted by open amount."""
    if scored.height == 0:
        return None
    values = values_at_due(scored, model).to_numpy()
    weights = scored.get_column("open_minor").cast(pl.Float64).to_numpy()
    return explain_customer(model, values, weights)
