"""Benchmark: what staff access costs per request and per sign-in.

Run: .venv/bin/python bench/staff_access.py [--db URL] [--requests N]
Prints one JSON line: argon2 hash and verify (ms), and p50/p95 latency (ms) of an
in-process GET on /api/health (open), /api/actions with an API key and with a session
cookie, on a fresh database (SQLite in a temporary folder unless --db is given).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from fastapi.testclient import TestClient

from creditflow.api.app import create_app
from creditflow.config import load_settings
from creditflow.db import make_engine, transaction, upgrade
from creditflow.staff.credentials import hash_password, verify_password
from creditflow.staff.service import add_user, create_api_key

PASSWORD = "Kaasschaaf-Fietsbel-42"


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": round(statistics.median(ordered) * 1000, 2),
        "p95": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2),
    }


def _timed(call: Callable[[], object], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return samples


def _answered(client: TestClient, path: str, headers: dict[str, str]) -> Callable[[], object]:
    def call() -> object:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, response.text
        return response

    return call


def main() -> None:
    """Measure and print one JSON line."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=None)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="staff-bench-"))
    url = args.db or f"sqlite:///{folder / 'bench.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with transaction(engine) as session:
        add_user(session, "bench@example.nl", "viewer", PASSWORD, "bench")
        key = create_api_key(session, "bench", "read", "bench")[1]
    hashing = _timed(lambda: hash_password(PASSWORD), 10)
    stored = hash_password(PASSWORD)
    verifying = _timed(lambda: verify_password(stored, PASSWORD), 10)
    settings = replace(load_settings({}), database_url=url, outbox_dir=folder / "outbox")
    client = TestClient(create_app(settings))
    page = client.get("/workbench/login").text
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    signed = client.post("/workbench/login",
                         data={"email": "bench@example.nl", "password": PASSWORD,
                               "csrf_token": csrf}, follow_redirects=False)  # fmt: skip
    assert signed.status_code == 303
    n = args.requests
    health = _timed(_answered(client, "/api/health", {}), n)
    by_session = _timed(_answered(client, "/api/actions", {}), n)
    client.cookies.clear()
    by_key = _timed(_answered(client, "/api/actions", {"Authorization": f"Bearer {key}"}), n)
    result = {
        "database": engine.dialect.name,
        "requests": n,
        "argon2_hash_ms": _ms(hashing)["p50"],
        "argon2_verify_ms": _ms(verifying)["p50"],
        "health_open_ms": _ms(health),
        "actions_api_key_ms": _ms(by_key),
        "actions_session_ms": _ms(by_session),
    }
    print(json.dumps(result))
    engine.dispose()


if __name__ == "__main__":
    main()
