"""How a contact on each channel and at each step changes the answers: learned from a ledger.

The behaviour model multiplies each payer type's answer rates by a channel effect and
a step effect (`behaviour.CHANNEL_EFFECT`, `STEP_EFFECT`). This module calibrates both
on the ledger's own contact history, relative to an e-mail and to a reminder:

1. Each contact sent before the start (customer, channel, step, day) is matched with
   what followed: a payment by that customer in the channel's answer window
   (`behaviour.PAYMENT_LAG`, plus the payment run days for a business), a promise or a
   dispute within `REPLY_DAYS`, an opt-out on that channel within `REPLY_DAYS`. An
   answer in the windows of several contacts is shared among them in proportion to
   how likely each was to bring it, under the effects being fitted (so it is fitted
   again each round); a contact counts at most once per outcome. Contacts whose
   window is still open at the start are left out for that outcome.
2. The answers the shipped model EXPECTS for the same contacts: each customer's
   payer-type weights (`calibration.payer_type_weights`) times the shipped rates of
   that type, channel and step. This adjusts for who was contacted on which channel.
3. Per outcome a factor per channel and per step class: answers seen / answers
   expected, fitted together (alternately, `ROUNDS` times) with an overall level, and
   shrunk toward 1 (the shipped effect): factor = (seen + K) / (expected + K), with
   `PRIOR_ANSWERS` = K expected answers of weight for the shipped default. Channels
   and steps with fewer than `MIN_CONTACTS` contacts keep the shipped effect exactly.
   The factors are then divided by e-mail's (channels) and a reminder's (steps), so
   those stay at their shipped effect; the level (how far all answers are from the
   model) is reported, not used: the payer types carry it.
4. Calibrated effect = shipped effect x factor, bounded to [1/`MAX_FACTOR`, `MAX_FACTOR`]
   times the shipped one.

Pure: frames in, tables out; no database, clock or randomness.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl

from creditflow.simulation.behaviour import (
    BUSINESS_RUN_DAYS,
    CHANNEL_EFFECT,
    DEFAULT_LAG,
    NEUTRAL_CHANNEL,
    OUTCOMES,
    PAYMENT_LAG,
    SHIPPED_EFFECTS,
    STEP_EFFECT,
    ContactEffects,
    outcome_rates,
    step_class,
)
from creditflow.simulation.schema import PAYER_TYPES

__all__ = [
    "MIN_CONTACTS",
    "PRIOR_ANSWERS",
    "EffectsCalibration",
    "answer_windows",
    "calibrate_contact_effects",
]

REPLY_DAYS = 2  # a promise, dispute or opt-out answers a contact of the last 2 days
MIN_CONTACTS = 30  # fewer contacts on a channel or step: its shipped effect, as is
PRIOR_ANSWERS = 10.0  # the shipped effect weighs as much as 10 expected answers
MAX_FACTOR = 4.0
ROUNDS = 8
REFERENCE_CHANNEL = "email"
REFERENCE_STEP = "reminder"
CONTACT_COLUMNS = ("customer_id", "channel", "step", "decided_on")
ANSWER_COLUMNS = ("customer_id", "outcome", "answered_on", "channel")


@dataclass(frozen=True)
class EffectsCalibration:
    """Calibrated channel and step effects, and what they were learned from.

    `channels` and `steps`: one row per channel (step class) with `contacts` and, per
    outcome, `seen_<o>` answers, `expected_<o>` answers of the shipped model,
    `shipped_<o>` and `calibrated_<o>` effects. `level`: per outcome, answers seen /
    expected over all contacts.
    """

    effects: ContactEffects
    channels: pl.DataFrame
    steps: pl.DataFrame
    level: dict[str, float]


def answer_windows(contacts: pl.DataFrame) -> pl.DataFrame:
    """Per contact (channel, kind of customer, decided_on) the first and last day of each
    outcome's answer window: pay_from, pay_until, reply_from, reply_until."""
    low = pl.col("channel").replace_strict(
        {c: lo for c, (lo, _) in PAYMENT_LAG.items()}, default=DEFAULT_LAG[0], return_dtype=pl.Int64
    )
    high = pl.col("channel").replace_strict(
        {c: hi for c, (_, hi) in PAYMENT_LAG.items()}, default=DEFAULT_LAG[1], return_dtype=pl.Int64
    ) + pl.when(pl.col("kind") == "business").then(BUSINESS_RUN_DAYS).otherwise(0)
    day = pl.col("decided_on")
    return contacts.with_columns(
        pay_from=day + pl.duration(days=low),
        pay_until=day + pl.duration(days=high),
        reply_from=day,
        reply_until=day + timedelta(days=REPLY_DAYS),
    )


