"""How synthetic debtors answer the contacts they get: the demo's "run a few days".

`respond(actions, customers, day, rng)` is pure and seeded: the same inputs and the
same generator state give the same responses.

The model. Every contact (one row of `actions`) leads to at most one of four
outcomes, or to nothing:

    pay       the amount due (or, for struggling payers, part of it)
    promise   a promise to pay on a date 3-14 days ahead
    dispute   the debtor contests the invoice, with a reason
    opt_out   "STOP": no more messages on this channel (email, sms, whatsapp, push, voice)

The chance of each outcome is

    rate(payer type, outcome) x channel effect(outcome) x step effect(outcome)
    [x a boost for forgetful payers on quick digital channels, ghosts on letter/call]

scaled down when the four together would exceed 95%. The base rates are for an
e-mail reminder after the due date:

    payer type   pay    promise dispute opt_out  who they are
    punctual     0.60   0.05    0.01    0.002    pay on time; a reminder is all it takes
    forgetful    0.40   0.08    0.01    0.010    mean to pay, need a nudge; SMS works best
    struggling   0.08   0.15    0.02    0.020    short of money: promise, pay in parts
    disputer     0.05   0.02    0.35    0.020    contest the invoice first
    ghost        0.01   0.005   0.002   0.030    ignore everything digital

Channels: SMS and WhatsApp are read within minutes (more and faster payments, more
opt-outs on SMS); a letter is slow and formal (no opt-out, payment 2-6 days later);
a robocall (voice) and especially a collector's call (call) bring promises more
than payments. Steps are recognised by words in their id: a pre-due "nudge" gets
fewer answers, a "final notice" and "costs" more, a "handover" to an agency most.
Unknown channels count as neutral. These are the shipped effects; `respond(...,
effects)` takes others (`contact_effects.py` calibrates them on a ledger's history).
Payments land 0-6 days after the contact (`paid_at` may be after `day`: book them
when their date comes); businesses add 0-4 days for their weekly payment run. A customer answers at most once a day: the
strongest outcome wins (pay > promise > dispute > opt_out).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from creditflow.money import minor_digits
from creditflow.simulation import identifiers, names
from creditflow.simulation.schema import PAYER_TYPES

__all__ = [
    "MAX_LAG_DAYS",
    "OUTCOMES",
    "SHIPPED_EFFECTS",
    "ContactEffects",
    "Responses",
    "outcome_rates",
    "respond",
    "step_class",
]

OUTCOMES: tuple[str, ...] = ("pay", "promise", "dispute", "opt_out")
MAX_RESPONSE = 0.95

BASE_RATES: dict[str, tuple[float, float, float, float]] = {
    "punctual": (0.60, 0.05, 0.01, 0.002),
    "forgetful": (0.40, 0.08, 0.01, 0.01),
    "struggling": (0.08, 0.15, 0.02, 0.02),
    "disputer": (0.05, 0.02, 0.35, 0.02),
    "ghost": (0.01, 0.005, 0.002, 0.03),
}
CHANNEL_EFFECT: dict[str, tuple[float, float, float, float]] = {
    "email": (1.0, 1.0, 1.0, 1.0),
    "sms": (1.15, 1.0, 0.7, 1.5),
    "whatsapp": (1.25, 1.3, 1.0, 1.2),
    "push": (0.9, 0.5, 0.3, 0.5),
    "letter": (0.8, 0.6, 0.8, 0.0),
    "voice": (0.7, 1.6, 1.0, 0.5),
    "call": (0.8, 2.5, 1.5, 0.0),
}
NEUTRAL_CHANNEL = (1.0, 1.0, 1.0, 0.0)
# Extra effect on paying, for payer types that react to a channel in their own way.
PAY_BOOST: dict[tuple[str, str], float] = {
    ("forgetful", "email"): 1.3,
    ("forgetful", "sms"): 1.6,
    ("forgetful", "whatsapp"): 1.6,
    ("forgetful", "push"): 1.2,
    ("ghost", "letter"): 4.0,
    ("ghost", "call"): 5.0,
}
STEP_EFFECT: dict[str, tuple[float, float, float, float]] = {
    "nudge": (0.6, 0.3, 0.5, 0.5),
    "reminder": (1.0, 1.0, 1.0, 1.0),
    "final": (1.3, 1.3, 1.2, 0.5),
    "costs": (1.4, 1.5, 1.3, 0.5),
    "handover": (1.8, 1.5, 1.5, 0.0),
}
STEP_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("handover", ("handover", "agency", "escalat", "incasso", "bailiff")),
    ("costs", ("cost", "charge")),
    ("final", ("final", "fourteen", "notice", "last", "wik")),
    ("nudge", ("nudge", "pre_due", "predue", "courtesy")),
)
PAYMENT_LAG: dict[str, tuple[int, int]] = {
    "sms": (0, 1),
    "whatsapp": (0, 1),
    "push": (0, 1),
    "email": (0, 2),
    "voice": (0, 3),
    "call": (0, 3),
    "letter": (2, 6),
}
DEFAULT_LAG = (1, 4)
BUSINESS_RUN_DAYS = 4  # businesses add 0-4 days for their weekly payment run
MAX_LAG_DAYS = max(high for _, high in (*PAYMENT_LAG.values(), DEFAULT_LAG)) + BUSINESS_RUN_DAYS
"""The most days a payment can land after the contact it answers."""
PARTIAL_SHARE = {"struggling": 0.6}  # share of payments that cover only part of the debt


@dataclass(frozen=True)
class ContactEffects:
    """How a contact on each channel and at each kind of step changes the answer rates."""

    channel: dict[str, tuple[float, float, float, float]]
    step: dict[str, tuple[float, float, float, float]]


SHIPPED_EFFECTS = ContactEffects(channel=CHANNEL_EFFECT, step=STEP_EFFECT)
"""The shipped defaults; `contact_effects.py` calibrates them on a ledger's history."""

