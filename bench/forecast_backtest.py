"""Benchmark: the cash forecast's methods on IBM's accounts-receivable data, held-back history.

At each forecast date D (every 4 weeks from 2012-07-02 to 2013-10-07, so 8 weeks of
outcome follow each) the ledger is cut as known at D (invoices issued by D, payments
received by D) and each method forecasts the receipts of the invoices open at D per
week (weeks 1-8 after D):

  own_days_late  forecast.cash_forecast, the present method (due date + the customer's
                 own average days late in 90 days, the ledger's when none)
  risk_model     forecast_risk.risk_forecast with a model trained at D on what was
                 known then (service.fit_at, the path of `model train --as-of D`)
  prior          the same with the shipped prior instead of a trained model
  curve_only     the same with p_late = 0.5 for every invoice (how much the model adds)

The realised figure is what those open invoices brought in per week (their settlement
day; IBM's invoices are paid whole). Receipts of invoices issued after D are left out:
no method can know them. Printed: per method the mean absolute error per week (over
all dates x 8 weeks), the mean absolute error of the 8-week total, and the mean
signed error of the total (bias), in euros; JSON on stdout.

    .venv/bin/python bench/forecast_backtest.py [--csv ../shared/datasets/ibm-accounts-receivable.csv]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from creditflow.analytics import forecast, forecast_risk
from creditflow.intelligence.ibm import ledger_frame
from creditflow.intelligence.model import prior_model
from creditflow.intelligence.service import fit_at, ledger_known_at, score_ledger
from creditflow.simulation.company import generate_company

DEFAULT_CSV = (
    Path(__file__).resolve().parents[2] / "shared" / "datasets" / ("ibm-accounts-receivable.csv")
)
FIRST, LAST, STEP = date(2012, 7, 2), date(2013, 10, 7), 28
COMPANY_AS_OF, COMPANY_CUSTOMERS = date(2026, 3, 1), 1000
WEEKS = forecast.WEEKS


def _stored(ledger: pl.DataFrame) -> pl.DataFrame:
    """The IBM frame as intelligence.service's LEDGER_SCHEMA (the ledger as stored at the end)."""
    return ledger.with_row_index("invoice_pk").select(
        pl.col("invoice_pk").cast(pl.Int64),
        "invoice_number",
        "customer_pk",
        "customer_id",
        "issue_date",
        "due_date",
        "amount_minor",
        pl.lit(0, pl.Int64).alias("open_minor"),
        pl.lit("EUR").alias("currency"),
        "paid_on",
        pl.lit("paid").alias("status"),
        "disputed",
    )


def _opened(stored: pl.DataFrame, day: date) -> pl.DataFrame:
    """core.open_at's frame at `day`: settled ones with open 0 and paid_on, open ones whole."""
    known = stored.filter(pl.col("issue_date") <= day)
    paid = pl.col("paid_on") <= day
    return known.select(
        "invoice_pk",
        "customer_pk",
        "currency",
        "issue_date",
        "due_date",
        "amount_minor",
        pl.when(paid).then(0).otherwise(pl.col("amount_minor")).alias("open_minor"),
        pl.when(paid).then(pl.col("paid_on")).alias("paid_on"),
        pl.when(paid).then(0).otherwise(pl.col("amount_minor")).alias("open_at_minor"),
    )


def _realised(stored: pl.DataFrame, day: date) -> list[int]:
    """What the invoices open at `day` brought in, per week 1-8 after it (minor units)."""
    open_then = stored.filter((pl.col("issue_date") <= day) & (pl.col("paid_on") > day))
    week = ((pl.col("paid_on") - pl.lit(day)).dt.total_days() - 1) // 7 + 1
    got = dict(
        open_then.with_columns(week.alias("week"))
        .group_by("week")
        .agg(pl.col("amount_minor").sum())
        .iter_rows()
    )
    return [int(got.get(k, 0)) for k in range(1, WEEKS + 1)]


def _weeks(frame: pl.DataFrame) -> list[int]:
    got = dict(frame.select("week", "expected_minor").iter_rows())
    return [int(got.get(k, 0)) for k in range(1, WEEKS + 1)]


