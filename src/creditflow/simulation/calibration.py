"""Which kind of payer each debtor of a real ledger is, learned from their own history.

The behaviour model (`behaviour.py`) knows five payer types; a real ledger does not
say which type a debtor is. Each of the debtor's invoices as of the start of the
simulation falls in one category: paid by the due date, paid 1-14 days late, paid
later, still open past its due date, or disputed (invoices not yet due say nothing).
`PAYMENT_HABITS` says how often each type's invoices end up in each category, as the
shipped model of payers makes them (measured on 3,000 sample debtors). The debtor's
type is then drawn, seeded, from the posterior

    P(type | invoices) ~ P(type) x product over invoices of P(category | type)

with P(type) the shipped mix for consumers or businesses. A debtor without invoices
gets the mix; one with twenty on-time invoices is punctual.

An open invoice past its due date weighs by how likely each type is to leave it unpaid
that long (`days_late_survival`). A debtor who was contacted and did not answer at all
(no payment, promise, dispute or opt-out in the contact's answer window, the window
closed by the start: `silent_contacts`) is more likely a type that ignores reminders:
each such contact multiplies in P(no answer | type, channel, step) of the shipped
behaviour model (`behaviour.outcome_rates`). Pure: no database, no clock; the same
frames and seed give the same types.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from creditflow.simulation.behaviour import outcome_rates
from creditflow.simulation.contact_effects import answer_windows
from creditflow.simulation.days_late import days_late_survival
from creditflow.simulation.schema import BUSINESS_PAYER_MIX, CONSUMER_PAYER_MIX, PAYER_TYPES

__all__ = [
    "CATEGORIES",
    "PAYMENT_HABITS",
    "calibration_summary",
    "payer_type_weights",
    "payer_types",
    "silent_contacts",
]

MILD_DAYS = 14
CATEGORIES = ("on_time", "late_short", "late_long", "open_overdue", "disputed")
# P(category | payer type), in the order of CATEGORIES; no category is impossible.
PAYMENT_HABITS: dict[str, tuple[float, ...]] = {
    "punctual": (0.726, 0.223, 0.027, 0.021, 0.003),
    "forgetful": (0.0, 0.567, 0.273, 0.155, 0.006),
    "struggling": (0.0, 0.024, 0.503, 0.465, 0.007),
    "disputer": (0.034, 0.398, 0.344, 0.094, 0.131),
    "ghost": (0.0, 0.0, 0.012, 0.974, 0.014),
}
FLOOR = 0.01
INVOICE_COLUMNS = ("customer_id", "due_date", "paid_on", "disputed")
SILENT_COLUMNS = ("customer_id", "channel", "step")
NO_SILENT_CONTACTS = pl.DataFrame(schema={c: pl.Utf8 for c in SILENT_COLUMNS})


def _log_habits() -> np.ndarray:
    table = np.array([PAYMENT_HABITS[t] for t in PAYER_TYPES], dtype=float).clip(FLOOR)
    return np.log(table / table.sum(axis=1, keepdims=True))


def silent_contacts(
    contacts: pl.DataFrame, answers: pl.DataFrame, customers: pl.DataFrame, as_of: date
) -> pl.DataFrame:
    """The contacts nobody answered: customer_id, channel, step, one row per contact.

    `contacts` (customer_id, channel, step, decided_on) and `answers` (customer_id,
    answered_on) are `contact_history`'s; `customers` gives each one's kind (a
    business's payment window is longer). A contact counts once its answer windows
    (`contact_effects.answer_windows`) closed before `as_of` with no answer of any kind
    from that customer in them.
    """
    if not contacts.height:
        return NO_SILENT_CONTACTS
    windows = answer_windows(
        contacts.select(*SILENT_COLUMNS, "decided_on")
        .join(customers.select("customer_id", "kind"), on="customer_id", how="left")
        .with_row_index("contact")
    ).with_columns(
        pl.min_horizontal("pay_from", "reply_from").alias("from"),
        pl.max_horizontal("pay_until", "reply_until").alias("until"),
    )
    closed = windows.filter(pl.col("until") < pl.lit(as_of))
    answered = (
        closed.select("contact", "customer_id", "from", "until")
        .join(answers.select("customer_id", "answered_on"), on="customer_id")
        .filter(pl.col("answered_on").is_between(pl.col("from"), pl.col("until")))
        .select("contact")
    )
    return closed.join(answered, on="contact", how="anti").select(*SILENT_COLUMNS)


def _silence(frame: pl.DataFrame, silent: pl.DataFrame) -> pl.DataFrame:
    """Per customer of `frame` (same order): `unanswered` contacts and, per payer type,
    log P(no answer) summed over them (0 without any)."""
    combos = silent.select("channel", "step").unique(maintain_order=True)
    log_quiet = pl.DataFrame(
        [
            [ch, st]
            + [
                float(np.log(max(1.0 - sum(outcome_rates(t, ch, st).values()), FLOOR)))
                for t in PAYER_TYPES
            ]
            for ch, st in combos.iter_rows()
        ],
        schema={"channel": pl.Utf8, "step": pl.Utf8, **{t: pl.Float64 for t in PAYER_TYPES}},
        orient="row",
    )
    summed = (
        silent.join(log_quiet, on=["channel", "step"])
        .group_by("customer_id")
        .agg(pl.len().alias("unanswered"), *(pl.col(t).sum() for t in PAYER_TYPES))
    )
    return (
        frame.select("customer_id")
        .join(summed, on="customer_id", how="left", maintain_order="left")
        .select(
            pl.col("unanswered").fill_null(0).cast(pl.Int64),
            *(pl.col(t).fill_null(0.0) for t in PAYER_TYPES),
        )
    )


def payer_type_weights(
    customers: pl.DataFrame,
    invoices: pl.DataFrame,
    as_of: date,
    silent: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Per customer the posterior weight of each payer type (columns PAYER_TYPES, sum 1).

    `silent` is `silent_contacts(...)`: contacts nobody answered, as evidence too.
    """
    missing = [c for c in INVOICE_COLUMNS if c not in invoices.columns]
    if missing:
        raise ValueError(f"invoices lacks column(s) {', '.join(missing)}")
    lacking = [c for c in SILENT_COLUMNS if silent is not None and c not in silent.columns]
    if lacking:
        raise ValueError(f"silent contacts lack column(s) {', '.join(lacking)}")
    late = (pl.col("paid_on") - pl.col("due_date")).dt.total_days()
    category = (
        pl.when(pl.col("disputed") > 0)
        .then(pl.lit("disputed"))
        .when(pl.col("paid_on").is_null() & (pl.col("due_date") < pl.lit(as_of)))
        .then(pl.lit("open_overdue"))
        .when(pl.col("paid_on").is_null())
        .then(None)
        .when(late <= 0)
        .then(pl.lit("on_time"))
        .when(late <= MILD_DAYS)
        .then(pl.lit("late_short"))
        .otherwise(pl.lit("late_long"))
    )
    judged = invoices.with_columns(
        category.alias("category"),
        (pl.lit(as_of) - pl.col("due_date")).dt.total_days().alias("overdue_days"),
    ).filter(pl.col("category").is_not_null())
    overdue_days = judged["overdue_days"].to_numpy()
    open_term = pl.DataFrame(  # log P(still unpaid after this many days | type), per invoice
        {t: np.log(np.maximum(days_late_survival(t, overdue_days), FLOOR)) for t in PAYER_TYPES}
    )
    open_overdue = judged["category"] == "open_overdue"
    counts = (
        judged.with_columns(
            *(pl.when(open_overdue).then(open_term[t]).otherwise(0.0).alias(t) for t in PAYER_TYPES)
        )
        .group_by("customer_id")
        .agg(
            *((pl.col("category") == c).sum().alias(c) for c in CATEGORIES),
            *(pl.col(t).sum().alias(f"__open_{t}") for t in PAYER_TYPES),
        )
    )
    frame = (
        customers.select("customer_id", "kind")
        .join(counts, on="customer_id", how="left")
        .with_columns(pl.col(c).fill_null(0) for c in CATEGORIES)
        .with_columns(pl.col(f"__open_{t}").fill_null(0.0) for t in PAYER_TYPES)
    )
    closed = [c for c in CATEGORIES if c != "open_overdue"]
    observed = frame.select(closed).to_numpy().astype(float)
    habits = _log_habits()[:, [CATEGORIES.index(c) for c in closed]]
    still_open = frame.select(f"__open_{t}" for t in PAYER_TYPES).to_numpy()
    consumer = (frame["kind"] == "consumer").to_numpy()
    prior = np.where(consumer[:, None], np.array(CONSUMER_PAYER_MIX), np.array(BUSINESS_PAYER_MIX))
    silence = _silence(frame, silent if silent is not None else NO_SILENT_CONTACTS)
    log_posterior = (
        np.log(prior) + observed @ habits.T + still_open + silence.select(PAYER_TYPES).to_numpy()
    )
    log_posterior -= log_posterior.max(axis=1, keepdims=True)
    posterior = np.exp(log_posterior)
    posterior /= posterior.sum(axis=1, keepdims=True)
    return frame.select(
        "customer_id", "kind", pl.sum_horizontal(CATEGORIES).cast(pl.Int64).alias("judged")
    ).with_columns(
        silence["unanswered"],
        *(pl.Series(t, posterior[:, i]) for i, t in enumerate(PAYER_TYPES)),
    )


def calibration_summary(weights: pl.DataFrame) -> pl.DataFrame:
    """Per kind of customer: debtors, those with judged invoices, the contacts they left
    unanswered, and the expected share of each payer type (the mean of the posteriors,
    so the same for every seed)."""
    return (
        weights.group_by("kind")
        .agg(
            pl.len().alias("debtors"),
            (pl.col("judged") > 0).sum().alias("with_history"),
            pl.col("judged").sum().alias("invoices_judged"),
            pl.col("unanswered").sum().alias("contacts_unanswered"),
            *(pl.col(t).mean().alias(t) for t in PAYER_TYPES),
        )
        .with_columns(
            pl.col("debtors", "with_history", "invoices_judged", "contacts_unanswered").cast(
                pl.Int64
            )
        )
        .sort("kind")
    )


def payer_types(weights: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Draw one payer type per customer from its weights: customer_id, kind, payer_type."""
    ordered = weights.sort("customer_id")
    matrix = ordered.select(PAYER_TYPES).to_numpy()
    matrix = matrix / matrix.sum(axis=1, keepdims=True)
    draws = np.random.default_rng(seed).random(len(ordered))
    chosen = (matrix.cumsum(axis=1) < draws[:, None]).sum(axis=1).clip(0, len(PAYER_TYPES) - 1)
    return ordered.select("customer_id", "kind").with_columns(
        pl.Series("payer_type", [PAYER_TYPES[i] for i in chosen], dtype=pl.Utf8)
    )