ACTION_COLUMNS = ("customer_id", "channel", "step", "amount_due")
CUSTOMER_COLUMNS = ("customer_id", "kind", "payer_type")


@dataclass(frozen=True)
class Responses:
    """What debtors did on one day, one frame per kind of response."""

    payments: pl.DataFrame  # customer_id, amount, currency, paid_at, channel, step
    promises: pl.DataFrame  # customer_id, promised_date, channel, step
    disputes: pl.DataFrame  # customer_id, invoice_number, reason, channel, step
    opt_outs: pl.DataFrame  # customer_id, channel

    def counts(self) -> dict[str, int]:
        """Number of responses of each kind."""
        return {
            "payments": self.payments.height,
            "promises": self.promises.height,
            "disputes": self.disputes.height,
            "opt_outs": self.opt_outs.height,
        }


def step_class(step: str | None) -> str:
    """The kind of step a strategy step id stands for: nudge, reminder, final, costs, handover."""
    text = (step or "").lower()
    for kind, words in STEP_WORDS:
        if any(word in text for word in words):
            return kind
    return "reminder"


def outcome_rates(
    payer_type: str,
    channel: str | None,
    step: str | None,
    effects: ContactEffects | None = None,
) -> dict[str, float]:
    """Chance of each outcome for one contact (the model in the module docstring).

    `effects` replaces the shipped channel and step effects (default: `SHIPPED_EFFECTS`).
    """
    if payer_type not in BASE_RATES:
        raise ValueError(f"payer_type {payer_type!r}: expected one of {', '.join(PAYER_TYPES)}")
    effects = effects or SHIPPED_EFFECTS
    base = BASE_RATES[payer_type]
    channel_effect = effects.channel.get(channel or "letter", NEUTRAL_CHANNEL)
    kind = step_class(step)
    step_effect = effects.step.get(kind, STEP_EFFECT[kind])
    rates = [b * c * s for b, c, s in zip(base, channel_effect, step_effect, strict=True)]
    rates[0] *= PAY_BOOST.get((payer_type, channel or "letter"), 1.0)
    total = sum(rates)
    if total > MAX_RESPONSE:
        rates = [rate * MAX_RESPONSE / total for rate in rates]
    return dict(zip(OUTCOMES, rates, strict=True))