def _company(seed: int) -> pl.DataFrame:
    """The sample company (simulation/company.py) as a stored ledger frame, and its payments.

    An invoice is settled on its last payment when its status is `paid`; part-payments
    count in what came in (realised), not in the model's history (as in the ledger).
    """
    sample = generate_company(COMPANY_CUSTOMERS, as_of=COMPANY_AS_OF, seed=seed)
    money = pl.col("amount").cast(pl.Float64).mul(100).round(0).cast(pl.Int64)
    paid = sample.payments.group_by("invoice_number").agg(
        pl.col("paid_at").str.slice(0, 10).str.to_date().max().alias("last_paid")
    )
    invoices = sample.invoices.join(paid, on="invoice_number", how="left").with_row_index("pk")
    return invoices.select(
        pl.col("pk").cast(pl.Int64).alias("invoice_pk"),
        "invoice_number",
        pl.col("customer_id").rank("dense").cast(pl.Int64).alias("customer_pk"),
        "customer_id",
        pl.col("issue_date").str.to_date(),
        pl.col("due_date").str.to_date(),
        money.alias("amount_minor"),
        pl.lit(0, pl.Int64).alias("open_minor"),
        pl.lit("EUR").alias("currency"),
        pl.when(pl.col("status") == "paid").then(pl.col("last_paid")).alias("paid_on"),
        pl.lit("paid").alias("status"),
        (pl.col("status") == "disputed").alias("disputed"),
    )


def _evaluate(stored: pl.DataFrame, days: list[date]) -> dict[str, object]:
    """Each method's errors over the forecast dates of one ledger (see the module)."""
    prior = prior_model()
    errors: dict[str, dict[str, list[float]]] = {}
    realised_total = 0
    for day in days:
        opened = _opened(stored, day)
        known = ledger_known_at(stored, day)
        curve = forecast_risk.lateness_curve(known, day)
        timing = forecast_risk.customer_timing(known, day)
        model, _ = fit_at(known, day, source="bench")
        scored = score_ledger(stored, day, model)
        half = scored.with_columns(pl.lit(0.5).alias("p_late"))
        methods = {
            "own_days_late": forecast.cash_forecast(opened, day),
            "risk_model": forecast_risk.risk_forecast(opened, scored, timing, curve, day),
            "prior": forecast_risk.risk_forecast(
                opened, score_ledger(stored, day, prior), timing, curve, day
            ),
            "curve_only": forecast_risk.risk_forecast(opened, half, timing, curve, day),
        }
        real = _realised(stored, day)
        realised_total += sum(real)
        for name, made in methods.items():
            got = _weeks(made)
            per = errors.setdefault(name, {"week": [], "total": [], "signed": []})
            per["week"].extend(abs(g - r) / 100 for g, r in zip(got, real, strict=True))
            per["total"].append(abs(sum(got) - sum(real)) / 100)
            per["signed"].append((sum(got) - sum(real)) / 100)
    return {
        "forecast_dates": len(days),
        "mean_realised_per_week": round(realised_total / 100 / len(days) / WEEKS, 2),
        "methods": {
            name: {
                "mae_per_week": round(sum(e["week"]) / len(e["week"]), 2),
                "mae_8_week_total": round(sum(e["total"]) / len(e["total"]), 2),
                "bias_8_week_total": round(sum(e["signed"]) / len(e["signed"]), 2),
            }
            for name, e in errors.items()
        },
    }


def main() -> None:
    """Forecast at each date with each method, compare with what came in, print JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--seeds", type=int, default=5, help="sample companies (0: none)")
    args = parser.parse_args()
    started = time.perf_counter()
    days = []
    day = FIRST
    while day <= LAST:
        days.append(day)
        day += timedelta(days=STEP)
    result: dict[str, object] = {
        "ibm": {"data": args.csv.name, "first": days[0].isoformat(),
                "last": days[-1].isoformat(), **_evaluate(_stored(ledger_frame(args.csv)), days)},
    }  # fmt: skip
    company_days = [COMPANY_AS_OF - timedelta(days=7 * (WEEKS + k)) for k in range(4)]
    for seed in range(1, args.seeds + 1):
        result[f"company_seed_{seed}"] = {
            "customers": COMPANY_CUSTOMERS,
            "first": company_days[-1].isoformat(),
            "last": company_days[0].isoformat(),
            **_evaluate(_company(seed), company_days),
        }
    result["seconds"] = round(time.perf_counter() - started, 1)
    sys.stdout.write(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
