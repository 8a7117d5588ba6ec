"""`creditflow sync moneybird --once` as a subprocess against the Moneybird emulator."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import select

from creditflow.db import make_engine
from creditflow.ledger.models import Invoice
from creditflow.strategy.lease import run_lease
from tests.support.moneybird_emulator import MoneybirdEmulator
from tests.support.serve_asgi import serving

CREDITFLOW = Path(sys.executable).with_name("creditflow")


def run_sync(folder: Path, database_url: str, token: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CREDITFLOW_DATABASE_URL": database_url,
        "CREDITFLOW_CONFIG": str(folder / "creditflow.toml"),
        "MB_TOKEN": token,
    }
    return subprocess.run(
        [str(CREDITFLOW), "sync", "moneybird", "--once"],
        env=env,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_sync_moneybird_once_fills_a_fresh_database_and_never_shows_the_token(
    tmp_path: Path, database_url: str
) -> None:
    emulator = MoneybirdEmulator()
    jansen = emulator.add_contact(company_name="Bakkerij Jansen BV", customer_id="1001")
    emulator.add_invoice(jansen, "121.0")
    emulator.add_invoice(jansen, "abc")
    with serving(emulator.app) as base:
        (tmp_path / "creditflow.toml").write_text(
            "[connectors.moneybird]\n"
            f'administration_id = "{emulator.administration_id}"\n'
            'token_env = "MB_TOKEN"\n'
            f'base_url = "{base}/api/v2"\n',
            encoding="utf-8",
        )
        first = run_sync(tmp_path, database_url, emulator.token)
        assert first.returncode == 0, first.stderr
        assert "contacts: imported 1" in first.stdout
        assert "sales invoices: imported 1" in first.stdout
        assert "total_price_incl_tax: not an amount" in first.stdout
        second = run_sync(tmp_path, database_url, emulator.token)
        assert second.returncode == 0, second.stderr
        assert "contacts: imported 0, updated 0, unchanged 0" in second.stdout
        engine = make_engine(database_url)
        with run_lease(engine, date.today(), name="schedule:moneybird"):  # the worker syncing
            busy = run_sync(tmp_path, database_url, emulator.token)
        engine.dispose()
        assert busy.returncode == 1
        assert "another Moneybird sync is under way" in busy.stderr
        refused = run_sync(tmp_path, database_url, "wrong-token")
        assert refused.returncode == 1
        assert "401" in refused.stderr
        for run in (first, second, refused):
            assert emulator.token not in run.stdout + run.stderr
    engine = make_engine(database_url)
    with engine.connect() as conn:
        numbers = conn.execute(select(Invoice.invoice_number, Invoice.open_minor)).all()
    engine.dispose()
    assert [tuple(n) for n in numbers] == [("2026-0001", 12100)]


def test_sync_moneybird_without_the_section_says_so(tmp_path: Path, database_url: str) -> None:
    (tmp_path / "creditflow.toml").write_text("", encoding="utf-8")
    result = run_sync(tmp_path, database_url, "x")
    assert result.returncode == 2
    assert "[connectors.moneybird]" in result.stderr
