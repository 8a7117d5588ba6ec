"""The dunning pause: which open invoices get no reminder today, and why. One rule, two forms.

An invoice is paused while it is

- disputed (an open dispute, or the invoice's status);
- under an active promise to pay, until the promised date plus `promise_grace_days`
  (a promise that names no invoice covers all the customer's invoices);
- in a payment plan in good standing: an active plan whose oldest installment not paid
  in full is not more than `plan_grace_days` overdue (or that has none left unpaid). A
  plan past that has defaulted (`portal.plans.plan_progress`): it pauses no more, even
  before the next run marks it so;
- named in a payment plan request that waits for a person's review
  (`outbox.service.plan_requests_waiting`); the review task itself is not paused;
- of a customer a person paused until a date (`customer.paused_until`, set in the
  workbench), up to and including that day.

`exclusions` applies the rule to every open invoice of a snapshot (the collection run,
set-based); `pause_reason` to one invoice at send time (the pre-send re-check, with
`promised_until` and `plan_until` from `promise_until` and `plan_pauses_until`). Both
give the reason codes of `PAUSE_REASONS`. Pure: no database, no clock.
"""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl

from creditflow.config import ContactRules
from creditflow.strategy.snapshot_frames import Snapshot

__all__ = [
    "DISPUTED",
    "PAUSED",
    "PAUSE_REASONS",
    "PLAN",
    "PLAN_REQUESTED",
    "PROMISE",
    "exclusions",
    "pause_reason",
    "plan_pauses_until",
    "promise_until",
]

DISPUTED = "disputed"
PROMISE = "promise_to_pay"
PLAN = "payment_plan"
PLAN_REQUESTED = "plan_requested"
PAUSED = "paused"
# Reason code -> the words a cancelled message's reason uses.
PAUSE_REASONS = {
    DISPUTED: "disputed",
    PROMISE: "promise to pay",
    PLAN: "payment plan",
    PLAN_REQUESTED: "payment plan requested",
    PAUSED: "paused by a person",
}


def promise_until(promised_date: date, grace_days: int) -> date:
    """The last day an active promise pauses dunning."""
    return promised_date + timedelta(days=grace_days)


def plan_pauses_until(oldest_unpaid_due: date | None, grace_days: int) -> date:
    """The last day an active plan is in good standing (no unpaid installment: always)."""
    if oldest_unpaid_due is None:
        return date.max
    return oldest_unpaid_due + timedelta(days=grace_days)


def pause_reason(
    *,
    status: str,
    disputed: bool,
    promised_until: date | None,
    plan_until: date | None,
    plan_requested: bool,
    today: date,
    paused_until: date | None = None,
) -> str | None:
    """Why one open invoice is paused on `today` (a PAUSE_REASONS code), or None."""
    if disputed or status == "disputed":
        return DISPUTED
    if paused_until is not None and paused_until >= today:
        return PAUSED
    if promised_until is not None and promised_until >= today:
        return PROMISE
    if plan_until is not None and plan_until >= today:
        return PLAN
    if plan_requested:
        return PLAN_REQUESTED
    return None


def exclusions(snapshot: Snapshot, as_of: date, rules: ContactRules) -> pl.DataFrame:
    """Open invoices with `excluded` set to the reason they must not be dunned (or null)."""
    today = pl.lit(as_of)
    active_promises = snapshot.promises.filter(
        pl.col("promised_date") + pl.duration(days=rules.promise_grace_days) >= today
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
    good_standing = pl.col("oldest_unpaid_due").is_null() | (
        pl.col("oldest_unpaid_due") + pl.duration(days=rules.plan_grace_days) >= today
    )
    plan_ok = (
        snapshot.plans.filter(good_standing)
        .select("invoice_pk", pl.lit(True).alias("__plan"))
        .unique()
    )
    disputed = snapshot.disputes.select("invoice_pk", pl.lit(True).alias("__dispute")).unique()
    requested = snapshot.plan_requests.select(
        "invoice_pk", pl.lit(True).alias("__plan_request")
    ).unique()
    paused = (
        snapshot.pauses.filter(pl.col("paused_until") >= today)
        .select("customer_pk", pl.lit(True).alias("__paused"))
        .unique()
    )
    inv = (
        snapshot.invoices.join(disputed, on="invoice_pk", how="left")
        .join(by_invoice, on="invoice_pk", how="left")
        .join(by_customer, on="customer_pk", how="left")
        .join(plan_ok, on="invoice_pk", how="left")
        .join(requested, on="invoice_pk", how="left")
        .join(paused, on="customer_pk", how="left")
    )
    reason = (
        pl.when((pl.col("status") == "disputed") | pl.col("__dispute").fill_null(False))
        .then(pl.lit(DISPUTED))
        .when(pl.col("__paused").fill_null(False))
        .then(pl.lit(PAUSED))
        .when(pl.col("__promise_inv").fill_null(False) | pl.col("__promise_all").fill_null(False))
        .then(pl.lit(PROMISE))
        .when(pl.col("__plan").fill_null(False))
        .then(pl.lit(PLAN))
        .when(pl.col("__plan_request").fill_null(False))
        .then(pl.lit(PLAN_REQUESTED))
        .otherwise(None)
    )
    return inv.with_columns(reason.alias("excluded")).drop(
        "__dispute", "__promise_inv", "__promise_all", "__plan", "__plan_request", "__paused"
    )