def _pairs(contacts: pl.DataFrame, answers: pl.DataFrame) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per outcome the (answer, contact row) pairs where the contact's window holds the answer."""
    pairs = []
    for outcome in OUTCOMES:
        window = ("pay_from", "pay_until") if outcome == "pay" else ("reply_from", "reply_until")
        keys = ["customer_id", "channel"] if outcome == "opt_out" else ["customer_id"]
        these = answers.filter(pl.col("outcome") == outcome).select(
            *keys, "answered_on", pl.int_range(pl.len()).alias("answer")
        )
        matched = these.join(contacts.select("row", *keys, *window), on=keys).filter(
            pl.col("answered_on").is_between(pl.col(window[0]), pl.col(window[1]))
        )
        pairs.append(
            (
                matched["answer"].to_numpy().astype(np.int64),
                matched["row"].to_numpy().astype(np.int64),
            )
        )
    return pairs


def _credited(answer: np.ndarray, row: np.ndarray, weight: np.ndarray, rows: int) -> np.ndarray:
    """Each answer shared among its contacts in proportion to `weight`; at most 1 a contact."""
    if not len(answer):
        return np.zeros(rows)
    share = weight[row] + 1e-12
    share = share / np.bincount(answer, share)[answer]
    return np.minimum(np.bincount(row, share, minlength=rows), 1.0)


def _expected(contacts: pl.DataFrame) -> np.ndarray:
    """Per contact and outcome the chance the shipped model gives it, shape (rows, 4)."""
    combos = contacts.select("channel", "step_kind").unique(maintain_order=True)
    table = np.array(
        [
            [list(outcome_rates(t, ch, kind).values()) for t in PAYER_TYPES]
            for ch, kind in combos.iter_rows()
        ]
    ).reshape(combos.height, len(PAYER_TYPES), len(OUTCOMES))
    index = (
        contacts.select("channel", "step_kind")
        .join(combos.with_row_index("combo"), on=["channel", "step_kind"], maintain_order="left")[
            "combo"
        ]
        .to_numpy()
    )
    weights = contacts.select(PAYER_TYPES).to_numpy()
    return np.einsum("nt,nto->no", weights, table[index])


