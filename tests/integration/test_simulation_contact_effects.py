"""Channel effects calibrated on held-back history: a sample company lives 25 days under
the default strategy in a world where SMS pays twice what the shipped model says; the
calibration, reading only the ledger, finds it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import polars as pl
from sqlalchemy import Engine

from creditflow.config import Settings
from creditflow.db import make_engine, upgrade
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.ledger.payments import IncomingPayment, import_payments
from creditflow.simulation.answers import book_responses
from creditflow.simulation.behaviour import CHANNEL_EFFECT, STEP_EFFECT, ContactEffects, respond
from creditflow.simulation.company import generate_company
from creditflow.simulation.contact_history import calibrate_contacts, contact_history
from creditflow.simulation.days import (
    book_payments_due,
    contacts_sent_on,
    dispatch_day,
)
from creditflow.simulation.demo import sample_organisation
from creditflow.simulation.simulator import calibrate
from creditflow.strategy.run import collection_run

START = date(2026, 3, 2)
DAYS = 25
END = START + timedelta(days=DAYS)


def _sms_pays(factor: float) -> ContactEffects:
    pay, *rest = CHANNEL_EFFECT["sms"]
    return ContactEffects(
        channel={**CHANNEL_EFFECT, "sms": (pay * factor, rest[0], rest[1], rest[2])},
        step=dict(STEP_EFFECT),
    )


def _live(engine: Engine, settings: Settings, folder: Path, effects: ContactEffects) -> None:
    """300 customers, 25 days of the default strategy; debtors answer with `effects`."""
    settings = replace(settings, organisation=sample_organisation())
    company = generate_company(300, as_of=START - timedelta(days=1), seed=23)
    files = company.write_csv(folder)
    import_customers(engine, files["customers"], settings)
    import_invoices(engine, files["invoices"], settings)
    import_payments(engine, files["payments"], settings)
    traits = company.customers_with_traits()
    rng = np.random.default_rng(23)
    due: list[tuple[date, IncomingPayment]] = []
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        now = datetime.combine(day, time(6, 0), tzinfo=UTC)
        book_payments_due(engine, due, day, now)
        collection_run(engine, settings, day, now=now)
        dispatch_day(engine, settings, day, kept=False)
        sent = contacts_sent_on(engine, day)
        if sent.height:
            book_responses(engine, respond(sent, traits, day, rng, effects), day, now, due)


def _pay(calibrated, channel: str) -> dict[str, float]:
    return calibrated.channels.filter(pl.col("channel") == channel).row(0, named=True)


def test_sms_that_pays_twice_the_shipped_rate_is_found_in_the_ledgers_history(
    engine: Engine, settings: Settings, tmp_path: Path
):
    _live(engine, settings, tmp_path / "twice", _sms_pays(2.0))
    found = calibrate_contacts(engine, END, calibrate(engine, END))
    sms, email = _pay(found, "sms"), _pay(found, "email")
    assert sms["contacts"] >= 100 and email["contacts"] >= 100
    assert found.effects.channel["email"] == CHANNEL_EFFECT["email"]  # the reference
    assert sms["calibrated_pay"] > 1.1 * CHANNEL_EFFECT["sms"][0]
    # Per contact, SMS was paid clearly more often than the shipped model expects,
    # e-mail about as often.
    assert sms["seen_pay"] / sms["expected_pay"] > 1.2
    assert 0.8 < email["seen_pay"] / email["expected_pay"] < 1.25

    # The same company in a world that answers SMS as shipped: no such SMS effect.
    control = make_engine(f"sqlite:///{tmp_path / 'control.db'}")
    upgrade(control)
    _live(control, settings, tmp_path / "shipped", _sms_pays(1.0))
    shipped = calibrate_contacts(control, END, calibrate(control, END))
    control.dispose()
    assert _pay(shipped, "sms")["calibrated_pay"] < sms["calibrated_pay"] - 0.2


def test_only_history_before_the_start_is_read(engine: Engine, settings: Settings, tmp_path: Path):
    _live(engine, settings, tmp_path / "ledger", _sms_pays(1.0))
    middle = START + timedelta(days=12)
    contacts, answers = contact_history(engine, middle)
    assert contacts.height and answers.height
    assert contacts["decided_on"].max() < middle
    assert answers["answered_on"].max() < middle
    assert set(answers["outcome"]) <= {"pay", "promise", "dispute", "opt_out"}
    assert "review" not in set(contacts["channel"])
    assert answers["answered_on"].min() >= contacts["decided_on"].min()
    held_back = calibrate_contacts(engine, middle, calibrate(engine, middle))
    assert held_back.channels["contacts"].sum() < contacts.height  # windows still open left out
