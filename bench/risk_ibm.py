"""Benchmark: the late-payment model on IBM's accounts-receivable data, time split.

For each cut date: the model learns from the ledger as known at the cut (invoices
issued by then, payments received by then; `service.fit_at`, the path of `model
train`), then is judged on
  at_issue  every invoice issued on or after the cut, scored on its issue day with
            the history known that day (history-only features: no leakage);
  open      every invoice open at the cut, scored at the cut (what `risk --as-of`
            prints; invoices already overdue are late for certain).
Each with the invoices' dispute flags (the ledger knows an invoice is disputed) and
without (history of payments only). Compared with: the shipped prior, a plain
baseline (the customer's smoothed share of late invoices) and scikit-learn's
HistGradientBoostingClassifier on the same rows and features.

    .venv/bin/python bench/risk_ibm.py [--csv ../shared/datasets/ibm-accounts-receivable.csv]
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

from creditflow.intelligence.evaluation import auc, brier, evaluate
from creditflow.intelligence.features import FEATURES, invoice_features, training_rows
from creditflow.intelligence.ibm import ledger_frame
from creditflow.intelligence.model import RiskModel, prior_model
from creditflow.intelligence.scoring import score_invoices
from creditflow.intelligence.service import fit_at, ledger_known_at

CUTS = (date(2013, 4, 1), date(2013, 7, 1), date(2013, 10, 1))
DEFAULT_CSV = (
    Path(__file__).resolve().parents[2] / "shared" / "datasets" / ("ibm-accounts-receivable.csv")
)


def _test_sets(ledger: pl.DataFrame, cut: date) -> dict[str, pl.DataFrame]:
    """Feature rows (with the truth in `truth`) of the two test sets for one cut."""
    after = ledger.filter(pl.col("issue_date") >= cut)
    at_issue = invoice_features(
        after.drop("paid_on", "late").with_columns(
            pl.col("issue_date").alias("as_of"), after.get_column("late").alias("truth")
        ),
        ledger,
    )
    known = ledger_known_at(ledger, cut)
    open_then = ledger.filter((pl.col("issue_date") <= cut) & (pl.col("paid_on") > cut))
    at_cut = invoice_features(
        open_then.drop("paid_on", "late").with_columns(
            pl.lit(cut).alias("as_of"), open_then.get_column("late").alias("truth")
        ),
        known,
    )
    return {"at_issue": at_issue, "open": at_cut}


def _scores(model: RiskModel, rows: pl.DataFrame) -> np.ndarray:
    return score_invoices(rows, model).get_column("p_late").to_numpy()


def _hgb(ledger: pl.DataFrame, cut: date, tests: dict[str, pl.DataFrame]) -> dict[str, float]:
    from sklearn.ensemble import HistGradientBoostingClassifier

    known = ledger_known_at(ledger, cut)
    train = invoice_features(training_rows(known, cut), known)
    model = HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, max_leaf_nodes=15, min_samples_leaf=40, random_state=0
    ).fit(train.select(FEATURES).to_numpy(), train.get_column("late").to_numpy())
    out = {}
    for name, rows in tests.items():
        p = model.predict_proba(rows.select(FEATURES).to_numpy())[:, 1]
        overdue = rows.get_column("days_to_due").to_numpy() < 0
        p = np.where(overdue, 1.0, p)
        out[name] = auc(rows.get_column("truth").to_numpy(), p) or float("nan")
    return out


def main() -> None:
    """Print one JSON line per (cut, disputes, test set, model) and the reliability table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    args = parser.parse_args()
    full = ledger_frame(args.csv)
    reliability = None
    for disputes in (True, False):
        ledger = full if disputes else full.with_columns(pl.lit(False).alias("disputed"))
        for cut in CUTS:
            tests = _test_sets(ledger, cut)
            model, metrics = fit_at(ledger_known_at(ledger, cut), cut, source="bench")
            hgb = _hgb(ledger, cut, tests)
            for name, rows in tests.items():
                truth = rows.get_column("truth").to_numpy()
                ours = _scores(model, rows)
                prior = _scores(prior_model(), rows)
                baseline = np.where(
                    rows.get_column("days_to_due").to_numpy() < 0,
                    1.0,
                    rows.get_column("late_share").to_numpy(),
                )
                figures = evaluate(truth, ours)
                line = {
                    "cut": cut.isoformat(),
                    "disputes": disputes,
                    "test": name,
                    "invoices": int(truth.size),
                    "late_share": figures["late_share"],
                    "auc": figures["auc"],
                    "brier": figures["brier"],
                    "auc_prior": round(auc(truth, prior) or float("nan"), 4),
                    "brier_prior": round(brier(truth, prior), 4),
                    "auc_baseline": round(auc(truth, baseline) or float("nan"), 4),
                    "auc_hgb": round(hgb[name], 4),
                    "train_invoices": metrics["training_invoices"],
                }
                sys.stdout.write(json.dumps(line) + "\n")
                if disputes and cut == CUTS[1] and name == "at_issue":
                    reliability = figures["reliability"]
    sys.stdout.write("reliability, cut 2013-07-01, with disputes, at_issue:\n")
    sys.stdout.write("band      rows  predicted  observed\n")
    for band in reliability or []:
        predicted = "" if band["predicted"] is None else f"{band['predicted']:.3f}"
        observed = "" if band["observed"] is None else f"{band['observed']:.3f}"
        sys.stdout.write(f"{band['band']:<8} {band['rows']:>5} {predicted:>10} {observed:>9}\n")


if __name__ == "__main__":
    main()
