"""Late-payment risk against the ledger store: read the ledger, train, store and score.

Set-based throughout: the ledger is read with one query into a frame, features and
scores are computed by the pure cores (features.py, scoring.py).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import polars as pl
from sqlalchemy import Connection, Engine, func, select

from creditflow.intelligence.evaluation import evaluate
from creditflow.intelligence.features import FEATURES, invoice_features, training_rows
from creditflow.intelligence.model import ModelFormatError, RiskModel, fit_model, prior_model
from creditflow.intelligence.models import RiskModelRecord
from creditflow.intelligence.scoring import score_invoices
from creditflow.ledger.open_invoices import of_customers_owing
from creditflow.store import read_frame

LEDGER_SCHEMA = {
    "invoice_pk": pl.Int64,
    "invoice_number": pl.Utf8,
    "customer_pk": pl.Int64,
    "customer_id": pl.Utf8,
    "issue_date": pl.Date,
    "due_date": pl.Date,
    "amount_minor": pl.Int64,
    "open_minor": pl.Int64,
    "currency": pl.Utf8,
    "paid_on": pl.Date,
    "status": pl.Utf8,
    "disputed": pl.Int64,
}
# Written-off invoices and invoices marked paid without a payment day tell nothing
# about when customers pay; they are left out.
LEDGER_SQL = (
    "SELECT i.id, i.invoice_number, i.customer_id, c.customer_id, i.issue_date, i.due_date, "
    "i.amount_minor, i.open_minor, i.currency, i.paid_on, i.status, "
    "CASE WHEN i.status = 'disputed' OR i.dispute_reason IS NOT NULL OR EXISTS "
    "(SELECT 1 FROM dispute d WHERE d.invoice_id = i.id) THEN 1 ELSE 0 END "
    "FROM invoice i JOIN customer c ON c.id = i.customer_id "
    "WHERE i.status <> 'written_off' AND NOT (i.status = 'paid' AND i.paid_on IS NULL)"
)
MIN_KNOWN_INVOICES = 30
logger = logging.getLogger(__name__)


class NotEnoughHistory(ValueError):
    """The ledger's settled history cannot train a model (too little, or one outcome)."""


@dataclass(frozen=True)
class TrainResult:
    """A stored model version and how it did on the time-based hold-out."""

    version: int
    as_of: date
    metrics: dict[str, Any]


def read_ledger(conn: Connection) -> pl.DataFrame:
    """Every invoice that can inform or receive a score, as one frame (LEDGER_SCHEMA)."""
    frame = read_frame(conn, LEDGER_SQL, LEDGER_SCHEMA)
    return frame.with_columns(pl.col("disputed").cast(pl.Boolean))


