"""Which cash forecast a date gets: the risk model's when one was trained by then, else own days late.

The risk model's forecast (`forecast_risk`) needs the whole paid history (the model's
features and the lateness curve reach back further than the report's 104 days), read
with one query (`intelligence.service.read_ledger`) only when a trained model is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy import Connection

from creditflow.analytics import forecast, forecast_risk

OWN_DAYS_LATE = "own days late"
RISK_MODEL = "risk model"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Forecast:
    """Expected receipts per week (forecast.cash_forecast's columns) and how they were made."""

    weeks: pl.DataFrame
    method: str  # OWN_DAYS_LATE or RISK_MODEL
    model_version: int | None = None

    def describe(self) -> str:
        """The method in words, e.g. `risk model version 3` or `own days late`."""
        if self.model_version is None:
            return self.method
        return f"{self.method} version {self.model_version}"


def cash_forecast_at(
    conn: Connection,
    opening: Callable[[], pl.DataFrame],
    as_of: date,
    present: pl.DataFrame | None = None,
) -> Forecast:
    """The forecast at `as_of`; `opening()` gives core.open_at at that day (asked once).

    `present` is the own-days-late forecast when the caller has it already.

    With a trained model whose as_of is on or before the day (and a lateness curve, i.e.
    some late invoice in the history): the risk model's forecast. Otherwise (no trained
    model, a stored model refused for its checksum, no late history): own days late.
    """
    from creditflow.intelligence.model import ModelFormatError
    from creditflow.intelligence.service import (
        latest_model,
        ledger_known_at,
        read_ledger,
        score_ledger,
    )

    try:
        model, version = latest_model(conn, known_by=as_of)
    except ModelFormatError as exc:
        logger.warning("%s; the cash forecast uses own days late", exc)
        model, version = None, None
    if model is None or version is None:
        if present is None:
            present = forecast.cash_forecast(opening(), as_of)
        return Forecast(present, OWN_DAYS_LATE)
    opened = opening()
    if present is None:
        present = forecast.cash_forecast(opened, as_of)
    if opened.filter(pl.col("open_at_minor") > 0).height == 0:
        return Forecast(present, OWN_DAYS_LATE)
    stored = read_ledger(conn)
    known = ledger_known_at(stored, as_of)
    curve = forecast_risk.lateness_curve(known, as_of)
    if curve.height == 0:
        return Forecast(present, OWN_DAYS_LATE)
    scored = score_ledger(stored, as_of, model)
    timing = forecast_risk.customer_timing(known, as_of)
    weeks = forecast_risk.risk_forecast(opened, scored, timing, curve, as_of)
    return Forecast(weeks, RISK_MODEL, version)