def _check_columns(frame: pl.DataFrame, needed: tuple[str, ...], what: str) -> None:
    """Raise ValueError naming the columns a frame lacks."""
    missing = [column for column in needed if column not in frame.columns]
    if missing:
        raise ValueError(f"{what} lacks column(s) {', '.join(missing)}")


def _contacts(actions: pl.DataFrame, customers: pl.DataFrame) -> pl.DataFrame:
    """Actions joined with the traits of their customer; every customer must be known."""
    _check_columns(actions, ACTION_COLUMNS, "actions")
    _check_columns(customers, CUSTOMER_COLUMNS, "customers")
    extra = [c for c in ("language",) if c in customers.columns]
    traits = customers.select(*CUSTOMER_COLUMNS, *extra).unique("customer_id", keep="first")
    joined = (
        actions.with_row_index("row")
        .with_columns(pl.col("customer_id").cast(pl.String), pl.col("channel").cast(pl.String))
        .join(
            traits.with_columns(pl.col("customer_id").cast(pl.String)), on="customer_id", how="left"
        )
        .sort("row")
    )
    unknown = joined.filter(pl.col("payer_type").is_null())["customer_id"].unique(
        maintain_order=True
    )
    if len(unknown):
        shown = ", ".join(unknown.head(5).to_list())
        raise ValueError(
            f"customers: no payer_type for customer_id {shown} ({len(unknown)} in all)"
        )
    bad = joined.filter(~pl.col("payer_type").is_in(PAYER_TYPES))
    if bad.height:
        row = bad.row(0, named=True)
        raise ValueError(
            f"customers: payer_type {row['payer_type']!r} of customer_id {row['customer_id']} "
            f"is not one of {', '.join(PAYER_TYPES)}"
        )
    return _with_minor_units(joined)


def _with_minor_units(contacts: pl.DataFrame) -> pl.DataFrame:
    """Add the amount due in whole minor units (due_minor) and its decimals (digits)."""
    if "currency" not in contacts.columns:
        contacts = contacts.with_columns(currency=pl.lit("EUR"))
    contacts = contacts.with_columns(pl.col("currency").cast(pl.String).fill_null("EUR"))
    places = {code: minor_digits(code) for code in contacts["currency"].unique().to_list()}
    digits = (
        pl.col("currency").replace_strict(places, return_dtype=pl.Int64)
        if places
        else pl.lit(None, pl.Int64)  # no rows
    )
    due = identifiers.text_to_minor_units(pl.col("amount_due").cast(pl.String), digits)
    contacts = contacts.with_columns(due_minor=due, digits=digits)
    bad = contacts.filter(pl.col("due_minor").is_null())
    if bad.height:
        row = bad.row(0, named=True)
        raise ValueError(
            f"actions row {row['row']}: amount_due {row['amount_due']!r} of customer_id "
            f"{row['customer_id']} is not an amount in {row['currency']} written like 412.50"
        )
    return contacts


