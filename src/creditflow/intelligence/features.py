"""History-only features of invoices at an as-of date, computed set-based with Polars.

Pure: frames in, frames out (no database, no clock). The history of an invoice at
as-of D is what was known on D: the invoices of the same customer settled on or
before D (`paid_on <= D`). Nothing settled after D, and no outcome of the invoice
itself, reaches its features (no leakage).

`ledger` frame (LEDGER_SCHEMA): every invoice known, one row each, with `paid_on`
null while it is open. `queries` frame: the invoices to describe, each with its own
`as_of` (one row per invoice and day; the same invoice may appear on several days).
"""

from __future__ import annotations

from datetime import date

import polars as pl

LEDGER_SCHEMA = {
    "customer_pk": pl.Int64,
    "issue_date": pl.Date,
    "due_date": pl.Date,
    "paid_on": pl.Date,
    "amount_minor": pl.Int64,
}
QUERY_SCHEMA = {
    "customer_pk": pl.Int64,
    "issue_date": pl.Date,
    "due_date": pl.Date,
    "amount_minor": pl.Int64,
    "disputed": pl.Boolean,
    "as_of": pl.Date,
}

# The model's inputs, in order (the stored models and the prior name them).
FEATURES = (
    "history_count",  # log(1 + invoices of the customer settled by as-of)
    "late_share",  # share of those paid late, smoothed towards 0.5: (late + 1) / (n + 2)
    "recent_late_share",  # the same over the last three settlement days, smoothed
    "mean_days_late",  # mean days late of the settled history (0 on time), capped at 90
    "mean_pay_offset",  # mean (paid on - due date) of the history, early negative, in -60..90
    "last_days_late",  # days late of the last settled invoice(s), capped at 90
    "amount_ratio",  # log(amount / the customer's mean settled amount); 0 without history
    "log_amount",  # log(1 + amount in minor units)
    "terms_days",  # due date - issue date
    "open_count",  # log(1 + invoices of the customer open at as-of, this one included)
    "days_since_payment",  # days since the customer's last settlement, capped at 365
    "age_days",  # as-of - issue date
    "days_to_due",  # due date - as-of (negative once overdue)
    "past_usual_day",  # days as-of is past the customer's usual pay day (due + mean offset), 0..60
    "disputed",  # 1 when the invoice is disputed at as-of
    "dispute_share",  # share of the settled history that was disputed, smoothed: (d + 0.5) / (n + 2)
    "no_history",  # 1 when the customer has no settled invoice at as-of
)
CAP_DAYS = 90.0
NO_PAYMENT_DAYS = 365.0


def _days(later: str | pl.Expr, earlier: str | pl.Expr) -> pl.Expr:
    a = pl.col(later) if isinstance(later, str) else later
    b = pl.col(earlier) if isinstance(earlier, str) else earlier
    return (a - b).dt.total_days().cast(pl.Float64)


