"""Readiness and a scrape when the database is not what serve expects."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
from sqlalchemy import Engine, text

from creditflow.api.app import create_app
from creditflow.config import Settings
from tests.support.serve_asgi import serving


def test_ready_is_503_until_the_database_is_migrated_and_200_after(
    settings: Settings, tmp_path: Path
) -> None:
    empty = replace(settings, database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    with serving(create_app(empty)) as url:
        answer = httpx.get(f"{url}/api/ready", timeout=30)
        assert answer.status_code == 503
        assert answer.json()["reason"] == "database not migrated: run `creditflow init`"
        scrape = httpx.get(f"{url}/metrics", timeout=30)
        assert scrape.status_code == 200
        assert "creditflow_database_up 0.0" in scrape.text  # the tables are not there yet


def test_ready_and_metrics_on_a_migrated_database(engine: Engine, settings: Settings) -> None:
    with serving(create_app(settings)) as url:
        answer = httpx.get(f"{url}/api/ready", timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.json()["revision"] == answer.json()["head"]
        scrape = httpx.get(f"{url}/metrics", timeout=30).text
    assert "creditflow_database_up 1.0" in scrape
    assert 'creditflow_queue_depth{when="due"} 0.0' in scrape
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM action")).scalar_one() == 0
