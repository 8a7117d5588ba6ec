"""Simulation on IBM's data: which customers should a collector call first?

Every Monday from February to November 2013 a collector calls the top k customers
with open invoices, ranked by expected recovery (call_order.py: open amount x
propensity x urgency, scored by a model trained on what was known that Monday), by
open amount, or by days overdue (oldest overdue invoice; amount breaks ties).

Assumptions (the data set has no calls, so the effect of a call is assumed, the same
for every ordering): a call makes the customer pay each open invoice within 7 days
with probability 0.5 when they would otherwise have paid later; otherwise they pay
on the day they really did. Reported: the cash the calls bring in within the first
30 days after the call beyond what would have come anyway, summed over the weeks,
and the share of the money that would otherwise have come after 30 days reached.

    .venv/bin/python bench/call_order_ibm.py [--k 5]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from creditflow.intelligence.call_order import call_priority
from creditflow.intelligence.features import invoice_features
from creditflow.intelligence.ibm import ledger_frame
from creditflow.intelligence.model import RiskModel
from creditflow.intelligence.scoring import score_invoices
from creditflow.intelligence.service import fit_at, ledger_known_at

DEFAULT_CSV = (
    Path(__file__).resolve().parents[2] / "shared" / "datasets" / ("ibm-accounts-receivable.csv")
)
CALL_EFFECT = 0.5  # probability that a call brings a later payment forward to 7 days
WINDOW = 30


def _week_gain(ledger: pl.DataFrame, day: date, model: RiskModel, k: int) -> dict[str, float]:
    known = ledger_known_at(ledger, day)
    open_then = ledger.filter((pl.col("issue_date") <= day) & (pl.col("paid_on") > day))
    rows = invoice_features(
        open_then.drop("paid_on").with_columns(
            pl.lit(day).alias("as_of"), pl.col("amount_minor").alias("open_minor")
        ),
        known,
    )
    scored = score_invoices(rows, model)
    priority = call_priority(scored)
    # the money each customer would otherwise pay after the window (what a call can win)
    late_money = (
        open_then.filter(pl.col("paid_on") > day + timedelta(days=WINDOW))
        .group_by("customer_pk")
        .agg(pl.col("amount_minor").sum().alias("late_minor"))
    )
    orders = {
        "expected_recovery": priority,
        "amount": priority.sort(["open_minor", "customer_pk"], descending=[True, False]),
        "days_overdue": priority.sort(
            ["days_overdue", "open_minor", "customer_pk"], descending=[True, True, False]
        ),
    }
    out = {"reachable_minor": float(late_money.get_column("late_minor").sum() or 0)}
    for name, order in orders.items():
        called = order.head(k).select("customer_pk")
        won = called.join(late_money, on="customer_pk").get_column("late_minor").sum() or 0
        out[name] = CALL_EFFECT * float(won)
    return out


def main() -> None:
    """Print one JSON line with the cash won per ordering."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--k", type=int, default=5, help="customers called per week")
    args = parser.parse_args()
    ledger = ledger_frame(args.csv)
    day = date(2013, 2, 4)
    totals: dict[str, float] = {}
    model = None
    trained_month = None
    weeks = 0
    while day <= date(2013, 11, 25):
        if trained_month != (day.year, day.month):  # retrained monthly, as on a schedule
            model, _ = fit_at(ledger_known_at(ledger, day), day, source="bench")
            trained_month = (day.year, day.month)
        assert model is not None
        for name, value in _week_gain(ledger, day, model, args.k).items():
            totals[name] = totals.get(name, 0.0) + value
        weeks += 1
        day += timedelta(days=7)
    reachable = totals.pop("reachable_minor")
    result = {
        "weeks": weeks,
        "calls_per_week": args.k,
        "call_effect": CALL_EFFECT,
        "extra_cash_30d": {name: round(v / 100, 2) for name, v in totals.items()},
        "share_of_late_money_reached": {
            name: round(v / CALL_EFFECT / reachable, 3) for name, v in totals.items()
        },
    }
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
