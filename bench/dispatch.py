"""Dispatch throughput end to end; prints one JSON line per measurement.

    .venv/bin/python bench/dispatch.py [--emails 2000] [--sms 2000] [--letters 200]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test] [--stock-emulator]

Each measurement seeds a fresh database through the real importers and the
collection run, then times `dispatch_due` alone (claim, re-check, render, send,
record):

- e-mails/s per worker into a loopback aiosmtpd server (SmtpAdapter, one reused
  connection); the server runs in its own process, as a mail relay would, and
  reports how many messages it accepted;
- SMS/s per worker against the Twilio emulator in its own process
  (TwilioMessagingAdapter.send_batch: concurrent aiohttp requests over keep-alive
  connections that last from batch to batch);
- letters/s per worker (A4 PDF with QR code rendered, archived, sandbox print folder);
- with --pg: e-mails/s with two workers, each its own process, sharing one
  PostgreSQL queue.

The emulator the SMS figure is measured against does not deliver status callbacks:
the stock emulator (tests/support/twilio_emulator.py, `--stock-emulator`) opens a
new httpx.AsyncClient (about 27 ms of CPU for its TLS context) for every message
with a StatusCallback, which caps it at about 35 requests/s whatever the client
does; callbacks measure the portal, not dispatch.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the loopback servers live in tests/support

from sqlalchemy import text  # noqa: E402
from tests.support.compliance_ledger import consumer  # noqa: E402
from tests.support.dispatch_ledger import (  # noqa: E402
    END_OF_DAY,
    SEND_TIME,
    invoice,
    queued_reminders,
    with_organisation,
)
from tests.support.smtp_server import running_smtp_server  # noqa: E402
from tests.support.twilio_emulator import TwilioEmulator, _listening_socket  # noqa: E402

from creditflow.config import Settings, load_settings  # noqa: E402
from creditflow.db import make_engine, upgrade  # noqa: E402
from creditflow.dispatch.worker import DispatchReport, dispatch_due  # noqa: E402


def emit(name: str, report: DispatchReport, seconds: float, **extra: Any) -> None:
    """Print one measurement as a JSON line."""
    rate = report.sent / seconds if seconds else float("inf")
    line = {"measurement": name, "per_second": round(rate, 1), "sent": report.sent}
    line |= {"claimed": report.claimed, "seconds": round(seconds, 3)}
    print(json.dumps(line | extra), flush=True)


def prepare(
    url: str, folder: Path, count: int, channels: dict[str, Any], **customer: Any
) -> tuple[Any, Settings]:
    """A fresh database with `count` consumers, each with one reminder queued."""
    engine = make_engine(url)
    upgrade(engine)
    base = replace(load_settings({}), database_url=url, outbox_dir=folder / "outbox")
    settings = with_organisation(base, **channels)
    customers = [consumer(f"C{i:05d}", **customer) for i in range(count)]
    invoices = [invoice(f"INV-{i:05d}", f"C{i:05d}") for i in range(count)]
    queued_reminders(engine, settings, folder, customers=customers, invoices=invoices)
    return engine, settings


def timed(engine: Any, settings: Settings, **kwargs: Any) -> tuple[DispatchReport, float]:
    """Run dispatch_due once and time it."""
    start = time.perf_counter()
    report = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME, **kwargs)
    return report, time.perf_counter() - start


def serve_smtp() -> None:
    """Run the loopback SMTP server until stdin closes; print its port, then the count."""
    with running_smtp_server() as server:
        print(server.port, flush=True)
        sys.stdin.read()
        print(len(server.messages), flush=True)


@contextmanager
def smtp_server_process() -> Iterator[tuple[dict[str, Any], Callable[[], int]]]:
    """The SMTP server in its own process: (channel config, received-count reader)."""
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--serve-smtp"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert server.stdin is not None and server.stdout is not None
    stdin, stdout = server.stdin, server.stdout
    port = int(stdout.readline())
    smtp = {"provider": "smtp", "host": "127.0.0.1", "port": port,
            "security": "none", "from_addr": "bench@voorbeeld.nl"}  # fmt: skip

    def received() -> int:
        stdin.close()
        return int(stdout.readline())

    try:
        yield smtp, received
    finally:
        if not stdin.closed:
            stdin.close()
        server.wait(timeout=30)


def bench_email(folder: Path, count: int) -> None:
    """E-mails per second through SMTP on loopback."""
    with smtp_server_process() as (smtp, received):
        engine, settings = prepare(
            f"sqlite:///{folder / 'email.db'}", folder, count, {"email": smtp}
        )
        report, seconds = timed(engine, settings)
        emit("dispatch_email_smtp_1_worker_sqlite", report, seconds, received=received())


class _NoCallbackEmulator(TwilioEmulator):
    """The Twilio emulator without status callbacks (see the module docstring)."""

    def _schedule(self, url: str, events: list[dict[str, str]]) -> None:
        """Status callbacks are not delivered in the bench."""


def serve_emulator() -> None:
    """Serve the callback-free emulator until killed, printing its port first."""
    import uvicorn

    emulator = _NoCallbackEmulator(record=False)
    sock = _listening_socket(0)
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(emulator, log_level="warning", lifespan="off", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])


def bench_sms(folder: Path, count: int, *, stock: bool = False) -> None:
    """SMS per second against the Twilio emulator running in its own process."""
    serve = (
        ["-m", "tests.support.twilio_emulator", "--port", "0"]
        if stock
        else [str(Path(__file__).resolve()), "--serve-emulator"]
    )
    emulator = subprocess.Popen(
        [sys.executable, *serve], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert emulator.stdout is not None
        port = int(emulator.stdout.readline())
        sms = {"provider": "twilio", "account_sid": TwilioEmulator.account_sid,
               "auth_token": TwilioEmulator.auth_token, "from_number": "+3197010000000",
               "base_url": f"http://127.0.0.1:{port}"}  # fmt: skip
        engine, settings = prepare(
            f"sqlite:///{folder / 'sms.db'}",
            folder,
            count,
            {"sms": sms},
            phone="+31612345678",
            preferred_channel="sms",
        )
        report, seconds = timed(engine, settings)
        emulator_kind = "stock" if stock else "no_callbacks"
        emit("dispatch_sms_twilio_1_worker_sqlite", report, seconds, emulator=emulator_kind)
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)


def bench_letters(folder: Path, count: int) -> None:
    """Letters per second: PDF rendering dominates."""
    engine, settings = prepare(f"sqlite:///{folder / 'letters.db'}", folder, count, {}, email="")
    report, seconds = timed(engine, settings)
    emit("dispatch_letters_pdf_1_worker_sqlite", report, seconds)


def _worker(url: str, settings: Settings, name: str, gate: Any, results: Any) -> None:
    """One worker process: wait for the start signal, dispatch everything, report."""
    engine = make_engine(url)
    with engine.connect():
        pass  # connect before the clock starts
    results.put("ready")
    gate.wait()
    report = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME, worker_id=name)
    results.put((name, report))
    engine.dispose()


def bench_two_workers_pg(folder: Path, count: int, pg_url: str) -> None:
    """E-mails per second with two workers sharing one PostgreSQL queue."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_url else "?"
    url = f"{pg_url}{sep}options=-csearch_path%3D{schema}"
    try:
        with smtp_server_process() as (smtp, received):
            engine, settings = prepare(url, folder, count, {"email": smtp})
            engine.dispose()
            spawn = multiprocessing.get_context("spawn")
            results = spawn.Queue()
            start_gate = spawn.Event()
            workers = [
                spawn.Process(target=_worker, args=(url, settings, f"w{i}", start_gate, results))
                for i in (1, 2)
            ]
            for worker in workers:
                worker.start()
            ready = [results.get(timeout=120) for _ in workers]
            assert ready == ["ready", "ready"], ready
            start = time.perf_counter()
            start_gate.set()
            reports = dict(results.get(timeout=600) for _ in workers)
            seconds = time.perf_counter() - start
            for worker in workers:
                worker.join(timeout=30)
            total = DispatchReport(
                claimed=sum(r.claimed for r in reports.values()),
                sent=sum(r.sent for r in reports.values()),
            )
            emit("dispatch_email_smtp_2_workers_postgresql", total, seconds,
                 per_worker={k: r.sent for k, r in reports.items()},
                 received=received())  # fmt: skip
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    """Run the measurements asked for."""
    parser = argparse.ArgumentParser(description="dispatch throughput")
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--sms", type=int, default=2000)
    parser.add_argument("--letters", type=int, default=200)
    parser.add_argument("--pg", default=None, help="PostgreSQL URL for the two-worker run")
    parser.add_argument(
        "--stock-emulator", action="store_true", help="SMS against the emulator with callbacks"
    )
    parser.add_argument("--serve-emulator", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--serve-smtp", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_emulator:
        serve_emulator()
        return
    if args.serve_smtp:
        serve_smtp()
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for name, run in (("email", lambda f: bench_email(f, args.emails)),
                          ("sms", lambda f: bench_sms(f, args.sms, stock=args.stock_emulator)),
                          ("letters", lambda f: bench_letters(f, args.letters))):  # fmt: skip
            folder = root / name
            folder.mkdir()
            run(folder)
        if args.pg:
            folder = root / "pg"
            folder.mkdir()
            bench_two_workers_pg(folder, args.emails, args.pg)


if __name__ == "__main__":
    main()
