"""The figures beyond DESIGN 4.6, pure over frames: countback DSO, how customers pay,
cash collected per week, promises, plans, disputes and opt-outs at a date."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import polars as pl

from creditflow.analytics.core import DSO_WINDOW_DAYS, round_days

COUNTBACK_MONTHS = 24
WEEKS = 8
NO_SEGMENT = "(none)"


def _month_start(day: date) -> date:
    return day.replace(day=1)


def monthly_sales(invoices: pl.DataFrame) -> pl.DataFrame:
    """Amount invoiced per currency and calendar month (`month` = its first day)."""
    return (
        invoices.with_columns(pl.col("issue_date").dt.truncate("1mo").alias("month"))
        .group_by("currency", "month")
        .agg(pl.col("amount_minor").sum())
    )


def countback_dso(open_minor: int, monthly: pl.DataFrame, as_of: date) -> Decimal | None:
    """Countback DSO: the days of sales, counted back month by month, that make up the open amount.

    The first period is the month of `as_of` up to and including it, then whole
    calendar months back (at most 24). A month whose sales exceed what is left adds
    its days x left / sales; otherwise all its days. `monthly` is `monthly_sales` of
    one currency's invoices issued on or before `as_of`. None when nothing is open.
    """
    if open_minor <= 0:
        return None
    sales_of = {m: int(v) for m, v in monthly.select("month", "amount_minor").iter_rows()}
    left = Fraction(open_minor)
    total = Fraction(0)
    end = as_of
    for _ in range(COUNTBACK_MONTHS):
        start = _month_start(end)
        days = (end - start).days + 1
        sales = sales_of.get(start, 0)
        if sales >= left:
            total += days * left / sales
            return round_days(total)
        total += days
        left -= sales
        end = start - timedelta(days=1)
    return round_days(total)


def payment_habits(opened: pl.DataFrame, customers: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Average days to pay and days late per currency and segment, of invoices settled
    in the 90 days ending at `as_of` (settled: open 0 at `as_of`, `paid_on` in the window).

    days to pay = paid_on - issue_date; days late = paid_on - due_date (negative: early).
    `opened` is `core.open_at(..., as_of)`; `customers` has customer_pk and segment.
    """
    since = as_of - timedelta(days=DSO_WINDOW_DAYS)
    paid = opened.filter(
        (pl.col("open_at_minor") == 0)
        & (pl.col("amount_minor") > 0)
        & pl.col("paid_on").is_not_null()
        & (pl.col("paid_on") > since)
        & (pl.col("paid_on") <= as_of)
    ).join(customers.select("customer_pk", "segment"), on="customer_pk", how="left")
    paid = paid.with_columns(
        pl.col("segment").fill_null(NO_SEGMENT),
        (pl.col("paid_on") - pl.col("issue_date")).dt.total_days().alias("to_pay"),
        (pl.col("paid_on") - pl.col("due_date")).dt.total_days().alias("late"),
    )
    grouped = paid.group_by("currency", "segment").agg(
        pl.len().alias("invoices"),
        pl.col("to_pay").sum().alias("to_pay_sum"),
        pl.col("late").sum().alias("late_sum"),
    )
    rows = []
    for currency, segment, n, to_pay, late in grouped.sort("currency", "segment").iter_rows():
        rows.append(
            {
                "currency": currency,
                "segment": segment,
                "invoices_paid": n,
                "days_to_pay": float(round_days(Fraction(int(to_pay), n)) or 0),
                "days_late": float(round_days(Fraction(int(late), n)) or 0),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "currency": pl.Utf8,
            "segment": pl.Utf8,
            "invoices_paid": pl.Int64,
            "days_to_pay": pl.Float64,
            "days_late": pl.Float64,
        },
    )


