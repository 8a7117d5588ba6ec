"""Payments on their way when a simulation starts: debtors contacted in the days before
the start may pay after it, and the simulator books those payments too."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from sqlalchemy import Engine, text

from creditflow.config import Settings
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.simulation.behaviour import MAX_LAG_DAYS
from creditflow.simulation.company import generate_company
from creditflow.simulation.days import contacts_sent_on, dispatch_day, payments_in_flight
from creditflow.simulation.demo import sample_organisation
from creditflow.strategy.run import collection_run

pytestmark = pytest.mark.db
START = date(2026, 3, 16)


@pytest.fixture
def contacted(engine: Engine, settings: Settings, tmp_path: Path) -> pl.DataFrame:
    """A company of 120 customers run under the default strategy for the 14 days before
    START (nobody answers); returns its customers, every one a punctual payer."""
    settings = replace(settings, organisation=sample_organisation())
    company = generate_company(120, as_of=START - timedelta(days=15), seed=4)
    files = company.write_csv(tmp_path / "ledger")
    assert import_customers(engine, files["customers"], settings).rejected == 0
    assert import_invoices(engine, files["invoices"], settings).rejected == 0
    for back in range(14, 0, -1):
        day = START - timedelta(days=back)
        collection_run(engine, settings, day, now=datetime.combine(day, time(6), tzinfo=UTC))
        dispatch_day(engine, settings, day)
    return company.customers.select("customer_id", "kind").with_columns(
        payer_type=pl.lit("punctual")
    )


def _sent_in_window(engine: Engine) -> set[str]:
    customers: set[str] = set()
    for back in range(1, MAX_LAG_DAYS + 1):
        sent = contacts_sent_on(engine, START - timedelta(days=back))
        if sent.height:
            customers.update(sent["customer_id"].to_list())
    return customers


def test_only_debtors_contacted_just_before_the_start_pay_and_only_from_the_start_on(
    engine, contacted
):
    to_come = payments_in_flight(
        engine, contacted, START, np.random.default_rng(3), source="simulation"
    )
    assert to_come, "no punctual debtor contacted before the start pays after it"
    window = _sent_in_window(engine)
    with engine.connect() as conn:
        owing = set(
            conn.execute(
                text(
                    "SELECT c.customer_id FROM customer c JOIN invoice i ON i.customer_id = c.id "
                    "WHERE i.open_minor > 0"
                )
            ).scalars()
        )
    for lands, payment in to_come:
        assert lands >= START
        assert payment.paid_at.date() == lands
        assert lands < START + timedelta(days=MAX_LAG_DAYS)
        customer = payment.payment_id.split("-", 1)[1].rsplit("-", 3)[0]
        assert customer in window, f"{customer} was not contacted in the days before"
        assert customer in owing, f"{customer} owes nothing and still pays"
        assert payment.source == "simulation"


def test_the_same_generator_gives_the_same_payments_to_come(engine, contacted):
    first = payments_in_flight(engine, contacted, START, np.random.default_rng(8), source="s")
    again = payments_in_flight(engine, contacted, START, np.random.default_rng(8), source="s")
    assert first == again


def test_a_debtor_who_paid_everything_before_the_start_has_nothing_on_its_way(engine, contacted):
    with engine.begin() as conn:
        conn.execute(text("UPDATE invoice SET open_minor = 0, status = 'paid'"))
    assert payments_in_flight(engine, contacted, START, np.random.default_rng(3), source="s") == []


def test_a_debtor_who_answered_after_the_contact_has_nothing_on_its_way(engine, contacted):
    everyone = payments_in_flight(engine, contacted, START, np.random.default_rng(5), source="s")
    assert everyone
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO event (customer_id, occurred_at, kind, direction, summary, data) "
                "SELECT id, :at, 'promise.made', 'in', 'promised to pay', '{}' FROM customer"
            ),
            {"at": datetime.combine(START - timedelta(days=1), time(9), tzinfo=UTC)},
        )
    assert payments_in_flight(engine, contacted, START, np.random.default_rng(5), source="s") == []
