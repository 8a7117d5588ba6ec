"""Benchmark: import a synthetic ledger and time the daily collection run.

Generates N customers x ~5 invoices (the simulation's realistic mix of due dates,
amounts and contacts), imports customers, invoices and payments through the real
importers, then times one collection run (decide + persist). Every generated invoice
is kept open (N x 5 open invoices), the load the targets are stated for; payments are
left out of this benchmark (they would close invoices). Prints ONE JSON line:
{customers, invoices, open_invoices, import_s, import_customers_s, import_invoices_s,
 run_s, run_cpu_s, risk_scoring_s and risk_scoring_cpu_s (the run's risk scoring,
 timed once more on its own; null before risk scoring existed),
 actions, invoices_per_s, peak_rss_mb, database}.

    .venv/bin/python bench/collection_run.py --customers 200000
    .venv/bin/python bench/collection_run.py --customers 200000 \
        --db postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
from sqlalchemy import text

from creditflow.config import load_settings
from creditflow.db import make_engine, upgrade
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.simulation.company import generate_company
from creditflow.strategy.run import collection_run
from creditflow.strategy.snapshot import load_snapshot


def _cpu_s() -> float:
    """CPU seconds of this process, all threads (less disturbed by a busy machine)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main() -> None:
    """Run the benchmark and print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--as-of", default="2026-03-02")
    parser.add_argument("--db", default=None, help="database URL (default: a temp SQLite file)")
    args = parser.parse_args()
    as_of = date.fromisoformat(args.as_of)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ledger = generate_company(args.customers, as_of=as_of, seed=11)
        ledger = replace(
            ledger,
            invoices=ledger.invoices.with_columns(
                pl.lit(None, dtype=pl.Utf8).alias("status"),
                pl.lit(None, dtype=pl.Utf8).alias("open_amount"),
            ),
            payments=ledger.payments.clear(),
        )
        files = ledger.write_csv(folder)
        schema = None
        url = args.db or f"sqlite:///{folder / 'bench.db'}"
        if url.startswith("postgresql"):
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = make_engine(url)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
        engine = make_engine(url)
        upgrade(engine)
        settings = replace(load_settings({}), database_url=url, outbox_dir=folder / "outbox")
        try:
            t0 = time.perf_counter()
            import_customers(engine, files["customers"], settings)
            t1 = time.perf_counter()
            import_invoices(engine, files["invoices"], settings)
            t2 = t3 = time.perf_counter()
            now = datetime.combine(as_of, datetime.min.time(), tzinfo=UTC)
            c3 = _cpu_s()
            result = collection_run(engine, settings, as_of, now=now)
            t4 = time.perf_counter()
            c4 = _cpu_s()
            with engine.connect() as conn:
                open_invoices = conn.execute(
                    text("SELECT COUNT(*) FROM invoice WHERE open_minor > 0")
                ).scalar_one()
                risk_s = risk_cpu_s = None
                try:  # the run's risk scoring on its own (inside the run above too)
                    from creditflow.strategy.run import with_risk
                except ImportError:  # a version of creditflow before risk scoring
                    pass
                else:
                    snapshot = load_snapshot(conn, as_of)
                    t5, c5 = time.perf_counter(), _cpu_s()
                    with_risk(conn, snapshot, as_of)
                    risk_s = round(time.perf_counter() - t5, 2)
                    risk_cpu_s = round(_cpu_s() - c5, 2)
        finally:
            engine.dispose()
            if schema:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        figures = {
            "customers": ledger.customers.height,
            "invoices": ledger.invoices.height,
            "open_invoices": open_invoices,
            "import_s": round(t3 - t0, 2),
            "import_customers_s": round(t1 - t0, 2),
            "import_invoices_s": round(t2 - t1, 2),
            "run_s": round(t4 - t3, 2),
            "run_cpu_s": round(c4 - c3, 2),
            "risk_scoring_s": risk_s,
            "risk_scoring_cpu_s": risk_cpu_s,
            "actions": result.actions.height,
            "invoices_per_s": round(open_invoices / (t4 - t3)),
            "peak_rss_mb": _peak_rss_mb(),
            "database": "postgresql" if schema else "sqlite",
        }
        sys.stdout.write(json.dumps(figures) + "\n")


if __name__ == "__main__":
    main()