def collected_per_week(payments: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Money received per currency per week (Monday start) for the 8 weeks up to `as_of`.

    A payment counts on its date unless it was reversed on or before `as_of`.
    `payments` has currency, amount_minor, paid_on and reversed_on.
    """
    first = as_of - timedelta(days=as_of.weekday() + 7 * (WEEKS - 1))
    counted = payments.filter(
        (pl.col("paid_on") >= first)
        & (pl.col("paid_on") <= as_of)
        & (pl.col("reversed_on").is_null() | (pl.col("reversed_on") > as_of))
    )
    weeks = pl.DataFrame(
        {"week": [first + timedelta(days=7 * k) for k in range(WEEKS)]},
        schema={"week": pl.Date},
    )
    currencies = counted.select("currency").unique()
    sums = (
        counted.with_columns(pl.col("paid_on").dt.truncate("1w").alias("week"))
        .group_by("currency", "week")
        .agg(pl.col("amount_minor").sum().alias("collected_minor"), pl.len().alias("payments"))
    )
    return (
        currencies.join(weeks, how="cross")
        .join(sums, on=["currency", "week"], how="left")
        .with_columns(pl.col("collected_minor", "payments").fill_null(0))
        .sort("currency", "week")
    )


def _kept_percent(kept: int, broken: int) -> float | None:
    if kept + broken == 0:
        return None
    return float(round_days(Fraction(kept * 100, kept + broken)) or 0)


def arrangements(
    promises: pl.DataFrame,
    plans: pl.DataFrame,
    installments: pl.DataFrame,
    disputes: pl.DataFrame,
    as_of: date,
) -> dict[str, Any]:
    """Promises made and kept %, plans on track %, disputes open and days to resolve.

    Promises: made in the 90 days ending at `as_of`; kept % = kept / (kept + broken)
    of those decided by `as_of`. Plans: active now and agreed by `as_of`; on track
    when no installment due before `as_of` is short (installments keep only what is
    paid today, so this one is today's view). Disputes: open at the end of `as_of`;
    days to resolve = average of closed - opened over those closed in the 90 days.
    """
    since = as_of - timedelta(days=DSO_WINDOW_DAYS)
    made = promises.filter((pl.col("created_on") > since) & (pl.col("created_on") <= as_of))
    decided = made.filter(pl.col("closed_on").is_not_null() & (pl.col("closed_on") <= as_of))
    kept = decided.filter(pl.col("status") == "kept").height
    broken = decided.filter(pl.col("status") == "broken").height
    active = plans.filter((pl.col("status") == "active") & (pl.col("created_on") <= as_of))
    short = (
        installments.filter(
            (pl.col("due_date") < as_of) & (pl.col("paid_minor") < pl.col("amount_minor"))
        )
        .select("plan_pk")
        .unique()
    )
    behind = active.join(short, on="plan_pk", how="semi").height
    on_track = active.height - behind
    open_disputes = disputes.filter(
        (pl.col("opened_on") <= as_of)
        & (pl.col("closed_on").is_null() | (pl.col("closed_on") > as_of))
    ).height
    closed = disputes.filter(
        pl.col("closed_on").is_not_null()
        & (pl.col("closed_on") > since)
        & (pl.col("closed_on") <= as_of)
    )
    resolve = None
    if closed.height:
        total = int((closed["closed_on"] - closed["opened_on"]).dt.total_days().sum())
        resolve = float(round_days(Fraction(total, closed.height)) or 0)
    return {
        "promises_made": made.height,
        "promises_kept": kept,
        "promises_broken": broken,
        "promises_kept_percent": _kept_percent(kept, broken),
        "plans_active": active.height,
        "plans_on_track": on_track,
        "plans_on_track_percent": (
            None
            if active.height == 0
            else float(round_days(Fraction(on_track * 100, active.height)) or 0)
        ),
        "disputes_open": open_disputes,
        "disputes_resolved": closed.height,
        "days_to_resolve": resolve,
    }


def opt_outs(consents: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Customers opted out per channel at the end of `as_of`: their latest consent
    row on that channel by then is a withdrawal. `consents`: customer_pk, channel,
    granted, recorded_on, seq (the row id, to order rows of one day)."""
    latest = (
        consents.filter(pl.col("recorded_on") <= as_of)
        .sort("recorded_on", "seq")
        .group_by("customer_pk", "channel")
        .agg(pl.col("granted").last())
    )
    return (
        latest.filter(~pl.col("granted"))
        .group_by("channel")
        .agg(pl.len().alias("customers"))
        .sort("channel")
    )
