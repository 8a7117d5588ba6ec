"""A simulation counts the messages and call tasks it would send, letters too, and keeps
none of them: no message file, no letter PDF, no collector's preparation sheet."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from creditflow.channels.base import CHANNELS
from creditflow.config import Settings
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.simulation.company import generate_company
from creditflow.simulation.demo import sample_organisation
from creditflow.simulation.simulator import simulate_strategies
from creditflow.strategy.service import default_strategy_text

pytestmark = pytest.mark.db
START = date(2026, 3, 2)


def test_thirty_days_of_contacts_are_counted_and_nothing_is_written(
    engine: Engine, settings: Settings, tmp_path: Path
):
    settings = replace(settings, organisation=sample_organisation())
    files = generate_company(60, as_of=START, seed=3).write_csv(tmp_path / "ledger")
    assert import_customers(engine, files["customers"], settings).rejected == 0
    assert import_invoices(engine, files["invoices"], settings).rejected == 0
    workdir = tmp_path / "simulation"
    (outcome,) = simulate_strategies(
        engine, settings, [("default.yaml", default_strategy_text())],
        days=30, seed=4, start=START, workdir=workdir,
    )  # fmt: skip
    assert outcome.contacts.get("letter", 0) > 0, outcome.contacts
    assert outcome.contacts.get("email", 0) > 0, outcome.contacts
    assert outcome.contacts.get("call", 0) > 0, outcome.contacts
    messages = [p for p in workdir.rglob("*.*") if p.suffix in (".eml", ".pdf", ".json")]
    written = [p for p in messages if p.parent.name in (*CHANNELS, "tasks", "handover")]
    assert written == [], f"the simulation wrote {written[:3]}"
    assert not settings.outbox_dir.exists() or not any(settings.outbox_dir.rglob("*.*"))
    with engine.connect() as conn:  # the ledger itself was not touched
        assert conn.execute(text("SELECT COUNT(*) FROM action")).scalar_one() == 0


def test_without_the_creditors_iban_the_simulation_says_every_message_would_fail_and_why(
    engine: Engine, settings: Settings, tmp_path: Path
):
    without_iban = replace(settings, organisation=replace(sample_organisation(), iban=None))
    files = generate_company(40, as_of=START, seed=3).write_csv(tmp_path / "ledger")
    assert import_customers(engine, files["customers"], without_iban).rejected == 0
    assert import_invoices(engine, files["invoices"], without_iban).rejected == 0
    (outcome,) = simulate_strategies(
        engine, without_iban, [("default.yaml", default_strategy_text())],
        days=10, seed=4, start=START,
    )  # fmt: skip
    assert outcome.failed, "failed messages were not reported"
    assert all("iban is not set" in reason for reason in outcome.failed)
    assert sum(outcome.failed.values()) > 0
    assert outcome.as_json()["failed"] == outcome.failed
