"""Account features and invoice exclusions, computed set-based from a snapshot.

An account is one customer in one currency: the unit the run decides for.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from creditflow.config import ContactRules
from creditflow.money import minor_digits
from creditflow.strategy.snapshot_frames import Snapshot


def exclusions(snapshot: Snapshot, as_of: date, rules: ContactRules) -> pl.DataFrame:
    """Open invoices with `excluded` set to the reason they must not be dunned (or null).

    Disputed invoices, invoices under an active promise to pay (until the promised
    date plus the grace period), invoices in a payment plan in good standing and
    invoices named in a payment plan request waiting for review are left out; a
    promise without invoices covers all the customer's invoices.
    """
    promise_grace = pl.duration(days=rules.promise_grace_days)
    active_promises = snapshot.promises.filter(
        pl.col("promised_date") + promise_grace >= pl.lit(as_of)
    )
    by_invoice = (
        active_promises.filter(pl.col("invoice_pk").is_not_null())
        .select("invoice_pk", pl.lit(True).alias("__promise_inv"))
        .unique()
    )
    by_customer = (
        active_promises.filter(pl.col("invoice_pk").is_null())
        .select("customer_pk", pl.lit(True).alias("__promise_all"))
        .unique()
    )
    plan_ok = (
        snapshot.plans.filter(
            pl.col("oldest_unpaid_due").is_null()
            | (
                pl.col("oldest_unpaid_due") + pl.duration(days=rules.plan_grace_days)
                >= pl.lit(as_of)
            )
        )
        .select("invoice_pk", pl.lit(True).alias("__plan"))
        .unique()
    )
    disputed = snapshot.disputes.select("invoice_pk", pl.lit(True).alias("__dispute")).unique()
    requested = snapshot.plan_requests.select(
        "invoice_pk", pl.lit(True).alias("__plan_request")
    ).unique()
    inv = (
        snapshot.invoices.join(disputed, on="invoice_pk", how="left")
        .join(by_invoice, on="invoice_pk", how="left")
        .join(by_customer, on="customer_pk", how="left")
        .join(plan_ok, on="invoice_pk", how="left")
        .join(requested, on="invoice_pk", how="left")
    )
    reason = (
        pl.when((pl.col("status") == "disputed") | pl.col("__dispute").fill_null(False))
        .then(pl.lit("disputed"))
        .when(pl.col("__promise_inv").fill_null(False) | pl.col("__promise_all").fill_null(False))
        .then(pl.lit("promise_to_pay"))
        .when(pl.col("__plan").fill_null(False))
        .then(pl.lit("payment_plan"))
        .when(pl.col("__plan_request").fill_null(False))
        .then(pl.lit("plan_requested"))
        .otherwise(None)
    )
    return inv.with_columns(reason.alias("excluded")).drop(
        "__dispute", "__promise_inv", "__promise_all", "__plan", "__plan_request"
    )


def account_features(invoices: pl.DataFrame, snapshot: Snapshot, as_of: date) -> pl.DataFrame:
    """One row per (customer, currency) with the features conditions may use."""
    currencies = invoices.get_column("currency").unique().to_list()
    scale = {c: float(10 ** minor_digits(c)) for c in currencies}
    units = pl.col("currency").replace_strict(scale, default=100.0, return_dtype=pl.Float64)
    dunnable = pl.col("excluded").is_null()
    overdue = dunnable & (pl.col("due_date") < pl.lit(as_of))
    accounts = (
        invoices.with_columns(units.alias("__units"))
        .group_by("customer_pk", "currency")
        .agg(
            (pl.col("open_minor").sum() / pl.col("__units").first()).alias("open_total"),
            (pl.col("open_minor").filter(overdue).sum() / pl.col("__units").first()).alias(
                "overdue_total"
            ),
            pl.col("due_date").filter(overdue).min().alias("__oldest_overdue"),
            pl.len().cast(pl.Float64).alias("invoice_count"),
            overdue.sum().cast(pl.Float64).alias("overdue_count"),
            dunnable.sum().alias("__dunnable"),
            (pl.col("excluded") == "disputed").sum().cast(pl.Float64).alias("disputes_open"),
        )
        .with_columns(
            (pl.lit(as_of) - pl.col("__oldest_overdue"))
            .dt.total_days()
            .fill_null(0)
            .cast(pl.Float64)
            .alias("oldest_days_overdue")
        )
    )
    history = snapshot.history.select(
        "customer_pk",
        pl.col("avg_days_late").fill_null(0.0),
        pl.col("on_time_ratio").fill_null(1.0),
        pl.col("paid_count").fill_null(0).cast(pl.Float64),
        pl.col("broken_promises").fill_null(0).cast(pl.Float64),
    )
    customers = snapshot.customers.select(
        "customer_pk",
        "customer_id",
        "kind",
        "country",
        "language",
        "timezone",
        "tags",
        "segment",
        "preferred_channel",
        "preferred_hour",
        pl.col("risk").fill_null(0.0),
        "do_not_contact",
        "opt_out",
    )
    return (
        accounts.join(customers, on="customer_pk", how="inner")
        .join(history, on="customer_pk", how="left")
        .with_columns(
            pl.col("avg_days_late").fill_null(0.0),
            pl.col("on_time_ratio").fill_null(1.0),
            pl.col("paid_count").fill_null(0.0),
            pl.col("broken_promises").fill_null(0.0),
        )
    )