def _rate_table(contacts: pl.DataFrame, effects: ContactEffects | None = None) -> np.ndarray:
    """Outcome chances per contact, shape (rows, 4), from the distinct combinations only."""
    steps = contacts["step"].cast(pl.String)
    kinds = {step: step_class(step) for step in steps.drop_nulls().unique().to_list()}
    keys = contacts.select(
        "payer_type",
        "channel",
        steps.replace_strict(kinds, default="reminder", return_dtype=pl.String).alias("step_kind"),
    )
    combos = keys.unique(maintain_order=True)
    rates = [
        list(outcome_rates(payer, channel, kind, effects).values())
        for payer, channel, kind in combos.iter_rows()
    ]
    table = combos.with_columns(
        **{
            outcome: pl.Series([r[i] for r in rates], dtype=pl.Float64)
            for i, outcome in enumerate(OUTCOMES)
        }
    )
    looked_up = keys.join(
        table,
        on=["payer_type", "channel", "step_kind"],
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    return looked_up.select(OUTCOMES).to_numpy()


def respond(
    actions: pl.DataFrame,
    customers: pl.DataFrame,
    day: date,
    rng: np.random.Generator,
    effects: ContactEffects | None = None,
) -> Responses:
    """Debtors' responses on `day` to the contacts they got (see the module docstring).

    `effects`: the channel and step effects to answer with (default: the shipped ones).
    """
    contacts = _contacts(actions, customers)
    n = contacts.height
    rates = _rate_table(contacts, effects) if n else np.zeros((0, len(OUTCOMES)))
    roll = rng.random(n)
    outcome = (roll[:, None] >= np.cumsum(rates, axis=1)).sum(axis=1)  # 4 = no response
    channel = contacts["channel"].fill_null("letter").to_numpy()
    low = np.array([PAYMENT_LAG.get(c, DEFAULT_LAG)[0] for c in channel], dtype=np.int64)
    high = np.array([PAYMENT_LAG.get(c, DEFAULT_LAG)[1] for c in channel], dtype=np.int64)
    lag = low + (rng.random(n) * (high - low + 1)).astype(np.int64)
    business = (contacts["kind"] == "business").to_numpy()
    lag += np.where(business, rng.integers(0, BUSINESS_RUN_DAYS + 1, n), 0)
    partial_share = contacts["payer_type"].replace_strict(PARTIAL_SHARE, default=0.05).to_numpy()
    partial = rng.random(n) < partial_share
    percent = np.where(partial, rng.integers(25, 61, n), 100)
    promise_in = rng.integers(3, 15, n)
    reason_nl = pl.Series(names.DISPUTE_REASONS_NL).gather(
        rng.integers(0, len(names.DISPUTE_REASONS_NL), n)
    )
    reason_en = pl.Series(names.DISPUTE_REASONS_EN).gather(
        rng.integers(0, len(names.DISPUTE_REASONS_EN), n)
    )
    epoch_day = (day - date(1970, 1, 1)).days

    answered = (
        contacts.with_columns(
            outcome=pl.Series(outcome, dtype=pl.Int64),
            paid_day=pl.Series(epoch_day + lag, dtype=pl.Int32).cast(pl.Date),
            promised_date=pl.Series(epoch_day + promise_in, dtype=pl.Int32).cast(pl.Date),
            percent=pl.Series(percent, dtype=pl.Int64),
            reason_nl=reason_nl,
            reason_en=reason_en,
        )
        .filter(pl.col("outcome") < len(OUTCOMES))
        .sort("outcome", "row")
        .unique("customer_id", keep="first", maintain_order=True)
        .sort("row")
    )
    return Responses(
        payments=_payments(answered.filter(pl.col("outcome") == 0)),
        promises=answered.filter(pl.col("outcome") == 1).select(
            "customer_id", "promised_date", "channel", "step"
        ),
        disputes=_disputes(answered.filter(pl.col("outcome") == 2)),
        opt_outs=answered.filter(pl.col("outcome") == 3).select("customer_id", "channel"),
    )


def _payments(paying: pl.DataFrame) -> pl.DataFrame:
    """Payment rows with exact amounts: the amount due, or a whole-cent part of it."""
    paid = pl.col("due_minor") * pl.col("percent") // 100
    return (
        paying.with_columns(paid_minor=paid)
        .filter(pl.col("paid_minor") > 0)
        .select(
            "customer_id",
            identifiers.minor_units_text(pl.col("paid_minor"), pl.col("digits")).alias("amount"),
            "currency",
            pl.col("paid_day").alias("paid_at"),
            "channel",
            "step",
        )
    )


def _disputes(disputing: pl.DataFrame) -> pl.DataFrame:
    """Dispute rows: the first invoice of the contact when known, and a reason."""
    if "invoices" in disputing.columns and disputing.schema["invoices"] == pl.List(pl.String):
        invoice = pl.col("invoices").list.first()
    elif "invoice_number" in disputing.columns:
        invoice = pl.col("invoice_number").cast(pl.String)
    else:
        invoice = pl.lit(None, pl.String)
    english = pl.col("language") == "en" if "language" in disputing.columns else pl.lit(False)
    return disputing.select(
        "customer_id",
        invoice.alias("invoice_number"),
        pl.when(english).then("reason_en").otherwise("reason_nl").alias("reason"),
        "channel",
        "step",
    )
