"""Stored figures as rows and the ledger's fingerprint at a date: tables of cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from creditflow.analytics.core import CurrencyFigures
from creditflow.analytics.stored_rows import (
    ALLOCATION_AGGREGATES,
    CREDIT_AGGREGATES,
    INVOICE_AGGREGATES,
    figures_of,
    figures_row,
    fingerprint,
    from_tenths,
    tenths,
)


@pytest.mark.parametrize(
    ("value", "stored"),
    [(Decimal("76.4"), 764), (Decimal("80.0"), 800), (Decimal("-0.5"), -5),
     (Decimal("0.0"), 0), (Decimal("1234.5"), 12345), (None, None)],
)  # fmt: skip
def test_days_are_stored_in_tenths_and_read_back_as_the_same_decimal(value, stored):
    assert tenths(value) == stored
    back = from_tenths(stored)
    assert back == value and str(back) == str(value)  # "80.0" stays "80.0", not "80"


def test_a_currencys_figures_survive_a_row_and_back():
    fig = CurrencyFigures(
        as_of=date(2026, 3, 10), currency="EUR", open_minor=208000, overdue_minor=128000,
        aging_minor={"current": 80000, "1-30": 75000, "31-60": 15000, "61-90": 8000,
                     "90+": 30000},
        invoiced_90_minor=245000, dso_days=Decimal("76.4"),
        best_possible_dso_days=Decimal("29.4"), add_days=Decimal("47.0"),
        cei_percent=Decimal("36.9"),
        cei_parts={"open_start": 203000, "invoiced": 80000, "open_end": 208000},
    )  # fmt: skip
    row = figures_row(fig, Decimal("64.5"))
    assert row["aging_90_plus_minor"] == 30000 and row["countback_tenths"] == 645

    class Row:
        def __init__(self, values):
            self.__dict__.update(values)

    assert figures_of(Row(row)) == (fig, Decimal("64.5"))


def _frames(invoices=(), allocations=(), credits=()):
    return (
        pl.DataFrame(list(invoices), schema=INVOICE_AGGREGATES, orient="row"),
        pl.DataFrame(list(allocations), schema=ALLOCATION_AGGREGATES, orient="row"),
        pl.DataFrame(list(credits), schema=CREDIT_AGGREGATES, orient="row"),
    )


D = date(2026, 1, 31)


def SETTLED(minor: int) -> tuple:  # noqa: N802 - reads as a row in the table below
    """An aggregate row that only raises amount - open of invoices issued 2026-01-05."""
    return (date(2026, 1, 5), None, 0, 0, 0, minor)


BASE_INVOICES = [(date(2026, 1, 5), None, 1, 10000, 1, 0), (date(2026, 1, 20), None, 1, 5000, 2, 0)]
BASE_ALLOCATIONS = [(date(2026, 1, 5), date(2026, 1, 25), None, 1, 4000, 1, 4000)]


@pytest.mark.parametrize(
    ("change", "invoices", "allocations", "credits", "differs"),
    [
        # (a payment or a credit note lowers its invoice's open amount: the SETTLED delta row)
        ("a payment dated after D", [SETTLED(100)], [(date(2026, 1, 5), date(2026, 2, 3), None, 1, 100, 2, 100)], [], False),
        ("an invoice issued after D", [(date(2026, 2, 2), None, 1, 700, 3, 0)], [], [], False),
        ("a credit note dated after D", [SETTLED(300)], [], [(date(2026, 1, 5), date(2026, 2, 9), 1, 300, 1)], False),
        ("the invoice paid in full after D", [SETTLED(6000), (date(2026, 1, 5), date(2026, 2, 3), 1, 0, 0, 0), (date(2026, 1, 5), None, -1, 0, 0, 0)], [(date(2026, 1, 5), date(2026, 2, 3), None, 1, 6000, 2, 6000)], [], False),
        ("a payment dated on or before D", [SETTLED(100)], [(date(2026, 1, 20), date(2026, 1, 30), None, 1, 100, 2, 100)], [], True),
        ("an invoice marked paid by D", [(date(2026, 1, 5), date(2026, 1, 30), 1, 0, 0, 0), (date(2026, 1, 5), None, -1, 0, 0, 0)], [], [], True),
        ("an invoice issued before D", [(date(2025, 6, 15), None, 1, 700, 3, 0)], [], [], True),
        ("a credit note dated before D", [], [], [(date(2026, 1, 5), date(2026, 1, 9), 1, 300, 1)], True),
        ("a reversal dated on or before D", [], [(date(2026, 1, 5), date(2026, 1, 10), date(2026, 1, 12), 1, 100, 2, 0)], [], True),
        ("an open amount lowered without a payment", [(date(2026, 1, 5), None, 0, 0, 0, 500)], [], [], True),
    ],
)  # fmt: skip
def test_the_fingerprint_at_a_date_changes_only_with_what_the_figures_then_depend_on(
    change, invoices, allocations, credits, differs
):
    before = fingerprint(*_frames(BASE_INVOICES, BASE_ALLOCATIONS), D)
    after = fingerprint(*_frames(BASE_INVOICES + invoices, BASE_ALLOCATIONS + allocations,
                                 credits), D)  # fmt: skip
    assert (before != after) is differs, change
