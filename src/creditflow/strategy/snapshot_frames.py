"""The snapshot the decision engine reads: plain frames, no database handles (pure).

`load_snapshot` (strategy/snapshot.py) fills it from the ledger store; the engine,
its features and rules import only this module, so they never reach the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from creditflow.intelligence.channel_bandit import OUTCOME_SCHEMA

__all__ = [
    "ACCOUNT_SCHEMA",
    "CHARGED_SCHEMA",
    "CUSTOMER_SCHEMA",
    "INVOICE_SCHEMA",
    "HABIT_SCHEMA",
    "LETTER_SCHEMA",
    "OUTCOME_SCHEMA",
    "PAUSE_SCHEMA",
    "PLAN_REQUEST_SCHEMA",
    "Snapshot",
]

CUSTOMER_SCHEMA = {
    "customer_pk": pl.Int64,
    "customer_id": pl.Utf8,
    "kind": pl.Utf8,
    "country": pl.Utf8,
    "language": pl.Utf8,
    "timezone": pl.Utf8,
    "tags": pl.Utf8,
    "segment": pl.Utf8,
    "preferred_channel": pl.Utf8,
    "preferred_hour": pl.Int64,
    "risk": pl.Float64,
    "do_not_contact": pl.Utf8,
    "opt_out": pl.Utf8,
}
INVOICE_SCHEMA = {
    "invoice_pk": pl.Int64,
    "invoice_number": pl.Utf8,
    "customer_pk": pl.Int64,
    "currency": pl.Utf8,
    "due_date": pl.Date,
    "open_minor": pl.Int64,
    "status": pl.Utf8,
    "dunning_level": pl.Int64,
    "dunning_on": pl.Date,
    "dunning_step": pl.Utf8,
    "issue_date": pl.Date,
    "amount_minor": pl.Int64,
}
LETTER_SCHEMA = {
    "letter_id": pl.Utf8,
    "invoice_pk": pl.Int64,
    "sent_on": pl.Date,
    "channel": pl.Utf8,
    "letter_due_minor": pl.Int64,
    "currency": pl.Utf8,
}
CHARGED_SCHEMA = {"invoice_pk": pl.Int64, "charge_id": pl.Int64, "amount_minor": pl.Int64}

PLAN_REQUEST_SCHEMA = {"invoice_pk": pl.Int64}
HABIT_SCHEMA = {"customer_pk": pl.Int64, "usual_minute": pl.Int64}
PAUSE_SCHEMA = {"customer_pk": pl.Int64, "paused_until": pl.Date}
ACCOUNT_SCHEMA = {"customer_pk": pl.Int64, "currency": pl.Utf8}


@dataclass(frozen=True)
class Snapshot:
    """Everything the engine needs to decide one day, as frames.

    customers: CUSTOMER_SCHEMA with tags and opt_out as list[str].
    reachable: customer_pk, channel of usable contact points (`outbox.reach`).
    invoices: INVOICE_SCHEMA, open invoices only.
    history: customer_pk, avg_days_late, on_time_ratio, paid_count, broken_promises.
    disputes: invoice_pk of open disputes.
    promises: customer_pk, invoice_pk (null = all the customer's invoices), promised_date.
    plans: invoice_pk, oldest_unpaid_due (date or null) of active plans.
    contacts: customer_pk, at (UTC) of contacts queued or made recently.
    pending: action_id, customer_pk, currency, level, kind, legal of queued actions.
    plan_requests: invoice_pk of payment plan requests waiting for a person's review.
    acted_today: customer_pk, currency of accounts an earlier run of the same day acted on.
    letters: LETTER_SCHEMA, one row per invoice named in a 14-day letter that was sent
        (sent_on is the posting day in the customer's time zone).
    charged: CHARGED_SCHEMA, invoices collection costs were charged for, with the charge.
    channel_outcomes: OUTCOME_SCHEMA, judged sends per strategy step and channel.
    habits: HABIT_SCHEMA, the local minute of day each customer usually acts.
    pauses: PAUSE_SCHEMA, customers a person paused until a day (`customer.paused_until`).
    """

    customers: pl.DataFrame
    reachable: pl.DataFrame
    invoices: pl.DataFrame
    history: pl.DataFrame
    disputes: pl.DataFrame
    promises: pl.DataFrame
    plans: pl.DataFrame
    contacts: pl.DataFrame
    pending: pl.DataFrame
    plan_requests: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=PLAN_REQUEST_SCHEMA)
    )
    acted_today: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ACCOUNT_SCHEMA))
    letters: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=LETTER_SCHEMA))
    charged: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=CHARGED_SCHEMA))
    channel_outcomes: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=OUTCOME_SCHEMA)
    )
    habits: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=HABIT_SCHEMA))
    pauses: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PAUSE_SCHEMA))
