"""The pure figures: open at a date, aging, DSO, CEI and the habits, as tables of cases."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import polars as pl
import pytest

from creditflow.analytics import core, habits

D = date.fromisoformat


def invoices(*rows: tuple[int, str, str, str, int, int, str | None]) -> pl.DataFrame:
    """(pk, currency, issue, due, amount, open today, paid_on) rows; customer = pk."""
    return pl.DataFrame(
        [
            {
                "invoice_pk": pk, "customer_pk": pk, "currency": cur, "issue_date": D(issue),
                "due_date": D(due), "amount_minor": amount, "open_minor": open_now,
                "paid_on": D(paid) if paid else None,
            }
            for pk, cur, issue, due, amount, open_now, paid in rows
        ],
        schema=core.INVOICE_SCHEMA,
    )  # fmt: skip


def allocations(*rows: tuple[int, int, str, str | None]) -> pl.DataFrame:
    """(invoice pk, amount, paid_on, reversed_on) rows."""
    return pl.DataFrame(
        [
            {"invoice_pk": pk, "amount_minor": m, "paid_on": D(p), "reversed_on": D(r) if r else None}
            for pk, m, p, r in rows
        ],
        schema=core.ALLOCATION_SCHEMA,
    )  # fmt: skip


# Invoice 1: 100.00 issued 03-01, paid 40.00 on 03-05 and 60.00 on 03-20 (paid_on 03-20).
# Invoice 2: 50.00 issued 03-02, paid 50.00 on 03-03 but the bank reversed it on 03-08.
# Invoice 3: 70.00 issued 03-01, imported as paid on 03-10 with no payment recorded.
# Invoice 4: 20.00 issued 03-01, written off with no date: settled from its issue date.
LEDGER = invoices(
    (1, "EUR", "2026-03-01", "2026-03-31", 10000, 0, "2026-03-20"),
    (2, "EUR", "2026-03-02", "2026-03-16", 5000, 5000, None),
    (3, "EUR", "2026-03-01", "2026-03-31", 7000, 0, "2026-03-10"),
    (4, "EUR", "2026-03-01", "2026-03-31", 2000, 0, None),
)
PAID = allocations(
    (1, 4000, "2026-03-05", None),
    (1, 6000, "2026-03-20", None),
    (2, 5000, "2026-03-03", "2026-03-08"),
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-02-28", {}),  # nothing issued yet
        ("2026-03-01", {1: 10000, 3: 7000, 4: 0}),
        ("2026-03-02", {1: 10000, 2: 5000, 3: 7000, 4: 0}),
        ("2026-03-03", {1: 10000, 2: 0, 3: 7000, 4: 0}),  # the payment counts from its date
        ("2026-03-05", {1: 6000, 2: 0, 3: 7000, 4: 0}),  # a partial payment
        ("2026-03-08", {1: 6000, 2: 5000, 3: 7000, 4: 0}),  # reversed: open again
        ("2026-03-10", {1: 6000, 2: 5000, 3: 0, 4: 0}),  # unrecorded settlement on paid_on
        ("2026-03-20", {1: 0, 2: 5000, 3: 0, 4: 0}),
    ],
)
def test_open_at_a_date_is_rebuilt_from_payment_dates(day: str, expected: dict[int, int]):
    frame = core.open_at(LEDGER, PAID, D(day))
    assert dict(frame.select("invoice_pk", "open_at_minor").iter_rows()) == expected


# Invoice 5: 100.00 issued 03-01, a credit note took 30.00 off on 03-10, still open 70.00.
# Invoice 6: 100.00 issued 03-01, credited 30.00 on 03-05, the rest paid on 03-20.
# Invoice 7: 100.00 issued 03-01, credited in full on 03-12 (settled: paid_on 03-12).
CREDITED = invoices(
    (5, "EUR", "2026-03-01", "2026-03-31", 10000, 7000, None),
    (6, "EUR", "2026-03-01", "2026-03-31", 10000, 0, "2026-03-20"),
    (7, "EUR", "2026-03-01", "2026-03-31", 10000, 0, "2026-03-12"),
)
CREDIT_NOTES = pl.DataFrame(
    {"invoice_pk": [5, 6, 7], "amount_minor": [3000, 3000, 10000],
     "credited_on": [D("2026-03-10"), D("2026-03-05"), D("2026-03-12")]},
    schema=core.CREDIT_SCHEMA,
)  # fmt: skip


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-03-04", {5: 10000, 6: 10000, 7: 10000}),  # no credit note yet
        ("2026-03-05", {5: 10000, 6: 7000, 7: 10000}),  # 6 credited, not yet paid
        ("2026-03-10", {5: 7000, 6: 7000, 7: 10000}),
        ("2026-03-12", {5: 7000, 6: 7000, 7: 0}),
        ("2026-03-20", {5: 7000, 6: 0, 7: 0}),
    ],
)
def test_a_credit_note_lowers_open_from_its_own_date(day: str, expected: dict[int, int]):
    paid = allocations((6, 7000, "2026-03-20", None))
    frame = core.open_at(CREDITED, paid, D(day), CREDIT_NOTES)
    assert dict(frame.select("invoice_pk", "open_at_minor").iter_rows()) == expected


@pytest.mark.parametrize(
    ("days", "bucket"),
    [(-5, "current"), (0, "current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"),
     (61, "61-90"), (90, "61-90"), (91, "90+"), (400, "90+")],
)  # fmt: skip
def test_aging_bucket_edges(days: int, bucket: str):
    frame = pl.DataFrame({"d": [days]}).select(core.aging_bucket(pl.col("d")))
    assert frame.item() == bucket


@pytest.mark.parametrize(
    ("value", "rounded"),
    [(Fraction(1, 20), "0.1"), (Fraction(1, 25), "0.0"), (Fraction(-3, 40), "-0.1"),
     (Fraction(187200, 2450), "76.4"), (None, None)],
)  # fmt: skip
def test_days_are_rounded_half_up_to_a_tenth(value: Fraction | None, rounded: str | None):
    assert core.round_days(value) == (None if rounded is None else Decimal(rounded))


def test_dso_is_null_without_sales_in_the_90_days_and_cei_without_a_positive_base():
    # 300.00 open since 2025-10-01; nothing invoiced since, nothing paid.
    old = invoices((1, "USD", "2025-10-01", "2025-10-31", 30000, 30000, None))
    (fig,) = core.figures(old, allocations(), D("2026-03-10"))
    assert fig.dso_days is None and fig.best_possible_dso_days is None and fig.add_days is None
    assert fig.cei_percent == Decimal("0.0")  # (300 + 0 - 300) / (300 + 0 - 0)
    assert fig.as_json()["aging"]["90+"] == "300.00"
    # A currency with all invoices issued after the date does not appear at all.
    assert core.figures(old, allocations(), D("2025-09-30")) == []


def test_figures_per_currency_are_kept_apart():
    # EUR: 100.00 issued 03-01 due 03-31, 40.00 paid 03-05. JPY: 5000 yen, 0 decimals.
    ledger = invoices(
        (1, "EUR", "2026-03-01", "2026-03-31", 10000, 6000, None),
        (2, "JPY", "2026-03-01", "2026-03-02", 5000, 5000, None),
    )
    eur, jpy = core.figures(ledger, allocations((1, 4000, "2026-03-05", None)), D("2026-03-10"))
    # EUR: open 60, all current; sales 100 -> DSO = 60 x 90 / 100 = 54.0 = best, ADD 0.
    # CEI: start (02-08) 0, invoiced 100, end 60, current 60 -> 40 / 40 = 100.0
    assert (eur.currency, eur.open_minor, eur.overdue_minor) == ("EUR", 6000, 0)
    assert (eur.dso_days, eur.add_days, eur.cei_percent) == (
        Decimal("54.0"), Decimal("0.0"), Decimal("100.0"),
    )  # fmt: skip
    # JPY: 8 days past due; DSO = 5000 x 90 / 5000 = 90.0; best 0; CEI 0 / 5000 = 0.0
    assert jpy.as_json()["open"] == "5000" and jpy.as_json()["aging"]["1-30"] == "5000"
    assert (jpy.dso_days, jpy.best_possible_dso_days, jpy.cei_percent) == (
        Decimal("90.0"), Decimal("0.0"), Decimal("0.0"),
    )  # fmt: skip


SALES = pl.DataFrame(
    {"issue_date": [D("2026-01-20"), D("2026-02-15"), D("2026-03-01")],
     "amount_minor": [150000, 60000, 20000]},
)  # fmt: skip


@pytest.mark.parametrize(
    ("open_minor", "days"),
    [
        (0, None),
        (10000, "5.0"),  # March 1-10 sells 200: 10 x 100 / 200
        (20000, "10.0"),  # exactly March's sales
        (50000, "24.0"),  # 10 + February 28 x 300 / 600
        (208000, "64.5"),  # 10 + 28 + 31 x 1280 / 1500 (the hand ledger)
        # more than all sales: 24 months counted and no more, March 1-10 plus the
        # 699 days of 2024-04-01 .. 2026-02-28
        (300000, "709.0"),
    ],
)
def test_countback_dso_counts_whole_months_back(open_minor: int, days: str | None):
    monthly = habits.monthly_sales(SALES.with_columns(pl.lit("EUR").alias("currency")))
    result = habits.countback_dso(open_minor, monthly, D("2026-03-10"))
    assert result == (None if days is None else Decimal(days))


def test_collected_per_week_leaves_out_reversed_and_later_payments():
    payments = pl.DataFrame(
        {
            "currency": ["EUR", "EUR", "EUR", "EUR"],
            "amount_minor": [1000, 2000, 4000, 8000],
            "paid_on": [D("2026-03-02"), D("2026-03-04"), D("2026-03-09"), D("2026-03-11")],
            "reversed_on": [None, D("2026-03-06"), None, None],
        }
    )
    weeks = habits.collected_per_week(payments, D("2026-03-10"))
    assert weeks.height == habits.WEEKS
    got = {w: m for _, w, m, _ in weeks.iter_rows() if m}
    # 03-02 counted; 03-04 reversed 03-06; 03-09 counted in the week of 03-09; 03-11 later
    assert got == {D("2026-03-02"): 1000, D("2026-03-09"): 4000}


def test_arrangements_at_a_date():
    promises = pl.DataFrame(
        {
            "created_on": [D("2026-02-01"), D("2026-02-10"), D("2026-03-01"), D("2025-10-01")],
            "status": ["kept", "broken", "kept", "kept"],
            "closed_on": [D("2026-02-15"), D("2026-02-20"), D("2026-03-12"), D("2025-10-10")],
        }
    )
    plans = pl.DataFrame(
        {"plan_pk": [1, 2, 3], "status": ["active", "active", "cancelled"],
         "created_on": [D("2026-01-01")] * 3},
    )  # fmt: skip
    installments = pl.DataFrame(
        {"plan_pk": [1, 1, 2], "due_date": [D("2026-02-01"), D("2026-04-01"), D("2026-02-01")],
         "amount_minor": [100, 100, 100], "paid_minor": [100, 0, 50]},
    )  # fmt: skip
    disputes = pl.DataFrame(
        {"opened_on": [D("2026-02-01"), D("2026-03-01"), D("2026-03-05")],
         "closed_on": [D("2026-02-11"), D("2026-03-05"), None]},
    )  # fmt: skip
    got = habits.arrangements(promises, plans, installments, disputes, D("2026-03-10"))
    # 3 promises made in 90 days; kept 1 and broken 1 by 03-10 (the third closes later)
    assert (got["promises_made"], got["promises_kept_percent"]) == (3, 50.0)
    # plan 2's February installment is short: 1 of 2 active plans on track
    assert (got["plans_active"], got["plans_on_track_percent"]) == (2, 50.0)
    # one dispute open; resolved in 10 and 4 days -> 7.0
    assert (got["disputes_open"], got["days_to_resolve"]) == (1, 7.0)


def test_opt_outs_take_the_latest_consent_by_the_date():
    consents = pl.DataFrame(
        {
            "customer_pk": [1, 1, 2, 3],
            "channel": ["sms", "sms", "sms", "email"],
            "granted": [False, True, False, False],
            "recorded_on": [D("2026-01-01"), D("2026-03-01"), D("2026-02-01"), D("2026-04-01")],
            "seq": [1, 2, 3, 4],
        }
    )
    at = habits.opt_outs(consents, D("2026-03-10"))
    assert dict(at.iter_rows()) == {"sms": 1}  # customer 1 granted again; 3 is later
    assert dict(habits.opt_outs(consents, D("2026-02-10")).iter_rows()) == {"sms": 2}
