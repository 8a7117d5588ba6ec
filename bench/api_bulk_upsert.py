"""Benchmark: bulk upsert of invoices through `POST /api/v1/invoices/bulk` (issue #17).

Run: .venv/bin/python bench/api_bulk_upsert.py [--db URL] [--invoices N] [--batch B]
Creates N/10 customers, then N invoices in requests of B items (at most 1000), then
sends the same invoices again (all unchanged). Prints one JSON line with the seconds
of each round, against a real uvicorn server on loopback (SQLite in a temporary
folder unless --db is given).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import httpx

from creditflow.api.app import create_app
from creditflow.config import load_settings
from creditflow.db import make_engine, transaction, upgrade
from creditflow.staff.service import create_api_key

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' loopback server
from tests.support.serve_asgi import serving  # noqa: E402


def _rounds(client: httpx.Client, path: str, items: list[dict[str, str]], batch: int) -> float:
    start = time.perf_counter()
    for at in range(0, len(items), batch):
        answer = client.post(path, json={"items": items[at : at + batch]})
        assert answer.status_code == 200, answer.text
        assert answer.json()["rejected"] == 0, answer.text[:400]
    return round(time.perf_counter() - start, 2)


def main() -> None:
    """Measure and print one JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'bench.db'}"
        engine = make_engine(url)
        upgrade(engine)
        with transaction(engine) as session:
            key = create_api_key(session, "bench", "write", "bench")[1]
        settings = replace(load_settings({}), database_url=url)
        app = create_app(replace(settings, serve=replace(settings.serve, send_at_once=False)))
        customers = [
            {"customer_id": f"B-{n}", "name": f"Klant {n}", "kind": "business", "country": "NL"}
            for n in range(max(args.invoices // 10, 1))
        ]
        invoices = [
            {"invoice_number": f"BI-{n}", "customer_id": f"B-{n % len(customers)}",
             "issue_date": "2026-03-01", "due_date": "2026-03-31",
             "amount": f"{100 + n % 900}.{n % 100:02d}", "currency": "EUR"}
            for n in range(args.invoices)
        ]  # fmt: skip
        with (
            serving(app) as base,
            httpx.Client(
                base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=600
            ) as client,
        ):
            result = {
                "database": engine.dialect.name,
                "invoices": args.invoices,
                "batch": args.batch,
                "customers_s": _rounds(client, "/api/v1/customers/bulk", customers, args.batch),
                "invoices_new_s": _rounds(client, "/api/v1/invoices/bulk", invoices, args.batch),
                "invoices_unchanged_s": _rounds(
                    client, "/api/v1/invoices/bulk", invoices, args.batch
                ),
            }
        engine.dispose()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
