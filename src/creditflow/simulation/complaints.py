"""Complaints about the contacts themselves: what pressure costs in goodwill.

A debtor may answer a contact not by paying or disputing but by complaining about
being chased: too often, too hard, on a channel they find intrusive. A credit manager
weighs that against the cash a strategy brings in. `complaints(contacts, customers,
rng)` is pure and seeded. Per contact the chance of a complaint is

    BASE[channel] x STEP[step class] x PAYER[payer type] x pressure

    pressure = 1 + PRESSURE_STEP x (contacts the debtor got in the 7 days up to and
               including this one, minus 1)

capped at MAX_CHANCE, and a debtor complains at most once a day (about the first
contact that made them). These are shipped defaults, not learned: a ledger records no
complaints to learn from (a complaint reaches a company by phone, mail or a
regulator, not through its invoices), so the figure compares strategies with each
other, not with a company's own complaint numbers.

    channel     email  push   letter  sms    whatsapp  voice  call
    BASE        0.001  0.0005 0.0005  0.002  0.0015    0.004  0.003

    step class  nudge  reminder  final  costs  handover
    STEP        0.5    1.0       1.5    2.5    3.0

    payer type  punctual  forgetful  struggling  disputer  ghost
    PAYER       1.5       1.0        1.5         3.0       0.3

A punctual payer chased for an invoice they were about to pay, and a debtor who
already contests the claim, complain more; a ghost reads nothing.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from creditflow.simulation.behaviour import step_class
from creditflow.simulation.schema import PAYER_TYPES

__all__ = ["PRESSURE_DAYS", "complaint_chance", "complaints"]

BASE: dict[str, float] = {
    "email": 0.001,
    "push": 0.0005,
    "letter": 0.0005,
    "sms": 0.002,
    "whatsapp": 0.0015,
    "voice": 0.004,
    "call": 0.003,
}
NEUTRAL_BASE = 0.001
STEP: dict[str, float] = {
    "nudge": 0.5,
    "reminder": 1.0,
    "final": 1.5,
    "costs": 2.5,
    "handover": 3.0,
}
PAYER: dict[str, float] = {
    "punctual": 1.5,
    "forgetful": 1.0,
    "struggling": 1.5,
    "disputer": 3.0,
    "ghost": 0.3,
}
PRESSURE_STEP = 0.75
PRESSURE_DAYS = 7
MAX_CHANCE = 0.5
CONTACT_COLUMNS = ("customer_id", "channel", "step", "contacts_7_days")


def complaint_chance(payer_type: str, channel: str | None, step: str | None, recent: int) -> float:
    """Chance that one contact leads to a complaint (the model in the module docstring)."""
    if payer_type not in PAYER:
        raise ValueError(f"payer_type {payer_type!r}: expected one of {', '.join(PAYER_TYPES)}")
    if recent < 1:
        raise ValueError(f"contacts in {PRESSURE_DAYS} days: {recent}, expected at least 1")
    pressure = 1 + PRESSURE_STEP * (recent - 1)
    chance = (
        BASE.get(channel or "", NEUTRAL_BASE)
        * STEP[step_class(step)]
        * PAYER[payer_type]
        * pressure
    )
    return min(chance, MAX_CHANCE)


def complaints(
    contacts: pl.DataFrame, customers: pl.DataFrame, rng: np.random.Generator
) -> pl.DataFrame:
    """The day's complaints: customer_id, channel, step (one per complaining debtor).

    `contacts` has one row per contact sent that day with customer_id, channel, step
    and contacts_7_days (that debtor's contacts in the 7 days up to the day);
    `customers` has customer_id and payer_type. One random number per contact, in row
    order, so the same inputs and generator state give the same complaints.
    """
    missing = [c for c in CONTACT_COLUMNS if c not in contacts.columns]
    if missing:
        raise ValueError(f"contacts lacks column(s) {', '.join(missing)}")
    if "payer_type" not in customers.columns:
        raise ValueError("customers lacks column payer_type")
    empty = pl.DataFrame(schema={"customer_id": pl.String, "channel": pl.String, "step": pl.String})
    if not contacts.height:
        return empty
    types = customers.select(pl.col("customer_id").cast(pl.String), "payer_type").unique(
        "customer_id", keep="first"
    )
    joined = (
        contacts.with_row_index("row")
        .with_columns(pl.col("customer_id").cast(pl.String))
        .join(types, on="customer_id", how="left")
        .sort("row")
    )
    unknown = joined.filter(pl.col("payer_type").is_null())
    if unknown.height:
        raise ValueError(
            f"customers: no payer_type for customer_id {unknown['customer_id'][0]} "
            f"({unknown.height} contacts in all)"
        )
    keys = ["payer_type", "channel", "step", "contacts_7_days"]
    combos = joined.select(keys).unique(maintain_order=True)
    table = combos.with_columns(
        pl.Series(
            "chance",
            [complaint_chance(p, c, s, int(n)) for p, c, s, n in combos.iter_rows()],
            dtype=pl.Float64,
        )
    )
    chances = (
        joined.select(keys)
        .join(table, on=keys, how="left", nulls_equal=True, maintain_order="left")["chance"]
        .to_numpy()
    )
    complained = rng.random(joined.height) < chances
    return (
        joined.filter(pl.Series(complained))
        .unique("customer_id", keep="first", maintain_order=True)
        .select(
            "customer_id",
            pl.col("channel").cast(pl.String),
            pl.col("step").cast(pl.String),
        )
    )
