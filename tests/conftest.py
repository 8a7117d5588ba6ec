"""Shared fixtures: a fresh, migrated database per test (SQLite, or PostgreSQL when
CREDITFLOW_TEST_DATABASE_URL is set), settings pointing at it, and ../shared."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from creditflow.config import Settings, load_settings
from creditflow.db import make_engine, upgrade

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
PG_URL = os.environ.get("CREDITFLOW_TEST_DATABASE_URL")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that use a database carry the `db` marker (run again on PostgreSQL)."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        if "database_url" in names:
            item.add_marker(pytest.mark.db)


@pytest.fixture
def shared_dir() -> Path:
    """../shared beside the project (design, real bank files, data sets)."""
    if not SHARED.is_dir():
        pytest.skip("../shared is not present beside the project")
    return SHARED


@pytest.fixture
def database_url(tmp_path: Path) -> Iterator[str]:
    """A fresh empty database: a SQLite file, or a new PostgreSQL schema."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'creditflow.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated engine on the fresh database."""
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def settings(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for the test database with the outbox in a temporary folder."""
    monkeypatch.chdir(tmp_path)
    base = load_settings({})
    return replace(base, database_url=database_url, outbox_dir=tmp_path / "outbox")
