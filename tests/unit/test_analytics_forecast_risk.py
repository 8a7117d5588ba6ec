"""The cash forecast with the risk model: the lateness curve, customers' timing and the
spread over the weeks, hand-computed (docs/analytics.md, "Cash forecast")."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from creditflow.analytics import core, forecast_risk

D = date.fromisoformat
AS_OF = D("2026-03-10")
HALF_A_WEEK = 1 - 0.5 ** (1 / 7)  # a daily hazard that halves what is unpaid every 7 days


def _ledger(*rows: tuple[int, int | None, int]) -> pl.DataFrame:
    """(days the due date is before AS_OF, days after due it was paid or None, amount)."""
    return pl.DataFrame(
        [
            (
                AS_OF - timedelta(days=back),
                None if paid is None else AS_OF - timedelta(days=back) + timedelta(days=paid),
                amount,
            )
            for back, paid, amount in rows
        ],
        schema={"due_date": pl.Date, "paid_on": pl.Date, "amount_minor": pl.Int64},
        orient="row",
    )


def _curve(hazard: float, until: int = forecast_risk.CURVE_DAYS) -> pl.DataFrame:
    """S(t) for a constant daily hazard up to day `until`, flat after it."""
    unpaid = [(1 - hazard) ** min(t, until) for t in range(forecast_risk.CURVE_DAYS + 1)]
    return pl.DataFrame({"day": range(forecast_risk.CURVE_DAYS + 1), "unpaid": unpaid})


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        # Two late invoices of 100 due 20 days ago: one paid 3 days late, one still open.
        # Days 1-7: 300 + 700 money-days at risk, 100 paid: hazard 0.1; after: nothing paid.
        ([(20, 3, 100), (20, None, 100)], {0: 1.0, 1: 0.9, 7: 0.9**7, 30: 0.9**7}),
        # Money-weighted, one hazard per band: 300 paid on day 1; days 1-7 had 300 x 1 +
        # 100 x 7 money-days at risk: 0.3 a day, so 0.7 unpaid after day 1, 0.49 after 2.
        ([(10, 1, 300), (10, None, 100)], {1: 0.7, 2: 0.49}),
        # Paid on time or early, not yet due, or a credit note: not late, so no curve.
        ([(20, 0, 100), (20, -5, 100), (-3, None, 100), (20, None, -100)], {}),
        # Due 800 days ago: outside the 730 days of history.
        ([(800, 10, 100)], {}),
    ],
)
def test_the_lateness_curve_is_the_share_of_late_money_still_unpaid(rows, expected):
    curve = forecast_risk.lateness_curve(_ledger(*rows), AS_OF)
    if not expected:
        assert curve.height == 0
        return
    got = dict(curve.iter_rows())
    assert got == pytest.approx(got | expected)
    assert curve.height == forecast_risk.CURVE_DAYS + 1


def test_each_customer_pays_on_time_and_late_by_their_own_habit():
    ledger = pl.DataFrame(
        [
            (1, D("2026-02-01"), D("2026-01-28"), 100),  # 4 early
            (1, D("2026-02-10"), D("2026-02-08"), 100),  # 2 early
            (1, D("2026-01-01"), D("2026-01-11"), 100),  # 10 late
            (2, D("2026-01-01"), D("2026-01-21"), 100),  # 20 late, never on time
            (3, D("2026-02-01"), None, 100),  # open: no habit
            (4, D("2026-03-01"), D("2026-03-20"), 100),  # paid after AS_OF: unknown then
        ],
        schema={"customer_pk": pl.Int64, "due_date": pl.Date, "paid_on": pl.Date,
                "amount_minor": pl.Int64},
        orient="row",
    )  # fmt: skip
    timing = forecast_risk.customer_timing(ledger, AS_OF)
    got = {pk: (early, late) for pk, early, late in timing.iter_rows()}
    assert got == {
        1: (-3.0, 10.0),
        2: (None, 20.0),
        None: (-3.0, 15.0),  # the ledger: on time -4, -2; late 10, 20
    }
    empty = forecast_risk.customer_timing(ledger.clear(), AS_OF)
    assert empty.rows() == [(None, 0.0, forecast_risk.DEFAULT_LATE_DAYS)]


def _opened(*rows: tuple[int, int, int, int]) -> pl.DataFrame:
    """(invoice, customer, days from AS_OF to the due date, open amount)."""
    return pl.DataFrame(
        [
            (pk, customer, "EUR", D("2026-01-01"), AS_OF + timedelta(days=ahead), amount,
             amount, None, amount)
            for pk, customer, ahead, amount in rows
        ],
        schema={**core.INVOICE_SCHEMA, "open_at_minor": pl.Int64},
        orient="row",
    )  # fmt: skip


TIMING = pl.DataFrame(
    {"customer_pk": [1, None], "on_time_offset": [-3.0, -1.0], "late_days": [14.0, 20.0]},
    schema={"customer_pk": pl.Int64, "on_time_offset": pl.Float64, "late_days": pl.Float64},
)


@pytest.mark.parametrize(
    ("invoice", "p_late", "curve", "weeks"),
    [
        # Due in 10 days, p_late 0.25: 75 % on due - 3 (day 7, week 1), 25 % on due + 14
        # (day 24, week 4).
        ((1, 1, 10, 10_000), 0.25, _curve(HALF_A_WEEK), {1: 7_500, 4: 2_500}),
        # The same for a customer without history: the ledger's -1 and 20 days: day 9
        # (week 2) and day 30 (week 5).
        ((1, 2, 10, 10_000), 0.25, _curve(HALF_A_WEEK), {2: 7_500, 5: 2_500}),
        # Not scored by the model: half and half.
        ((1, 1, 10, 10_000), None, _curve(HALF_A_WEEK), {1: 5_000, 4: 5_000}),
        # 5 days overdue, the customer's usual 14 days late still ahead (day 9): week 2.
        ((1, 1, -5, 10_000), 0.99, _curve(HALF_A_WEEK), {2: 10_000}),
        # 30 days overdue, past the usual day: the curve halves what is left each week,
        # so week k gets 1/2^k, and later the last 1/256.
        (
            (1, 1, -30, 25_600),
            0.99,
            _curve(HALF_A_WEEK),
            {1: 12_800, 2: 6_400, 3: 3_200, 4: 1_600, 5: 800, 6: 400, 7: 200, 8: 100, 9: 100},
        ),
        # The same curve has no memory: 200 days overdue, the same weeks.
        (
            (1, 1, -200, 25_600),
            0.99,
            _curve(HALF_A_WEEK),
            {1: 12_800, 2: 6_400, 3: 3_200, 4: 1_600, 5: 800, 6: 400, 7: 200, 8: 100, 9: 100},
        ),
        # A ledger whose late money only ever came in the first 28 days late: debt 200
        # days overdue is not expected at all in 8 weeks ...
        ((1, 1, -200, 25_600), 0.99, _curve(HALF_A_WEEK, until=28), {9: 25_600}),
        # ... and debt 21 days overdue only in its week 1 (days 22-28): half of 1 - 1/2.
        ((1, 1, -21, 25_600), 0.99, _curve(HALF_A_WEEK, until=28), {1: 12_800, 9: 12_800}),
        # Due far ahead (day 100): everything later.
        ((1, 1, 100, 10_000), 0.25, _curve(HALF_A_WEEK), {9: 10_000}),
    ],
)
def test_an_invoice_is_spread_over_the_weeks_by_probability(invoice, p_late, curve, weeks):
    scored = pl.DataFrame(
        {"invoice_pk": [] if p_late is None else [invoice[0]],
         "p_late": [] if p_late is None else [p_late]},
        schema={"invoice_pk": pl.Int64, "p_late": pl.Float64},
    )  # fmt: skip
    got = forecast_risk.risk_forecast(_opened(invoice), scored, TIMING, curve, AS_OF)
    assert got.columns == ["currency", "week", "week_from", "expected_minor", "invoices"]
    assert got.height == 9 and got["week_from"][0] == D("2026-03-11")
    amounts = {w: m for _, w, _, m, _ in got.iter_rows() if m}
    assert amounts == pytest.approx(weeks, abs=1)
    assert sum(amounts.values()) == invoice[3]  # later is what the weeks leave
    assert {w: n for _, w, _, _, n in got.iter_rows() if n} == dict.fromkeys(weeks, 1)


def test_weeks_add_up_per_currency_and_count_the_invoices_in_them():
    opened = _opened((1, 1, 10, 10_000), (2, 1, 12, 30_000), (3, 2, 0, 0))
    opened = pl.concat([opened, _opened((4, 1, 3, 5_000)).with_columns(
        pl.lit("USD").alias("currency"))])  # fmt: skip
    scored = pl.DataFrame({"invoice_pk": [1, 2, 4], "p_late": [0.0, 0.0, 0.0]})
    got = forecast_risk.risk_forecast(opened, scored, TIMING, _curve(HALF_A_WEEK), AS_OF)
    eur = got.filter(pl.col("currency") == "EUR")
    # 10 - 3 = day 7 (week 1), 12 - 3 = day 9 (week 2); invoice 3 is settled (open 0)
    assert eur.filter(pl.col("expected_minor") > 0).select("week", "expected_minor",
                                                           "invoices").rows() == [
        (1, 10_000, 1), (2, 30_000, 1)]  # fmt: skip
    usd = got.filter(pl.col("currency") == "USD")
    assert usd.filter(pl.col("week") == 1).row(0)[3:] == (5_000, 1)  # due - 3 = day 0: week 1
