"""Benchmark: what one Prometheus scrape of `serve` costs on a large action table.

Generates a company of N customers, runs the collection run, then copies its actions
until the table holds about `--actions` rows (the copies differ only in action_id,
so the status/channel mix stays realistic), and times `generate_latest` of the
installation registry (every database figure of /metrics) `--scrapes` times.
Prints ONE JSON line: {actions, database, scrape_ms: [...], median_ms, series}.

    .venv/bin/python bench/metrics_scrape.py --customers 50000 --actions 1000000
    .venv/bin/python bench/metrics_scrape.py --customers 50000 --actions 1000000 \
        --db postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from prometheus_client import generate_latest
from sqlalchemy import text

from creditflow.config import load_settings
from creditflow.db import make_engine, upgrade
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.observe.metrics import installation_registry
from creditflow.outbox.models import Action
from creditflow.simulation.company import generate_company
from creditflow.strategy.run import collection_run


def main() -> None:
    """Run the benchmark and print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--actions", type=int, default=1_000_000)
    parser.add_argument("--scrapes", type=int, default=5)
    parser.add_argument("--db", default=None, help="database URL (default: a temp SQLite file)")
    args = parser.parse_args()
    as_of = date(2026, 3, 2)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = generate_company(args.customers, as_of=as_of, seed=11).write_csv(folder)
        url, schema = args.db or f"sqlite:///{folder / 'bench.db'}", None
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
            import_customers(engine, files["customers"], settings)
            import_invoices(engine, files["invoices"], settings)
            now = datetime.combine(as_of, datetime.min.time(), tzinfo=UTC)
            run = collection_run(engine, settings, as_of, now=now)
            columns = [c.name for c in Action.__table__.columns if c.name != "id"]
            chosen = ", ".join(
                "action_id || :suffix" if name == "action_id" else name for name in columns
            )
            copy = text(
                f"INSERT INTO action ({', '.join(columns)}) "  # noqa: S608 - our own column names
                f"SELECT {chosen} FROM action WHERE run_id = :run AND id <= :last"
            )
            copies = max(0, args.actions // max(run.actions.height, 1) - 1)
            with engine.begin() as conn:
                last = conn.execute(text("SELECT max(id) FROM action")).scalar_one()
                for n in range(copies):  # each copy of the run's own rows, not of the copies
                    conn.execute(copy, {"suffix": f"-{n}", "run": run.run_id, "last": last})
            with engine.connect() as conn:
                actions = conn.execute(text("SELECT count(*) FROM action")).scalar_one()
            registry = installation_registry(engine)
            timings = []
            for _ in range(args.scrapes):
                began = time.perf_counter()
                body = generate_latest(registry)
                timings.append(round((time.perf_counter() - began) * 1000, 1))
        finally:
            engine.dispose()
            if schema:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    series = sum(1 for line in body.decode().splitlines() if line.startswith("creditflow_"))
    print(json.dumps({
        "actions": actions, "database": url.split(":")[0], "scrape_ms": timings,
        "median_ms": statistics.median(timings), "series": series,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