def settlement_history(ledger: pl.DataFrame) -> pl.DataFrame:
    """Per customer and settlement day: running totals of the settled history up to that day."""
    if "disputed" not in ledger.columns:
        ledger = ledger.with_columns(pl.lit(False).alias("disputed"))
    settled = ledger.filter(pl.col("paid_on").is_not_null()).with_columns(
        _days("paid_on", "due_date").clip(lower_bound=0).alias("__late_days"),
        _days("paid_on", "due_date").clip(-60.0, CAP_DAYS).alias("__offset"),
    )
    per_day = (
        settled.group_by("customer_pk", "paid_on")
        .agg(
            pl.len().cast(pl.Float64).alias("__n"),
            (pl.col("__late_days") > 0).sum().cast(pl.Float64).alias("__late"),
            pl.col("__late_days").clip(upper_bound=CAP_DAYS).sum().alias("__sum_late_days"),
            pl.col("__late_days").clip(upper_bound=CAP_DAYS).mean().alias("last_days_late"),
            pl.col("amount_minor").cast(pl.Float64).sum().alias("__sum_amount"),
            pl.col("__offset").sum().alias("__sum_offset"),
            pl.col("disputed").fill_null(False).sum().cast(pl.Float64).alias("__disputed"),
        )
        .sort("customer_pk", "paid_on")
    )
    by_customer = pl.col("customer_pk")
    return per_day.select(
        "customer_pk",
        "paid_on",
        pl.col("paid_on").alias("last_paid_on"),
        pl.col("__n").cum_sum().over(by_customer).alias("hist_n"),
        pl.col("__late").cum_sum().over(by_customer).alias("hist_late"),
        pl.col("__sum_late_days").cum_sum().over(by_customer).alias("hist_late_days"),
        pl.col("__sum_amount").cum_sum().over(by_customer).alias("hist_amount"),
        pl.col("__sum_offset").cum_sum().over(by_customer).alias("hist_offset"),
        pl.col("__disputed").cum_sum().over(by_customer).alias("hist_disputed"),
        pl.col("__n").rolling_sum(3, min_samples=1).over(by_customer).alias("recent_n"),
        pl.col("__late").rolling_sum(3, min_samples=1).over(by_customer).alias("recent_late"),
        "last_days_late",
    ).sort("paid_on")


def issue_history(ledger: pl.DataFrame) -> pl.DataFrame:
    """Per customer and issue day: how many invoices the customer had been sent by then."""
    return (
        ledger.group_by("customer_pk", "issue_date")
        .agg(pl.len().cast(pl.Float64).alias("__issued"))
        .sort("customer_pk", "issue_date")
        .select(
            "customer_pk",
            "issue_date",
            pl.col("__issued").cum_sum().over("customer_pk").alias("issued_n"),
        )
        .sort("issue_date")
    )


def _history_per_row(queries: pl.DataFrame, ledger: pl.DataFrame) -> pl.DataFrame:
    """History columns for rows on many days: as-of joins on the running totals."""
    order = "__row"
    return (
        queries.with_row_index(order)
        .sort("as_of")
        .join_asof(
            settlement_history(ledger).rename({"paid_on": "__settled_on"}),
            left_on="as_of",
            right_on="__settled_on",
            by="customer_pk",
            strategy="backward",
            check_sortedness=False,
        )
        .join_asof(
            issue_history(ledger).rename({"issue_date": "__issued_on"}),
            left_on="as_of",
            right_on="__issued_on",
            by="customer_pk",
            strategy="backward",
            check_sortedness=False,
        )
        .sort(order)
        .drop(order)
    )


def _history_on_one_day(queries: pl.DataFrame, ledger: pl.DataFrame, day: date) -> pl.DataFrame:
    """History columns when every row is on the same day (the run): one join per customer."""
    settled = ledger.filter(pl.col("paid_on") <= day)
    totals = settlement_history(settled).group_by("customer_pk").last().drop("paid_on")
    issued = (
        ledger.filter(pl.col("issue_date") <= day)
        .group_by("customer_pk")
        .agg(pl.len().cast(pl.Float64).alias("issued_n"))
    )
    per_customer = issued.join(totals, on="customer_pk", how="left")
    return queries.join(per_customer, on="customer_pk", how="left")


