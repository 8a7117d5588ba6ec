"""Benchmark: every `creditflow report` figure over 1,000,000 invoices with payment history.

Builds a ledger set-based (Polars frames bulk-inserted, no ORM): N invoices issued over
the two years before --as-of, one customer per five invoices, most paid (once, fully,
at the customer's own habit of days late; some partly), the rest open. Then times
`analytics.service.build_report` (load the frames + compute every figure) several
times and prints ONE JSON line per run, then the figures of the last run.

    .venv/bin/python bench/analytics.py --invoices 1000000
    .venv/bin/python bench/analytics.py --invoices 1000000 \
        --db postgresql+psycopg://postgres@127.0.0.1:5432/cf_analytics
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import Engine, text

from creditflow.analytics.service import build_report
from creditflow.db import make_engine, upgrade
from creditflow.store import bulk_insert_frame


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def build_ledger(engine: Engine, n: int, as_of: date, seed: int = 7) -> dict[str, int]:
    """Insert n invoices, their customers, payments and allocations (set-based)."""
    rng = np.random.default_rng(seed)
    customers = max(1, n // 5)
    now = datetime(as_of.year, as_of.month, as_of.day, 12, tzinfo=UTC)
    habit = rng.normal(6, 12, customers).round()  # the customer's usual days late
    cust = pl.DataFrame(
        {
            "id": np.arange(1, customers + 1),
            "segment": rng.choice(["retail", "wholesale", "public"], customers),
        }
    ).with_columns(
        pl.format("C{}", pl.col("id")).alias("customer_id"),
        pl.format("Customer {}", pl.col("id")).alias("name"),
        pl.lit("business").alias("kind"),
        pl.lit("nl").alias("language"),
        pl.lit("NL").alias("country"),
        pl.lit("Europe/Amsterdam").alias("timezone"),
        pl.lit("[]").alias("opt_out"),
        pl.lit("[]").alias("tags"),
        pl.lit(0.0).alias("risk"),
        pl.lit(0).alias("credit_minor"),
        pl.lit("EUR").alias("credit_currency"),
        pl.lit(now).alias("created_at"),
        pl.lit(now).alias("updated_at"),
    )
    ids = np.arange(1, n + 1)
    customer = rng.integers(1, customers + 1, n)
    age = rng.integers(0, 730, n)
    amount = (rng.lognormal(10.5, 1.0, n)).astype(np.int64) + 100
    late = habit[customer - 1] + rng.normal(0, 6, n).round()
    never = rng.random(n) < 0.04
    partial = rng.random(n) < 0.05
    issue = np.datetime64(as_of) - age.astype("timedelta64[D]")
    due = issue + np.timedelta64(30, "D")
    paid = due + late.astype("timedelta64[D]")
    paid = np.maximum(paid, issue)
    has_payment = (~never) & (paid <= np.datetime64(as_of))
    paid_minor = np.where(has_payment, np.where(partial, amount // 2, amount), 0)
    open_minor = amount - paid_minor
    inv = pl.DataFrame(
        {
            "id": ids,
            "customer_id": customer,
            "issue_date": issue.astype("datetime64[D]"),
            "due_date": due.astype("datetime64[D]"),
            "amount_minor": amount,
            "open_minor": open_minor,
            "currency": np.where(rng.random(n) < 0.05, "USD", "EUR"),
            "paid": paid.astype("datetime64[D]"),
            "has_payment": has_payment,
        }
    ).with_columns(
        pl.col("issue_date", "due_date", "paid").cast(pl.Date),
        pl.format("INV{}", pl.col("id")).alias("invoice_number"),
        pl.format("RF{}", pl.col("id")).alias("payment_reference"),
        pl.when(pl.col("open_minor") == 0).then(pl.lit("paid")).otherwise(pl.lit("open"))
        .alias("status"),
        pl.lit(now).alias("created_at"),
        pl.lit(now).alias("updated_at"),
    )  # fmt: skip
    inv = inv.with_columns(pl.when(pl.col("open_minor") == 0).then(pl.col("paid")).alias("paid_on"))
    pay = (
        inv.filter(pl.col("has_payment"))
        .with_columns((pl.col("amount_minor") - pl.col("open_minor")).alias("paid_minor"))
        .with_row_index("pid", offset=1)
    )
    payments = pay.select(
        pl.col("pid").cast(pl.Int64).alias("id"),
        pl.format("PAY{}", pl.col("pid")).alias("payment_id"),
        "customer_id",
        pl.col("paid_minor").alias("amount_minor"),
        "currency",
        pl.col("paid").cast(pl.Datetime("us", "UTC")).alias("paid_at"),
        pl.lit("import").alias("source"),
        pl.lit(0).alias("unallocated_minor"),
        "created_at",
    )
    allocations = pay.select(
        pl.col("pid").cast(pl.Int64).alias("payment_id"),
        pl.col("id").alias("invoice_id"),
        pl.col("paid_minor").alias("amount_minor"),
        "currency",
        pl.lit("invoice_number").alias("rule"),
        "created_at",
    )
    with engine.begin() as conn:
        bulk_insert_frame(conn, "customer", cust)
        bulk_insert_frame(conn, "invoice", inv.drop("paid", "has_payment"))
        bulk_insert_frame(conn, "payment", payments)
        bulk_insert_frame(conn, "allocation", allocations)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
    return {
        "customers": customers,
        "invoices": n,
        "payments": payments.height,
        "open_invoices": int((open_minor > 0).sum()),
    }


def main() -> None:
    """Build the ledger, time the figures, print one JSON line per run and the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--invoices", type=int, default=1_000_000)
    parser.add_argument("--as-of", default="2026-03-10")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--db", default=None, help="database URL (default: a temp SQLite file)")
    args = parser.parse_args()
    as_of = date.fromisoformat(args.as_of)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        started = time.perf_counter()
        sizes = build_ledger(engine, args.invoices, as_of)
        build_s = round(time.perf_counter() - started, 2)
        report = None
        for _ in range(args.runs):
            started = time.perf_counter()
            report = build_report(engine, as_of)
            total = time.perf_counter() - started
            line = {
                **sizes,
                "build_s": build_s,
                "report_s": round(total, 2),
                "load_s": round(report.timings["load_seconds"], 2),
                "compute_s": round(report.timings["compute_seconds"], 2),
                "peak_rss_mb": _peak_rss_mb(),
                "database": engine.dialect.name,
            }
            print(json.dumps(line), flush=True)
        assert report is not None
        for fig in report.currencies:
            print(json.dumps(fig.as_json()))
        print(json.dumps({k: str(v) for k, v in report.countback.items()}, sort_keys=True))
        print(report.habits)
        print(report.weeks.filter(pl.col("currency") == "EUR"))
        engine.dispose()


if __name__ == "__main__":
    main()
