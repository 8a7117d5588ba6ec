"""Cash forecast from the risk model, customers' timing and the ledger's lateness curve, pure.

Each invoice open at the date D (open amount A, o = D - due days overdue) is spread
over the weeks by probability (expected value per week), not put in one week:

- not yet due (o < 0): A x (1 - p_late) on due + the customer's on-time offset (their
  mean paid_on - due when on time, early negative), A x p_late on due + the customer's
  mean days late when late (p_late: the risk model's);
- overdue, the customer's usual late day still ahead (0 <= o < late days): A on it;
- overdue past it: week k gets A x (S(o+7(k-1)) - S(o+7k)) / S(o), where S(t) is the
  ledger's lateness curve, the share of late money still unpaid t days after its due
  date. Debt 200 days overdue gets the ledger's own weekly chance for money that old
  (small on most ledgers), not all of it in week 1.

Week k covers D+1+7(k-1) .. D+7k; `later` (week 9) is the rest of the open amount,
including what is expected never to come. S comes from `lateness_curve`: a piecewise
constant daily hazard per band of days late, amount-weighted, over the late invoices
due in the 730 days before D (those still open at D count as unpaid up to D, censored).
docs/analytics.md ("Cash forecast") has the formula and a worked example.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from creditflow.analytics.forecast import WEEKS, week_grid

CURVE_DAYS = 3650
"""The curve is tabled up to ten years late; beyond, it is flat (nothing more expected)."""
CURVE_HISTORY_DAYS = 730
BAND_STARTS = (1, 8, 15, 22, 29, 43, 57, 91, 181, 366)
"""Bands of days late with one daily hazard each: weekly for a month, then wider."""
MAX_DAILY_HAZARD = 0.5
UNSCORED_P_LATE = 0.5
DEFAULT_LATE_DAYS = 7.0


def lateness_curve(ledger: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """S(t), the share of late money still unpaid t days after its due date (t = 0..CURVE_DAYS).

    `ledger`: the invoices as known at `as_of` (due_date, paid_on null while open,
    amount_minor). Late invoices due in the CURVE_HISTORY_DAYS before `as_of` take part;
    each band's daily hazard is paid money / money-days at risk in the band. Empty
    (no rows) when the history has no late invoice.
    """
    since = as_of - timedelta(days=CURVE_HISTORY_DAYS)
    late = ledger.filter(
        (pl.col("due_date") >= since)
        & (pl.col("due_date") < as_of)
        & (pl.col("amount_minor") > 0)
        & (pl.col("paid_on").is_null() | (pl.col("paid_on") > pl.col("due_date")))
    ).select(
        pl.col("amount_minor").cast(pl.Float64).alias("weight"),
        pl.when(pl.col("paid_on").is_not_null() & (pl.col("paid_on") <= as_of))
        .then((pl.col("paid_on") - pl.col("due_date")).dt.total_days())
        .alias("paid_day"),
        (pl.lit(as_of) - pl.col("due_date")).dt.total_days().alias("seen_day"),
    )
    if late.height == 0:
        return pl.DataFrame(schema={"day": pl.Int64, "unpaid": pl.Float64})
    ends = [*(s - 1 for s in BAND_STARTS[1:]), CURVE_DAYS]
    bands = pl.DataFrame(
        {"band_start": BAND_STARTS, "band_end": ends},
        schema={"band_start": pl.Int64, "band_end": pl.Int64},
    )
    last = pl.coalesce("paid_day", "seen_day")
    exposed = (pl.min_horizontal(last, pl.col("band_end")) - pl.col("band_start") + 1).clip(
        lower_bound=0
    )
    paid_here = pl.col("paid_day").is_between(pl.col("band_start"), pl.col("band_end"))
    hazards = (
        late.join(bands, how="cross")
        .group_by("band_start")
        .agg(
            (pl.col("weight") * exposed).sum().alias("money_days"),
            pl.col("weight").filter(paid_here).sum().alias("paid"),
        )
        .sort("band_start")
        .with_columns(
            pl.when(pl.col("money_days") > 0)
            .then((pl.col("paid") / pl.col("money_days")).clip(upper_bound=MAX_DAILY_HAZARD))
            .forward_fill()
            .alias("hazard")
        )
    )
    if hazards.get_column("hazard").null_count() == hazards.height:
        return pl.DataFrame(schema={"day": pl.Int64, "unpaid": pl.Float64})
    days = pl.DataFrame({"day": range(1, CURVE_DAYS + 1)}, schema={"day": pl.Int64})
    daily = days.join_asof(
        hazards.select(pl.col("band_start").alias("day"), pl.col("hazard").fill_null(0.0)),
        on="day",
    )
    curve = daily.select("day", (1.0 - pl.col("hazard")).cum_prod().alias("unpaid"))
    return pl.concat([pl.DataFrame({"day": [0], "unpaid": [1.0]}), curve])


def customer_timing(ledger: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Per customer: when they pay when on time and when late, from the settled history.

    Over the invoices settled in the CURVE_HISTORY_DAYS before `as_of` (`ledger` as known
    then): `on_time_offset`, the mean (paid_on - due date) of those paid on or before the
    due date (0 or negative), and `late_days`, the mean days late of those paid late; a
    customer without such payments gets the ledger's mean, or 0 and 7 days when none.
    A row with customer_pk null carries the ledger's means.
    """
    since = as_of - timedelta(days=CURVE_HISTORY_DAYS)
    offset = (pl.col("paid_on") - pl.col("due_date")).dt.total_days().cast(pl.Float64)
    settled = ledger.filter(
        pl.col("paid_on").is_not_null()
        & (pl.col("paid_on") <= as_of)
        & (pl.col("paid_on") > since)
        & (pl.col("amount_minor") > 0)
    ).with_columns(offset.alias("offset"))
    on_time = pl.col("offset").filter(pl.col("offset") <= 0).mean()
    late = pl.col("offset").filter(pl.col("offset") > 0).mean()
    own = settled.group_by("customer_pk").agg(
        on_time.alias("on_time_offset"), late.alias("late_days")
    )
    overall = settled.select(
        pl.lit(None, pl.Int64).alias("customer_pk"),
        on_time.fill_null(0.0).alias("on_time_offset"),
        late.fill_null(DEFAULT_LATE_DAYS).alias("late_days"),
    )
    return pl.concat([own, overall])


