"""Benchmark: latency of the workbench pages under concurrent staff clients (issue #13).

The check: "with 200,000 customers and 1,000,000 invoices, p95 of the worklist,
customer 360 and strategy pages under 150 ms on SQLite and on PostgreSQL, measured
with concurrent clients".

Fills a fresh database with the simulation's company (`generate_company`, N
customers x ~5 invoices, all open, as bench/collection_run.py does) through the real
importers, runs one collection run (so the worklist has actions), adds a manager,
starts a real `creditflow serve` subprocess, signs in through the login form and then,
path by path, sends `--requests` GETs from `--clients` concurrent httpx clients
(each its own connection, the session cookie of the sign-in). A path may hold
`{customer_id}`: each request takes the next of `--sample-customers` customers
spread over the table (`/workbench/customers/{id}`, the internal key).

Prints ONE JSON object: the database, the sizes, the fill and run times, and per path
either {"status": "ok", "n", "p50_ms", "p95_ms", "max_ms", "errors", "under_150ms"},
or {"status": "missing", "http": 404} for a page that does not exist yet (never
counted as fast), or {"status": "error", "http": code} when the first answer was
neither 200 nor 404. Latency counts only 200 answers; any other answer during the
measurement is an error.

    .venv/bin/python bench/workbench_pages.py --customers 20000
    .venv/bin/python bench/workbench_pages.py --customers 200000 --clients 8 --requests 400
    .venv/bin/python bench/workbench_pages.py --customers 200000 \
        --db postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import polars as pl
from sqlalchemy import Engine, text

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the real `creditflow serve` runner is in tests/support

from tests.support.serve_process import serve  # noqa: E402

from creditflow.config import Settings, load_settings  # noqa: E402
from creditflow.db import make_engine, transaction, upgrade  # noqa: E402
from creditflow.ledger.imports import import_customers, import_invoices  # noqa: E402
from creditflow.simulation.company import generate_company  # noqa: E402
from creditflow.staff.service import add_user  # noqa: E402
from creditflow.strategy.run import collection_run  # noqa: E402

DEFAULT_PATHS = (
    "/workbench/today",
    "/workbench/customers",
    "/workbench/customers/{customer_id}",
    "/workbench/strategy",
)
EMAIL = "bench.manager@example.com"
PASSWORD = "Kaasschaaf-Fietsbel-42"
TARGET_MS = 150.0


@contextmanager
def existing(url: str | None) -> Iterator[tuple[str, str]]:
    """The database of --db as it is: (url, kind)."""
    if not url:
        raise SystemExit("--measure-only needs --db")
    yield url, "postgresql" if url.startswith("postgresql") else "sqlite"


@contextmanager
def database(url: str | None, folder: Path) -> Iterator[tuple[str, str]]:
    """A fresh database: (url, kind); on PostgreSQL a schema of its own, dropped after."""
    if not url:
        yield f"sqlite:///{folder / 'bench.db'}", "sqlite"
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}", "postgresql"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def fill(engine: Engine, settings: Settings, customers: int, as_of: date, folder: Path) -> dict:
    """Import the generated company (every invoice open), run the day, add the manager."""
    ledger = generate_company(customers, as_of=as_of, seed=11)
    ledger = replace(
        ledger,
        invoices=ledger.invoices.with_columns(
            pl.lit(None, dtype=pl.Utf8).alias("status"),
            pl.lit(None, dtype=pl.Utf8).alias("open_amount"),
        ),
        payments=ledger.payments.clear(),
    )
    files = ledger.write_csv(folder)
    started = time.perf_counter()
    import_customers(engine, files["customers"], settings)
    import_invoices(engine, files["invoices"], settings)
    imported = time.perf_counter()
    now = datetime.combine(as_of, datetime.min.time(), tzinfo=UTC)
    result = collection_run(engine, settings, as_of, now=now)
    ran = time.perf_counter()
    with transaction(engine) as session:
        add_user(session, EMAIL, "manager", PASSWORD, actor="bench")
    return {
        "customers": ledger.customers.height,
        "invoices": ledger.invoices.height,
        "actions": result.actions.height,
        "import_s": round(imported - started, 2),
        "run_s": round(ran - imported, 2),
    }


def sizes(engine: Engine) -> dict:
    """The sizes of a database filled earlier (for --measure-only)."""
    with engine.connect() as conn:
        count = {
            table: conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()  # noqa: S608
            for table in ("customer", "invoice", "action")
        }
    return {
        "customers": count["customer"],
        "invoices": count["invoice"],
        "actions": count["action"],
    }


def sample_customers(engine: Engine, count: int) -> list[int]:
    """`count` customer keys spread evenly over the table."""
    with engine.connect() as conn:
        ids = [int(i) for i in conn.execute(text("SELECT id FROM customer ORDER BY id")).scalars()]
    step = max(1, len(ids) // max(1, count))
    return ids[::step][:count]


def sign_in(base_url: str) -> httpx.Cookies:
    """Sign in through the login form; the session's cookies."""
    with httpx.Client(base_url=base_url, timeout=30) as client:
        page = client.get("/workbench/login")
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if not found:
            raise RuntimeError(f"no CSRF field on /workbench/login ({page.status_code})")
        answer = client.post(
            "/workbench/login",
            data={"email": EMAIL, "password": PASSWORD, "csrf_token": found.group(1)},
        )
        if answer.status_code != 303:
            raise RuntimeError(f"sign-in answered {answer.status_code}: {answer.text[:300]}")
        return client.cookies