def invoice_features(queries: pl.DataFrame, ledger: pl.DataFrame) -> pl.DataFrame:
    """The queries with the FEATURES columns added (history known at each row's as_of)."""
    if queries.height == 0:
        return queries.with_columns(pl.lit(0.0).alias(f) for f in FEATURES)
    days = queries.get_column("as_of").unique()
    if days.len() == 1:
        q = _history_on_one_day(queries, ledger, days[0])
    else:
        q = _history_per_row(queries, ledger)
    n = pl.col("hist_n").fill_null(0.0)
    late = pl.col("hist_late").fill_null(0.0)
    mean_amount = pl.col("hist_amount") / pl.col("hist_n")
    amount = pl.col("amount_minor").cast(pl.Float64).clip(lower_bound=1.0)
    open_now = (pl.col("issued_n").fill_null(0.0) - n).clip(lower_bound=1.0)
    out = q.with_columns(
        n.log1p().alias("history_count"),
        ((late + 1.0) / (n + 2.0)).alias("late_share"),
        (
            (pl.col("recent_late").fill_null(0.0) + 1.0) / (pl.col("recent_n").fill_null(0.0) + 2.0)
        ).alias("recent_late_share"),
        (pl.col("hist_late_days") / pl.col("hist_n")).fill_null(0.0).alias("mean_days_late"),
        (pl.col("hist_offset") / pl.col("hist_n")).fill_null(0.0).alias("mean_pay_offset"),
        ((pl.col("hist_disputed").fill_null(0.0) + 0.5) / (n + 2.0)).alias("dispute_share"),
        pl.col("last_days_late").fill_null(0.0),
        (amount / mean_amount).log().fill_null(0.0).fill_nan(0.0).alias("amount_ratio"),
        amount.log1p().alias("log_amount"),
        _days("due_date", "issue_date").alias("terms_days"),
        open_now.log1p().alias("open_count"),
        _days("as_of", "last_paid_on")
        .clip(upper_bound=NO_PAYMENT_DAYS)
        .fill_null(NO_PAYMENT_DAYS)
        .alias("days_since_payment"),
        _days("as_of", "issue_date").alias("age_days"),
        _days("due_date", "as_of").alias("days_to_due"),
        (_days("as_of", "due_date") - (pl.col("hist_offset") / pl.col("hist_n")))
        .clip(0.0, 60.0)
        .fill_null(0.0)
        .alias("past_usual_day"),
        pl.col("disputed").fill_null(False).cast(pl.Float64).alias("disputed"),
        (n == 0).cast(pl.Float64).alias("no_history"),
    )
    helpers = [
        "__settled_on",
        "last_paid_on",
        "hist_n",
        "hist_late",
        "hist_late_days",
        "hist_amount",
        "hist_offset",
        "hist_disputed",
        "recent_n",
        "recent_late",
        "__issued_on",
        "issued_n",
    ]
    return out.drop(helpers, strict=False)


def feature_matrix(frame: pl.DataFrame) -> pl.DataFrame:
    """Only the FEATURES columns, as floats, in their fixed order."""
    return frame.select(pl.col(f).cast(pl.Float64) for f in FEATURES)


def training_rows(ledger: pl.DataFrame, as_of: date, *, step_days: int = 7) -> pl.DataFrame:
    """Labelled (invoice, day) rows for learning what was known on `as_of`.

    Only invoices due before as-of take part: their outcome was known on as-of (paid
    on or before as-of: late when paid after the due date; still open on as-of:
    late). Each is described on its issue day and every `step_days` after,
    while it was still open and not yet due, as the run sees it on those days.
    Labels: `late` (bool) and `days_late` (null while the invoice is still open).
    """
    day = pl.lit(as_of)
    known = ledger.filter(pl.col("due_date") < day)
    settled = pl.col("paid_on").is_not_null() & (pl.col("paid_on") <= day)
    last_day = pl.min_horizontal(
        pl.col("due_date"),
        pl.when(settled).then(pl.col("paid_on") - pl.duration(days=1)).otherwise(day),
    )
    rows = (
        known.with_columns(
            pl.when(settled)
            .then(pl.col("paid_on") > pl.col("due_date"))
            .otherwise(True)
            .alias("late"),
            pl.when(settled)
            .then(_days("paid_on", "due_date").clip(lower_bound=0))
            .alias("days_late"),
            pl.date_ranges(
                pl.col("issue_date"),
                pl.max_horizontal(last_day, pl.col("issue_date")),
                interval=f"{step_days}d",
            ).alias("as_of"),
        )
        .explode("as_of")
        .drop("paid_on")
    )
    if "disputed" not in rows.columns:
        rows = rows.with_columns(pl.lit(False).alias("disputed"))
    return rows
