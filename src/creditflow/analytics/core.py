"""The receivables figures of DESIGN 4.6, as pure functions over Polars frames.

No database and no clock: the frames come from `analytics.service` (or a test) and
the date is an argument. Every amount is in integer minor units; days are exact
fractions until they are rounded half-up to 0.1 day at the very end.

"Open at a date" is reconstructed, not read: an invoice counts from its issue date;
a payment lowers it from the payment's date (`paid_at`), and a payment the bank
took back counts only until the day it was reversed. What the ledger was told was
settled without a recorded payment (imported as paid, written off, or an open
amount given in the file) counts from the invoice's `paid_on` when it has one, else
from its issue date. See docs/analytics.md for each formula with a worked example.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import polars as pl

from creditflow.money import from_minor

INVOICE_SCHEMA: dict[str, Any] = {
    "invoice_pk": pl.Int64,
    "customer_pk": pl.Int64,
    "currency": pl.Utf8,
    "issue_date": pl.Date,
    "due_date": pl.Date,
    "amount_minor": pl.Int64,
    "open_minor": pl.Int64,
    "paid_on": pl.Date,
}
"""The invoice columns the figures need (`open_minor` is today's open amount)."""

ALLOCATION_SCHEMA: dict[str, Any] = {
    "invoice_pk": pl.Int64,
    "amount_minor": pl.Int64,
    "paid_on": pl.Date,
    "reversed_on": pl.Date,
}
"""One part of a payment applied to an invoice, with the payment's date and reversal."""

CREDIT_SCHEMA: dict[str, Any] = {
    "invoice_pk": pl.Int64,
    "amount_minor": pl.Int64,
    "credited_on": pl.Date,
}
"""What a credit note took off an invoice's open amount (`applied_minor`), and its date."""

AGING_BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")
DSO_WINDOW_DAYS = 90
CEI_WINDOW_DAYS = 30
TENTH = Decimal("0.1")


def round_days(value: Fraction | None) -> Decimal | None:
    """A number of days (or a percentage) rounded half-up to 0.1; None stays None."""
    if value is None:
        return None
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(TENTH, rounding=ROUND_HALF_UP)


def open_at(
    invoices: pl.DataFrame,
    allocations: pl.DataFrame,
    day: date,
    credits: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The invoices issued on or before `day` with their open amount at the end of that day.

    open(day) = open today
              + allocations of payments paid after `day` (not reversed)
              - allocations of payments paid by `day` but reversed after it
              + credit notes dated after `day` (what they took off the invoice)
              + the unrecorded settlement, if it is dated after `day`
    where the unrecorded settlement = amount - open today - allocations not reversed
    - credit notes (`credits`, CREDIT_SCHEMA; none when not given).
    """
    if credits is None:
        credits = pl.DataFrame(schema=CREDIT_SCHEMA)
    credited = credits.group_by("invoice_pk").agg(
        pl.col("amount_minor").sum().alias("_credited"),
        pl.col("amount_minor").filter(pl.col("credited_on") > day).sum().alias("_credit_later"),
    )
    recorded = allocations.filter(pl.col("reversed_on").is_null())
    explained = recorded.group_by("invoice_pk").agg(pl.col("amount_minor").sum().alias("_all"))
    later = (
        recorded.filter(pl.col("paid_on") > day)
        .group_by("invoice_pk")
        .agg(pl.col("amount_minor").sum().alias("_later"))
    )
    undone = (
        allocations.filter(
            pl.col("reversed_on").is_not_null()
            & (pl.col("paid_on") <= day)
            & (pl.col("reversed_on") > day)
        )
        .group_by("invoice_pk")
        .agg(pl.col("amount_minor").sum().alias("_undone"))
    )
    issued = invoices.filter(pl.col("issue_date") <= day)
    frame = (
        issued.join(explained, on="invoice_pk", how="left")
        .join(later, on="invoice_pk", how="left")
        .join(undone, on="invoice_pk", how="left")
        .join(credited, on="invoice_pk", how="left")
        .with_columns(
            pl.col("_all", "_later", "_undone", "_credited", "_credit_later").fill_null(0)
        )
    )
    unrecorded = (
        pl.col("amount_minor") - pl.col("open_minor") - pl.col("_all") - pl.col("_credited")
    )
    settled_on = pl.coalesce(pl.col("paid_on"), pl.col("issue_date"))
    open_then = (
        pl.col("open_minor")
        + pl.col("_later")
        - pl.col("_undone")
        + pl.col("_credit_later")
        + pl.when(settled_on > day).then(unrecorded).otherwise(0)
    )
    return frame.with_columns(open_then.alias("open_at_minor")).drop(
        "_all", "_later", "_undone", "_credited", "_credit_later"
    )


def aging_bucket(days_past_due: pl.Expr) -> pl.Expr:
    """The aging bucket of a number of days past due (0 or fewer is `current`)."""
    return (
        pl.when(days_past_due <= 0)
        .then(pl.lit("current"))
        .when(days_past_due <= 30)
        .then(pl.lit("1-30"))
        .when(days_past_due <= 60)
        .then(pl.lit("31-60"))
        .when(days_past_due <= 90)
        .then(pl.lit("61-90"))
        .otherwise(pl.lit("90+"))
    )


@dataclass(frozen=True)
class CurrencyFigures:
    """The DESIGN 4.6 figures of one currency at one date (amounts in minor units)."""

    as_of: date
    currency: str
    open_minor: int
    overdue_minor: int
    aging_minor: dict[str, int]
    invoiced_90_minor: int
    dso_days: Decimal | None
    best_possible_dso_days: Decimal | None
    add_days: Decimal | None
    cei_percent: Decimal | None
    cei_parts: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The object `creditflow report --json` prints (DESIGN 4.6), keys in order."""

        def money(minor: int) -> str:
            return str(from_minor(minor, self.currency))

        def days(value: Decimal | None) -> float | None:
            return None if value is None else float(value)

        return {
            "as_of": self.as_of.isoformat(),
            "currency": self.currency,
            "open": money(self.open_minor),
            "overdue": money(self.overdue_minor),
            "aging": {name: money(self.aging_minor[name]) for name in AGING_BUCKETS},
            "dso_days": days(self.dso_days),
            "best_possible_dso_days": days(self.best_possible_dso_days),
            "add_days": days(self.add_days),
            "cei_percent": days(self.cei_percent),
        }


def _sums(frame: pl.DataFrame, by: str, value: str) -> dict[str, int]:
    if frame.height == 0:
        return {}
    grouped = frame.group_by(by).agg(pl.col(value).sum())
    return {str(k): int(v) for k, v in grouped.iter_rows()}


def figures(
    invoices: pl.DataFrame,
    allocations: pl.DataFrame,
    as_of: date,
    opened: pl.DataFrame | None = None,
    credits: pl.DataFrame | None = None,
) -> list[CurrencyFigures]:
    """The DESIGN 4.6 figures of every currency invoiced on or before `as_of`, by code.

    `opened` is `open_at(invoices, allocations, as_of, credits)` when the caller has it.
    """
    end = open_at(invoices, allocations, as_of, credits) if opened is None else opened
    start_day = as_of - timedelta(days=CEI_WINDOW_DAYS)
    start = open_at(invoices, allocations, start_day, credits)
    dpd = (pl.lit(as_of) - pl.col("due_date")).dt.total_days()
    end = end.with_columns(aging_bucket(dpd).alias("bucket"))
    aging = end.group_by("currency", "bucket").agg(pl.col("open_at_minor").sum())
    by_bucket: dict[str, dict[str, int]] = {}
    for currency, bucket, minor in aging.iter_rows():
        by_bucket.setdefault(currency, {})[bucket] = int(minor)
    dso_from = as_of - timedelta(days=DSO_WINDOW_DAYS)
    invoiced_90 = _sums(end.filter(pl.col("issue_date") > dso_from), "currency", "amount_minor")
    invoiced_30 = _sums(end.filter(pl.col("issue_date") > start_day), "currency", "amount_minor")
    open_start = _sums(start, "currency", "open_at_minor")
    result = []
    for currency in sorted(by_bucket):
        buckets = {name: by_bucket[currency].get(name, 0) for name in AGING_BUCKETS}
        open_end = sum(buckets.values())
        current = buckets["current"]
        sales = invoiced_90.get(currency, 0)
        dso = best = add = None
        if sales > 0:
            dso_exact = Fraction(open_end * DSO_WINDOW_DAYS, sales)
            best_exact = Fraction(current * DSO_WINDOW_DAYS, sales)
            dso, best = round_days(dso_exact), round_days(best_exact)
            add = round_days(dso_exact - best_exact)
        begin = open_start.get(currency, 0)
        period = invoiced_30.get(currency, 0)
        denominator = begin + period - current
        cei = None
        if denominator > 0:
            cei = round_days(Fraction((begin + period - open_end) * 100, denominator))
        result.append(
            CurrencyFigures(
                as_of=as_of,
                currency=currency,
                open_minor=open_end,
                overdue_minor=open_end - current,
                aging_minor=buckets,
                invoiced_90_minor=sales,
                dso_days=dso,
                best_possible_dso_days=best,
                add_days=add,
                cei_percent=cei,
                cei_parts={"open_start": begin, "invoiced": period, "open_end": open_end},
            )
        )
    return result