def _week_of(day: pl.Expr, as_of: date) -> pl.Expr:
    """Week 1-8 of a day after `as_of` (a day on or before it: week 1), 9 for later."""
    ahead = (day - pl.lit(as_of)).dt.total_days()
    return pl.when(ahead <= 0).then(1).otherwise((ahead - 1) // 7 + 1).clip(upper_bound=WEEKS + 1)


def risk_forecast(
    opened: pl.DataFrame,
    scored: pl.DataFrame,
    timing: pl.DataFrame,
    curve: pl.DataFrame,
    as_of: date,
) -> pl.DataFrame:
    """Expected receipts per currency and week (1-8, `later` as 9), spread by probability.

    `opened` is `core.open_at(..., as_of)`; `scored` has invoice_pk and p_late (the risk
    model's, at `as_of`); `timing` is `customer_timing`, `curve` `lateness_curve`. Same
    columns as `forecast.cash_forecast`: currency, week, week_from, expected_minor,
    invoices (the invoices with at least half a minor unit expected in that week).
    """
    overall = timing.filter(pl.col("customer_pk").is_null())
    own = timing.filter(pl.col("customer_pk").is_not_null())
    late_days = pl.coalesce("late_days", pl.lit(overall["late_days"][0]))
    early = pl.coalesce("on_time_offset", pl.lit(overall["on_time_offset"][0]))
    open_now = (
        opened.filter(pl.col("open_at_minor") > 0)
        .join(scored.select("invoice_pk", "p_late"), on="invoice_pk", how="left")
        .join(own, on="customer_pk", how="left")
        .select(
            "invoice_pk",
            "currency",
            "due_date",
            pl.col("open_at_minor").cast(pl.Float64).alias("open"),
            (pl.lit(as_of) - pl.col("due_date")).dt.total_days().alias("overdue"),
            pl.col("p_late").fill_null(UNSCORED_P_LATE).cast(pl.Float64),
            late_days.round(0).cast(pl.Int64).clip(lower_bound=1).alias("late_days"),
            early.round(0).cast(pl.Int64).clip(upper_bound=0).alias("early"),
        )
    )
    usual_late = pl.col("due_date") + pl.duration(days=pl.col("late_days"))
    ahead = pl.col("overdue") < pl.col("late_days")  # the customer's usual late day is ahead
    not_due = pl.col("overdue") < 0
    points = pl.concat(
        [
            open_now.filter(not_due).select(
                "invoice_pk",
                "currency",
                _week_of(pl.col("due_date") + pl.duration(days=pl.col("early")), as_of).alias(
                    "week"
                ),
                (pl.col("open") * (1.0 - pl.col("p_late"))).alias("expected"),
            ),
            open_now.filter(ahead).select(
                "invoice_pk",
                "currency",
                _week_of(usual_late, as_of).alias("week"),
                (pl.col("open") * pl.when(not_due).then(pl.col("p_late")).otherwise(1.0)).alias(
                    "expected"
                ),
            ),
        ]
    )
    steps = pl.DataFrame({"step": range(WEEKS + 1)}, schema={"step": pl.Int64})
    before = pl.col("unpaid").shift(1).over("invoice_pk")
    start = pl.col("unpaid").first().over("invoice_pk")
    spread = (
        open_now.filter(~ahead)
        .join(steps, how="cross")
        .with_columns((pl.col("overdue") + 7 * pl.col("step")).clip(0, CURVE_DAYS).alias("t"))
        .join(curve.rename({"day": "t"}), on="t", how="left")
        .sort("invoice_pk", "step")
        .with_columns((pl.col("open") * (before - pl.col("unpaid")) / start).alias("expected"))
        .filter(pl.col("step") > 0)
        .select("invoice_pk", "currency", pl.col("step").alias("week"), "expected")
    )
    expected = pl.concat([points.with_columns(pl.col("week").cast(pl.Int64)), spread]).filter(
        pl.col("week") <= WEEKS
    )
    per_week = expected.group_by("currency", "week").agg(
        pl.col("expected").sum().round(0).cast(pl.Int64).alias("expected_minor"),
        (pl.col("expected") >= 0.5).sum().cast(pl.UInt32).alias("invoices"),
    )
    within = expected.group_by("invoice_pk").agg(pl.col("expected").sum().alias("within"))
    later = (
        open_now.join(within, on="invoice_pk", how="left")
        .group_by("currency")
        .agg(
            pl.col("open").sum().round(0).cast(pl.Int64).alias("open"),
            ((pl.col("open") - pl.col("within").fill_null(0.0)) >= 0.5)
            .sum()
            .cast(pl.UInt32)
            .alias("invoices"),
        )
        .join(
            per_week.group_by("currency").agg(pl.col("expected_minor").sum().alias("weeks")),
            on="currency",
            how="left",
        )
        .select(
            "currency",
            pl.lit(WEEKS + 1, pl.Int64).alias("week"),
            (pl.col("open") - pl.col("weeks").fill_null(0)).alias("expected_minor"),
            "invoices",
        )
    )
    return week_grid(pl.concat([per_week, later]), as_of)
