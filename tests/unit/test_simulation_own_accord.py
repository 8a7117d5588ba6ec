"""Debtors who pay without being contacted: the days-late distributions the history
generator draws from, and the daily chance of an own-accord payment derived from them."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from creditflow.simulation.days_late import days_late_pmf, days_late_survival
from creditflow.simulation.history import _days_late
from creditflow.simulation.own_accord import (
    own_accord_hazard,
    own_accord_payments,
    own_accord_rng,
)
from creditflow.simulation.schema import PAYER_TYPES

DAY = date(2026, 3, 16)
DAYS = np.arange(-10, 160)


@pytest.mark.parametrize("payer_type", PAYER_TYPES)
def test_the_exact_days_late_match_what_the_history_generator_draws(payer_type):
    drawn = _days_late(np.random.default_rng(11), np.full(200_000, PAYER_TYPES.index(payer_type)))
    seen = np.array([(drawn == d).mean() for d in DAYS])
    assert np.abs(seen - days_late_pmf(payer_type, DAYS)).max() < 0.003
    not_before = np.array([(drawn >= d).mean() for d in DAYS])
    assert np.abs(not_before - days_late_survival(payer_type, DAYS)).max() < 0.005


@pytest.mark.parametrize(
    ("payer_type", "paid_at_all"),
    [("punctual", 1.0), ("forgetful", 1.0), ("disputer", 1.0), ("ghost", 0.05)],
)
def test_each_type_pays_its_share_of_invoices_in_the_end(payer_type, paid_at_all):
    assert days_late_pmf(payer_type, np.arange(-7, 3000)).sum() == pytest.approx(paid_at_all)


def _paid_within(payer_type: str, days_after_due: int, window: int) -> float:
    """Chance an invoice open `days_after_due` days after its due date is paid on its own
    within `window` days, from the daily hazard."""
    hazard = own_accord_hazard(payer_type, np.arange(days_after_due, days_after_due + window))
    return float(1 - np.prod(1 - hazard))


@pytest.mark.parametrize(
    ("payer_type", "days_after_due", "window", "low", "high"),
    [
        ("punctual", 0, 14, 0.85, 0.95),  # due today: mostly paid within two weeks
        ("punctual", 0, 30, 0.97, 1.0),  # the rest are slips, paid as a forgetful one
        ("punctual", -7, 10, 0.90, 1.0),  # a week before its due date: paid by +2
        ("punctual", -10, 3, 0.0, 0.0),  # nobody pays more than a week early
        ("forgetful", 0, 2, 0.0, 0.0),  # a forgetful payer is never on time
        ("forgetful", 2, 30, 0.85, 0.99),
        ("struggling", 0, 10, 0.0, 0.0),
        ("struggling", 10, 30, 0.15, 0.45),
        ("disputer", 0, 31, 1.0, 1.0),  # an undisputed invoice is paid within 30 days
        ("disputer", 31, 30, 0.0, 0.0),
        ("ghost", 0, 30, 0.0, 0.001),
        ("ghost", 0, 90, 0.0, 0.05),  # a ghost almost never pays
    ],
)
def test_an_open_invoice_is_paid_on_its_own_as_its_payer_type_would(
    payer_type, days_after_due, window, low, high
):
    assert low <= _paid_within(payer_type, days_after_due, window) <= high


def test_paying_with_the_daily_hazard_gives_the_history_days_late():
    for payer_type in PAYER_TYPES:
        hazard = own_accord_hazard(payer_type, DAYS)
        open_before = np.concatenate([[1.0], np.cumprod(1 - hazard)[:-1]])
        assert np.allclose(open_before * hazard, days_late_pmf(payer_type, DAYS), atol=1e-9)


def _invoices(rows: list[tuple[int, str, int, int, bool]]) -> pl.DataFrame:
    """(invoice_id, customer_id, days after due, open cents, disputed) as the day loop reads them."""
    return pl.DataFrame(
        {
            "invoice_id": pl.Series([r[0] for r in rows], dtype=pl.Int64),
            "customer_id": pl.Series([r[1] for r in rows], dtype=pl.String),
            "invoice_number": pl.Series([f"INV-{r[0]:04d}" for r in rows], dtype=pl.String),
            "due_date": pl.Series([DAY - timedelta(days=r[2]) for r in rows], dtype=pl.Date),
            "open_minor": pl.Series([r[3] for r in rows], dtype=pl.Int64),
            "currency": pl.Series(["EUR"] * len(rows), dtype=pl.String),
            "disputed": pl.Series([r[4] for r in rows], dtype=pl.Boolean),
        }
    )


CUSTOMERS = pl.DataFrame(
    {
        "customer_id": ["P", "G", "D", "F"],
        "kind": ["consumer", "consumer", "business", "business"],
        "payer_type": ["punctual", "ghost", "disputer", "forgetful"],
    }
)


def _days_paid(invoices: pl.DataFrame, seed: int, days: int = 20, **kw) -> dict[str, int]:
    """Live `days` days from DAY (paid invoices leave); the number of invoices each paid."""
    paid: dict[str, int] = {}
    for offset in range(days):
        day = DAY + timedelta(days=offset)
        today = own_accord_payments(invoices, CUSTOMERS, day, own_accord_rng(seed, day), **kw)
        for customer in today["customer_id"].to_list():
            paid[customer] = paid.get(customer, 0) + 1
        invoices = invoices.join(today.select("invoice_id"), on="invoice_id", how="anti")
    return paid


def test_punctual_debtors_pay_due_invoices_unprompted_ghosts_and_disputed_invoices_do_not():
    rows = [(i, "P", 0, 10_000, False) for i in range(200)]
    rows += [(200 + i, "G", 0, 10_000, False) for i in range(200)]
    rows += [(400 + i, "D", 5, 10_000, True) for i in range(100)]
    paid = _days_paid(_invoices(rows), seed=3)
    assert paid["P"] >= 170, "a punctual payer's invoices due today are mostly paid"
    assert paid.get("G", 0) <= 2, "a ghost almost never pays on their own"
    assert "D" not in paid, "a disputed invoice is never paid on its own"


def test_a_customer_with_a_payment_on_its_way_pays_nothing_more_on_their_own():
    invoices = _invoices([(i, "P", 0, 10_000, False) for i in range(50)])
    assert _days_paid(invoices, seed=3, days=5, waiting={"P"}) == {}
    assert _days_paid(invoices, seed=3, days=5)["P"] > 25


def test_the_same_seed_pays_the_same_invoices_and_other_open_invoices_change_nothing():
    invoices = _invoices([(i, c, i % 20 - 5, 1_000 + i, False) for i, c in enumerate("PFDG" * 40)])
    first = own_accord_payments(invoices, CUSTOMERS, DAY, own_accord_rng(5, DAY))
    assert first.height > 0
    assert first.equals(own_accord_payments(invoices, CUSTOMERS, DAY, own_accord_rng(5, DAY)))
    fewer = invoices.filter(pl.col("invoice_id") % 3 != 0)
    alone = own_accord_payments(fewer, CUSTOMERS, DAY, own_accord_rng(5, DAY))
    assert alone.equals(first.filter(pl.col("invoice_id") % 3 != 0)), "same invoice, same draw"
    other = own_accord_payments(invoices, CUSTOMERS, DAY, own_accord_rng(6, DAY))
    assert not other.equals(first)


def test_an_invoice_of_a_customer_without_a_payer_type_is_refused_by_name():
    with pytest.raises(ValueError, match="customer_id X"):
        own_accord_payments(
            _invoices([(1, "X", 0, 100, False)]), CUSTOMERS, DAY, own_accord_rng(1, DAY)
        )
    with pytest.raises(ValueError, match="disputed"):
        own_accord_payments(
            _invoices([(1, "P", 0, 100, False)]).drop("disputed"),
            CUSTOMERS,
            DAY,
            own_accord_rng(1, DAY),
        )


def test_no_open_invoices_no_payments():
    empty = _invoices([])
    assert own_accord_payments(empty, CUSTOMERS, DAY, own_accord_rng(1, DAY)).height == 0
