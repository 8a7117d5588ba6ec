"""Benchmark: `simulate strategy` over D days for N customers on SQLite.

Generates a sample company (N customers, ~5 invoices each, with payment history up
to the start), imports it through the real importers into a temp SQLite file, then
simulates the shipped default strategy day by day (copy of the ledger, collection
run, dispatch through the sandbox channels, simulated answers). Prints ONE JSON
line: {customers, invoices, days, import_s, simulate_s, per_day_s, collected,
contacts, peak_rss_mb}.

    .venv/bin/python bench/simulate.py --customers 10000 --days 90
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from creditflow.config import load_settings
from creditflow.db import make_engine, upgrade
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.ledger.payments import import_payments
from creditflow.ledger.service import ensure_organisation
from creditflow.simulation.company import generate_company, history_recorded_at
from creditflow.simulation.demo import sample_organisation
from creditflow.simulation.simulator import simulate_strategies
from creditflow.strategy.service import default_strategy_text


def main() -> None:
    """Run the benchmark and print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--start", default="2026-03-02")
    args = parser.parse_args()
    start = date.fromisoformat(args.start)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        settings = replace(
            load_settings(),
            database_url=f"sqlite:///{folder / 'ledger.db'}",
            outbox_dir=folder / "outbox",
            organisation=sample_organisation(),
        )
        engine = make_engine(settings.database_url)
        upgrade(engine)
        ensure_organisation(engine, settings)
        ledger = generate_company(args.customers, as_of=start - timedelta(days=1), seed=11)
        files = ledger.write_csv(folder / "files")
        began = time.perf_counter()
        import_customers(engine, files["customers"], settings)
        import_invoices(engine, files["invoices"], settings)
        import_payments(engine, files["payments"], settings, recorded_at=history_recorded_at(start))
        imported = time.perf_counter() - began
        began = time.perf_counter()
        (outcome,) = simulate_strategies(
            engine,
            settings,
            [("default.yaml", default_strategy_text())],
            days=args.days,
            seed=3,
            start=start,
            workdir=folder / "simulation",
        )
        simulated = time.perf_counter() - began
    print(
        json.dumps(
            {
                "customers": args.customers,
                "invoices": ledger.invoices.height,
                "days": args.days,
                "import_s": round(imported, 2),
                "simulate_s": round(simulated, 2),
                "per_day_s": round(simulated / args.days, 3),
                "collected": {c: str(a) for c, a in outcome.collected.items()},
                "contacts": outcome.contacts,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