def _fit(
    pairs: tuple[np.ndarray, np.ndarray],
    expected: np.ndarray,
    closed: np.ndarray,
    channel: np.ndarray,
    step: np.ndarray,
    sizes: tuple[int, int],
    references: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Channel and step factors for one outcome, and the answers credited to each contact.

    Alternately: share the answers among their contacts by the fitted rates, then fit
    the level, the channel factors and the step factors on the contacts whose window
    has closed (see the module docstring).
    """
    ch, st, e = channel[closed], step[closed], expected[closed]
    fit_c = np.bincount(ch, minlength=sizes[0]) >= MIN_CONTACTS
    fit_s = np.bincount(st, minlength=sizes[1]) >= MIN_CONTACTS
    fc, fs = np.ones(sizes[0]), np.ones(sizes[1])
    for _ in range(ROUNDS):
        seen = _credited(*pairs, expected * fc[channel] * fs[step], len(expected))[closed]
        level = (seen.sum() + PRIOR_ANSWERS) / ((e * fc[ch] * fs[st]).sum() + PRIOR_ANSWERS)
        wanted = np.bincount(ch, e * level * fs[st], minlength=sizes[0])
        got = np.bincount(ch, seen, minlength=sizes[0])
        fc = _relative((got + PRIOR_ANSWERS) / (wanted + PRIOR_ANSWERS), fit_c, references[0])
        wanted = np.bincount(st, e * level * fc[ch], minlength=sizes[1])
        got = np.bincount(st, seen, minlength=sizes[1])
        fs = _relative((got + PRIOR_ANSWERS) / (wanted + PRIOR_ANSWERS), fit_s, references[1])
    return fc, fs, _credited(*pairs, expected * fc[channel] * fs[step], len(expected))


def _relative(factors: np.ndarray, fitted: np.ndarray, reference: int) -> np.ndarray:
    """Fitted factors over the reference's (e-mail, reminder), bounded; the others 1."""
    scale = factors[reference] if fitted[reference] else 1.0
    relative = np.clip(factors / scale, 1 / MAX_FACTOR, MAX_FACTOR)
    return np.where(fitted, relative, 1.0)


def _prepared(contacts: pl.DataFrame, weights: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Contacts before `as_of` of known customers, with their weights, step class and row."""
    missing = [c for c in CONTACT_COLUMNS if c not in contacts.columns]
    if missing:
        raise ValueError(f"contacts lacks column(s) {', '.join(missing)}")
    steps = contacts["step"].cast(pl.String).drop_nulls().unique().to_list()
    kinds = {s: step_class(s) for s in steps}
    known = weights.select("customer_id", "kind", *PAYER_TYPES)
    return (
        contacts.select(
            pl.col("customer_id").cast(pl.String),
            pl.col("channel").cast(pl.String),
            pl.col("step")
            .cast(pl.String)
            .replace_strict(kinds, default=REFERENCE_STEP, return_dtype=pl.String)
            .alias("step_kind"),
            pl.col("decided_on").cast(pl.Date),
        )
        .filter(pl.col("channel").is_not_null() & (pl.col("decided_on") < as_of))
        .join(known.with_columns(pl.col("customer_id").cast(pl.String)), on="customer_id")
        .sort("decided_on", "customer_id", "channel", "step_kind")
        .with_row_index("row")
        .pipe(answer_windows)
    )


def calibrate_contact_effects(
    contacts: pl.DataFrame, answers: pl.DataFrame, weights: pl.DataFrame, as_of: date
) -> EffectsCalibration:
    """Channel and step effects calibrated on the contacts and answers before `as_of`.

    `contacts`: customer_id, channel, step, decided_on. `answers`: customer_id, outcome
    (pay, promise, dispute, opt_out), answered_on, channel (of an opt-out). `weights`:
    `calibration.payer_type_weights`. No contacts: the shipped effects exactly.
    """
    missing = [c for c in ANSWER_COLUMNS if c not in answers.columns]
    if missing:
        raise ValueError(f"answers lacks column(s) {', '.join(missing)}")
    frame = _prepared(contacts, weights, as_of)
    answers = answers.select(
        pl.col("customer_id").cast(pl.String),
        pl.col("outcome").cast(pl.String),
        pl.col("answered_on").cast(pl.Date),
        pl.col("channel").cast(pl.String),
    ).filter(pl.col("answered_on") < as_of)
    channels = sorted({*CHANNEL_EFFECT, *frame["channel"].unique().to_list()})
    steps = list(STEP_EFFECT)
    pairs = _pairs(frame, answers)
    expected = _expected(frame) if frame.height else np.zeros((0, len(OUTCOMES)))
    channel = np.array([channels.index(c) for c in frame["channel"]], dtype=np.int64)
    step = np.array([steps.index(s) for s in frame["step_kind"]], dtype=np.int64)
    sizes = (len(channels), len(steps))
    references = (channels.index(REFERENCE_CHANNEL), steps.index(REFERENCE_STEP))
    fc, fs = np.ones((sizes[0], len(OUTCOMES))), np.ones((sizes[1], len(OUTCOMES)))
    level: dict[str, float] = {}
    counts_c = np.zeros((sizes[0], len(OUTCOMES), 3))
    counts_s = np.zeros((sizes[1], len(OUTCOMES), 3))
    for o, outcome in enumerate(OUTCOMES):
        window = frame["pay_until" if outcome == "pay" else "reply_until"]
        closed = (window < as_of).to_numpy().astype(bool)
        e = expected[:, o]
        fc[:, o], fs[:, o], seen = _fit(pairs[o], e, closed, channel, step, sizes, references)
        seen, e = seen[closed], e[closed]
        level[outcome] = round(float(seen.sum() / e.sum()), 4) if e.sum() > 0 else 1.0
        for counts, index in ((counts_c, channel[closed]), (counts_s, step[closed])):
            size = counts.shape[0]
            counts[:, o, 0] = np.bincount(index, minlength=size)
            counts[:, o, 1] = np.bincount(index, seen, minlength=size)
            counts[:, o, 2] = np.bincount(index, e, minlength=size)
    shipped_c = {c: SHIPPED_EFFECTS.channel.get(c, NEUTRAL_CHANNEL) for c in channels}
    calibrated_c = {c: _times(shipped_c[c], fc[i]) for i, c in enumerate(channels)}
    calibrated_s = {s: _times(STEP_EFFECT[s], fs[i]) for i, s in enumerate(steps)}
    return EffectsCalibration(
        effects=ContactEffects(channel=calibrated_c, step=calibrated_s),
        channels=_table("channel", channels, counts_c, shipped_c, calibrated_c),
        steps=_table("step", steps, counts_s, STEP_EFFECT, calibrated_s),
        level=level,
    )


def _times(
    shipped: tuple[float, float, float, float], factors: np.ndarray
) -> tuple[float, float, float, float]:
    a, b, c, d = (round(float(x * f), 4) for x, f in zip(shipped, factors, strict=True))
    return (a, b, c, d)


def _table(
    name: str,
    names: list[str],
    counts: np.ndarray,
    shipped: dict[str, tuple[float, float, float, float]],
    calibrated: dict[str, tuple[float, float, float, float]],
) -> pl.DataFrame:
    """One row per channel or step: contacts, seen, expected, shipped and calibrated."""
    columns: dict[str, object] = {
        name: names,
        "contacts": counts[:, 0, 0].astype(np.int64),
    }
    for o, outcome in enumerate(OUTCOMES):
        columns[f"seen_{outcome}"] = counts[:, o, 1].round(2)
        columns[f"expected_{outcome}"] = counts[:, o, 2].round(2)
        columns[f"shipped_{outcome}"] = [shipped[n][o] for n in names]
        columns[f"calibrated_{outcome}"] = [calibrated[n][o] for n in names]
    return pl.DataFrame(columns)
