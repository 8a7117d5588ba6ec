"""The simulator's private copy of a ledger: every row, and writing to it leaves the
ledger alone (a SQLite file is copied by SQLite's backup, PostgreSQL table by table)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from creditflow.config import Settings
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.simulation.company import generate_company
from creditflow.simulation.demo import sample_organisation
from creditflow.simulation.ledger_copy import copy_ledger, is_sqlite_file

pytestmark = pytest.mark.db


def _counts(engine: Engine) -> dict[str, int]:
    from creditflow.schema import metadata

    with engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


def test_the_copy_has_every_row_and_writing_to_it_leaves_the_ledger_alone(
    engine: Engine, settings: Settings, tmp_path: Path
):
    settings = replace(settings, organisation=sample_organisation())
    files = generate_company(30, as_of=date(2026, 3, 1), seed=2).write_csv(tmp_path / "ledger")
    assert import_customers(engine, files["customers"], settings).rejected == 0
    assert import_invoices(engine, files["invoices"], settings).rejected == 0
    before = _counts(engine)
    assert before["invoice"] > 0
    copy = copy_ledger(engine, tmp_path / "copy")
    try:
        assert is_sqlite_file(copy)
        assert _counts(copy) == before
        with copy.begin() as conn:
            conn.execute(text("DELETE FROM payment"))
            conn.execute(text("UPDATE invoice SET open_minor = 0"))
        with engine.connect() as conn:
            assert conn.execute(text("SELECT SUM(open_minor) FROM invoice")).scalar_one() > 0
        assert _counts(engine) == before
    finally:
        copy.dispose()
