"""Debtors who pay without being contacted, in the day loop on a real ledger: read with
one query, booked like bank transfers naming the invoice, never twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, text

from creditflow.config import Settings
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.ledger.payments import IncomingPayment
from creditflow.money import Money
from creditflow.simulation.company import generate_company
from creditflow.simulation.days import book_payments_due, open_invoices, own_accord_due
from creditflow.simulation.demo import sample_organisation
from creditflow.simulation.simulator import simulate_strategies
from tests.support.strategies import NOTHING_FOR_A_YEAR

pytestmark = pytest.mark.db
START = date(2026, 3, 2)


@pytest.fixture
def company(engine: Engine, settings: Settings, tmp_path: Path) -> tuple[Settings, pl.DataFrame]:
    """A sample company of 60 customers, imported; its settings and every customer as a
    punctual payer."""
    settings = replace(settings, organisation=sample_organisation())
    ledger = generate_company(60, as_of=START, seed=3)
    files = ledger.write_csv(tmp_path / "ledger")
    assert import_customers(engine, files["customers"], settings).rejected == 0
    assert import_invoices(engine, files["invoices"], settings).rejected == 0
    punctual = ledger.customers.select("customer_id", "kind").with_columns(
        payer_type=pl.lit("punctual")
    )
    return settings, punctual


def _live(engine: Engine, customers: pl.DataFrame, days: int, seed: int = 4, due=None):
    """Pay on their own for `days` days from START; the payments booked."""
    due = [] if due is None else due
    booked: list[IncomingPayment] = []
    for offset in range(days):
        day = START + timedelta(days=offset)
        own_accord_due(engine, customers, day, seed, due, source="simulation")
        booked += [p for d, p in due if d <= day]
        book_payments_due(engine, due, day, datetime.combine(day, time(6), tzinfo=UTC))
    return booked


def test_punctual_debtors_pay_their_invoices_in_full_by_name_and_the_id_ends_in_the_day(
    engine, company
):
    _, punctual = company
    before = open_invoices(engine)
    booked = _live(engine, punctual, 10)
    assert len(booked) > 10, "punctual debtors paid hardly anything of their own accord"
    owed = dict(before.select("invoice_number", "open_minor").iter_rows())
    due = dict(before.select("invoice_number", "due_date").iter_rows())
    for payment in booked:
        assert payment.payment_id[-10:] == payment.paid_at.date().isoformat()
        assert payment.payment_id.startswith("simulation-own-INV-")
        assert payment.amount == Money.of_minor(owed[payment.invoice_number], "EUR")
        late = (payment.paid_at.date() - due[payment.invoice_number]).days
        assert late >= -7, f"{payment.invoice_number} paid {-late} days early"
    assert len({p.invoice_number for p in booked}) == len(booked), "an invoice paid twice"
    with engine.connect() as conn:
        still_open = conn.execute(
            text(
                "SELECT COUNT(*) FROM invoice WHERE open_minor > 0 AND invoice_number IN "
                f"({', '.join(repr(p.invoice_number) for p in booked)})"
            )
        ).scalar_one()
    assert still_open == 0, "an invoice paid on its own stayed open"


def test_disputed_invoices_and_customers_with_a_payment_on_its_way_are_not_paid(engine, company):
    _, punctual = company
    with engine.begin() as conn:
        disputed = conn.execute(
            text("SELECT id, customer_id FROM invoice WHERE open_minor > 0 ORDER BY id LIMIT 5")
        ).fetchall()
        for invoice_pk, customer_pk in disputed:
            conn.execute(
                text(
                    "INSERT INTO dispute (customer_id, invoice_id, reason, status, source, "
                    "opened_at) VALUES (:c, :i, 'price', 'open', 'test', :at)"
                ),
                {"c": customer_pk, "i": invoice_pk, "at": datetime(2026, 3, 1, tzinfo=UTC)},
            )
    waiting = open_invoices(engine).filter(  # would pay within the 30 days, bar a slip
        ~pl.col("customer_pk").is_in([c for _, c in disputed]),
        pl.col("due_date").is_between(START, START + timedelta(days=10)),
    )
    waiting_pk = int(waiting["customer_pk"][0])
    far = START + timedelta(days=60)
    on_its_way = IncomingPayment(
        payment_id="simulation-C-x", amount=Money.parse("1.00", "EUR"),
        paid_at=datetime.combine(far, time(12), tzinfo=UTC), customer_pk=waiting_pk,
    )  # fmt: skip
    booked = _live(engine, punctual, 30, due=[(far, on_its_way)])
    paid_invoices = {p.invoice_pk for p in booked}
    assert paid_invoices, "nothing was paid in 30 days"
    assert not paid_invoices & {i for i, _ in disputed}, "a disputed invoice was paid"
    assert waiting_pk not in {p.customer_pk for p in booked}, "paid twice: on its own too"


def test_with_no_contacts_at_all_what_is_collected_is_paid_without_contact(engine, company):
    settings, _ = company
    (outcome,) = simulate_strategies(
        engine, settings, [("nothing.yaml", NOTHING_FOR_A_YEAR)], days=14, seed=4, start=START
    )
    assert sum(outcome.contacts.values()) == 0
    assert outcome.collected.get("EUR", 0) > 0, "nobody paid on their own in two weeks"
    assert outcome.collected_without_contact == outcome.collected
    shown = outcome.as_json()
    assert shown["collected_without_contact"] == shown["collected"]
    again = simulate_strategies(
        engine, settings, [("nothing.yaml", NOTHING_FOR_A_YEAR)], days=14, seed=4, start=START
    )
    assert again[0] == outcome, "same seed, same result"


def test_an_invoice_with_costs_charged_is_paid_with_them_and_a_paid_charge_is_not(
    engine: Engine, company
):
    with engine.begin() as conn:
        invoice_id, customer_pk, open_minor, currency = conn.execute(
            text(
                "SELECT id, customer_id, open_minor, currency FROM invoice "
                "WHERE open_minor > 0 AND status = 'open' ORDER BY id LIMIT 1"
            )
        ).one()
        for kind, minor, left in (("collection_costs", 4_000, 4_000), ("interest", 250, 0)):
            conn.execute(
                text(
                    "INSERT INTO charge (customer_id, invoice_id, kind, amount_minor, "
                    "open_minor, currency, charged_on, created_at) VALUES "
                    "(:c, :i, :k, :a, :o, :cur, :d, :t)"
                ),
                {
                    "c": customer_pk, "i": invoice_id, "k": kind, "a": minor, "o": left,
                    "cur": currency, "d": START, "t": datetime(2026, 3, 2, tzinfo=UTC),
                },
            )  # fmt: skip
    owed = open_invoices(engine).filter(pl.col("invoice_id") == invoice_id)
    assert owed["open_minor"].to_list() == [open_minor + 4_000]