def open_at(ledger: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The invoices open at the end of as-of: issued by then, not paid on or before it.

    `ledger` is the ledger as stored today: an invoice paid after as-of was open then.
    """
    return ledger.filter(
        (pl.col("issue_date") <= as_of)
        & ((pl.col("paid_on").is_null() & (pl.col("open_minor") > 0)) | (pl.col("paid_on") > as_of))
    )


def ledger_known_at(ledger: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The ledger as it was known at as-of: invoices issued by then, later payments unknown."""
    return ledger.filter(pl.col("issue_date") <= as_of).with_columns(
        pl.when(pl.col("paid_on") <= as_of).then(pl.col("paid_on")).alias("paid_on")
    )


def latest_model(conn: Connection, known_by: date | None = None) -> tuple[RiskModel, int | None]:
    """The newest stored model and its version, or the shipped prior and None.

    With `known_by`, only models trained on what was known by that day (as_of <= it).
    """
    query = select(
        RiskModelRecord.version, RiskModelRecord.model_json, RiskModelRecord.checksum
    ).order_by(RiskModelRecord.version.desc())
    if known_by is not None:
        query = query.where(RiskModelRecord.as_of <= known_by)
    row = conn.execute(query.limit(1)).first()
    if row is None:
        return prior_model(), None
    version, text, checksum = row
    if hashlib.sha256(text.encode("utf-8")).hexdigest() != checksum:
        raise ModelFormatError(f"stored model version {version} does not match its checksum")
    return RiskModel.from_json(text), int(version)


def score_open_invoices(conn: Connection, as_of: date, model: RiskModel) -> pl.DataFrame:
    """Every invoice open at as-of, scored (one row each, by invoice number)."""
    return score_ledger(read_ledger(conn), as_of, model)


def score_ledger(stored: pl.DataFrame, as_of: date, model: RiskModel) -> pl.DataFrame:
    """The invoices of a ledger frame (LEDGER_SCHEMA) open at as-of, scored, by number."""
    ledger = ledger_known_at(stored, as_of)
    queries = (
        open_at(stored, as_of)
        .with_columns(
            # paid since: the whole amount was open then (part payments are not dated)
            pl.when(pl.col("paid_on").is_not_null())
            .then(pl.col("amount_minor"))
            .otherwise(pl.col("open_minor"))
            .alias("open_minor"),
            pl.lit(as_of).alias("as_of"),
        )
        .drop("paid_on")
    )
    return score_invoices(invoice_features(queries, ledger), model).sort("invoice_number")


def _labelled(ledger: pl.DataFrame, as_of: date) -> pl.DataFrame:
    rows = training_rows(ledger, as_of)
    return invoice_features(rows, ledger)


def _arrays(rows: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return (
        rows.select(FEATURES).to_numpy().astype(float),
        rows.get_column("late").to_numpy().astype(bool),
        rows.get_column("days_late").cast(pl.Float64).fill_null(np.nan).to_numpy(),
    )


def fit_at(ledger: pl.DataFrame, as_of: date, *, source: str) -> tuple[RiskModel, dict[str, Any]]:
    """Fit on what was known at as-of; measure on a time-based hold-out first.

    The hold-out is the last fifth of the invoices with a known outcome (by due date):
    a model fitted on what was known at the cut (their first due date) scores them as
    the run would have seen them. The stored model is then fitted on everything.
    """
    known = ledger.filter(pl.col("due_date") < as_of)
    if known.height < MIN_KNOWN_INVOICES:
        raise NotEnoughHistory(
            f"{known.height} invoices due before {as_of} have a known outcome; "
            f"training needs at least {MIN_KNOWN_INVOICES}"
        )
    all_rows = _labelled(ledger, as_of)
    late = all_rows.get_column("late")
    if late.all() or not late.any():
        raise NotEnoughHistory("the history has only one outcome (every invoice late, or none)")
    dues = known.get_column("due_date").sort()
    cut_day: date = dues[int(0.8 * (dues.len() - 1))]
    before = _labelled(ledger, cut_day)
    after = all_rows.filter(pl.col("due_date") >= cut_day)
    metrics: dict[str, Any] = {
        "training_invoices": known.height,
        "training_rows": all_rows.height,
        "holdout_from": cut_day.isoformat(),
    }
    try:
        trial = fit_model(*_arrays(before), source="holdout")
        values, labels, _ = _arrays(after)
        holdout = evaluate(labels, trial.p_late(values))
        at_issue = after.filter(pl.col("as_of") == pl.col("issue_date"))
        v_issue, l_issue, _ = _arrays(at_issue)
        holdout["auc_at_issue"] = evaluate(l_issue, trial.p_late(v_issue))["auc"]
        metrics["holdout"] = holdout
    except ValueError as exc:  # the part before the cut has one outcome only
        metrics["holdout"] = {"skipped": str(exc)}
    model = fit_model(*_arrays(all_rows), source=source)
    return model, metrics


def train_model(engine: Engine, as_of: date, *, now: datetime) -> TrainResult:
    """Learn from the history known at as-of and store the model as the next version."""
    with engine.connect() as conn:
        ledger = ledger_known_at(read_ledger(conn), as_of)
    with engine.begin() as conn:
        version = (conn.execute(select(func.max(RiskModelRecord.version))).scalar() or 0) + 1
        model, metrics = fit_at(ledger, as_of, source=f"version {version}")
        text = model.to_json()
        conn.execute(
            RiskModelRecord.__table__.insert().values(  # type: ignore[attr-defined]
                version=version,
                trained_at=now,
                as_of=as_of,
                metrics=metrics,
                model_json=text,
                checksum=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            )
        )
    return TrainResult(version, as_of, metrics)


# Only the customers the run scores (those with open invoices, as the run's snapshot
# reads them): every feature is one customer's own history.
_SETTLED_SQL = (
    "SELECT customer_id, issue_date, due_date, paid_on, amount_minor, "
    "CASE WHEN dispute_reason IS NOT NULL THEN 1 ELSE 0 END FROM invoice "
    "WHERE paid_on IS NOT NULL AND paid_on <= :as_of AND status <> 'written_off' AND "
)
_SETTLED_SCHEMA = {
    "customer_pk": pl.Int64,
    "issue_date": pl.Date,
    "due_date": pl.Date,
    "paid_on": pl.Date,
    "amount_minor": pl.Int64,
    "disputed": pl.Int64,
}


def customer_risk_for_run(
    conn: Connection, open_invoices: pl.DataFrame, as_of: date
) -> pl.DataFrame:
    """Per customer with open invoices: `risk` for the run's strategy conditions.

    `open_invoices` is the run snapshot's invoice frame (customer_pk, issue_date,
    due_date, amount_minor, open_minor, status); the settled history is read here,
    the newest stored model (or the prior, also when the stored one is refused)
    scores, scoring.customer_risk aggregates.
    """
    from creditflow.intelligence.scoring import customer_risk, propensity

    try:
        model, _ = latest_model(conn)
    except ModelFormatError as exc:  # the daily run goes on, with the prior, and says so
        logger.warning("%s; the run scores risk with the shipped prior", exc)
        model = prior_model()
    owing, params = of_customers_owing(conn, "customer_id", open_invoices)
    settled = read_frame(
        conn, _SETTLED_SQL + owing, _SETTLED_SCHEMA, {"as_of": as_of, **params}
    ).with_columns(pl.col("disputed").cast(pl.Boolean))
    queries = open_invoices.select(
        "customer_pk",
        "issue_date",
        "due_date",
        "amount_minor",
        "open_minor",
        (pl.col("status") == "disputed").alias("disputed"),
        pl.lit(as_of).alias("as_of"),
    )
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
            ),
        ]
    )
    features = invoice_features(queries, ledger)
    return customer_risk(features.with_columns(propensity(model).alias("propensity")))