def measure(
    base_url: str, cookies: httpx.Cookies, template: str, ids: list[int], args: argparse.Namespace
) -> dict:
    """Warm the path up, then time `args.requests` GETs from `args.clients` clients."""
    paths = itertools.cycle([template.format(customer_id=i) for i in ids] or [template])
    lock = threading.Lock()

    def next_path() -> str:
        with lock:
            return next(paths)

    with httpx.Client(base_url=base_url, cookies=cookies, timeout=60) as client:
        first = client.get(next_path())
        if first.status_code == 404:
            return {"status": "missing", "http": 404}
        if first.status_code != 200:
            return {"status": "error", "http": first.status_code}
        for _ in range(args.warmup):
            client.get(next_path())

    samples: list[float] = []
    errors: dict[str, int] = {}

    def one_client(share: int) -> None:
        with httpx.Client(base_url=base_url, cookies=cookies, timeout=60) as client:
            for _ in range(share):
                path = next_path()
                started = time.perf_counter()
                answer = client.get(path)
                took = time.perf_counter() - started
                with lock:
                    if answer.status_code == 200:
                        samples.append(took)
                    else:
                        errors[str(answer.status_code)] = errors.get(str(answer.status_code), 0) + 1

    shares = [args.requests // args.clients + (n < args.requests % args.clients)
              for n in range(args.clients)]  # fmt: skip
    with ThreadPoolExecutor(max_workers=args.clients) as pool:
        list(pool.map(one_client, shares))
    if not samples:
        return {"status": "error", "errors": errors}
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95 + 0.5) - 1)] * 1000
    return {
        "status": "ok",
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(ordered[-1] * 1000, 1),
        "errors": errors,
        f"under_{TARGET_MS:g}ms": p95 < TARGET_MS and not errors,
    }


def main() -> None:
    """Fill, serve, measure; print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--as-of", default="2026-03-02")
    parser.add_argument("--db", default=None, help="database URL (default: a temp SQLite file)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent httpx clients")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per path")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per path")
    parser.add_argument("--sample-customers", type=int, default=50)
    parser.add_argument(
        "--measure-only",
        action="store_true",
        help="measure the --db as it is (filled by an earlier run of this script)",
    )
    parser.add_argument(
        "--path",
        action="append",
        dest="paths",
        help="a page path, may hold {customer_id}; repeat for more (default: "
        + ", ".join(DEFAULT_PATHS)
        + ")",
    )
    args = parser.parse_args()
    if args.clients < 1 or args.requests < args.clients:
        parser.error("--clients must be at least 1 and --requests at least --clients")
    as_of = date.fromisoformat(args.as_of)
    with (
        tempfile.TemporaryDirectory() as tmp,
        existing(args.db) if args.measure_only else database(args.db, Path(tmp)) as (url, kind),
    ):
        folder = Path(tmp)
        engine = make_engine(url)
        upgrade(engine)
        settings = replace(load_settings({}), database_url=url, outbox_dir=folder / "outbox")
        try:
            if args.measure_only:
                figures: dict = {"database": kind, **sizes(engine)}
            else:
                figures = {
                    "database": kind,
                    **fill(engine, settings, args.customers, as_of, folder),
                }
            ids = sample_customers(engine, args.sample_customers)
        finally:
            engine.dispose()
        figures.update(clients=args.clients, requests_per_path=args.requests, pages={})
        with serve(url, folder / "serve") as server:
            cookies = sign_in(server.base_url)
            for template in args.paths or DEFAULT_PATHS:
                figures["pages"][template] = measure(server.base_url, cookies, template, ids, args)
    sys.stdout.write(json.dumps(figures) + "\n")


if __name__ == "__main__":
    main()
