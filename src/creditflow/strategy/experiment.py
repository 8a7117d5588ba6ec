"""Champion and challenger: which customers try the challenger, and the day decided so (pure).

A strategy file may name a challenger (`challenger: {version: 7, share: 0.2}`): a
stored strategy version tried on that share of the customers. Who is in it is a
stable hash of the customer and the experiment's name, so a customer stays in the
same arm every day and a new experiment draws afresh. Each arm is decided with its
own strategy over its own customers; the actions say which arm they belong to.
"""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date
from typing import Any

import numpy as np
import polars as pl

from creditflow.intelligence.draws import stable_uniform, text_codes
from creditflow.strategy.engine import Decision, decide
from creditflow.strategy.schema import Challenger, Strategy
from creditflow.strategy.snapshot_frames import Snapshot

CHAMPION = "champion"
CHALLENGER = "challenger"


def in_challenger(customer_pks: pl.Series, experiment: str, share: float) -> pl.Series:
    """True for the customers the experiment puts in the challenger arm."""
    if customer_pks.len() == 0:
        return pl.Series("in_challenger", [], dtype=pl.Boolean)
    code = text_codes(pl.Series([experiment])).to_numpy()[0]
    draws = stable_uniform(
        customer_pks.cast(pl.UInt64).to_numpy(), np.full(customer_pks.len(), code)
    )
    return pl.Series("in_challenger", draws < share)


def arms(customer_pks: pl.Series, challenger: Challenger) -> pl.DataFrame:
    """customer_pk, arm: each customer's arm in the experiment."""
    flags = in_challenger(customer_pks, challenger.name, challenger.share)
    return pl.DataFrame({"customer_pk": customer_pks.cast(pl.Int64)}).with_columns(
        pl.when(flags).then(pl.lit(CHALLENGER)).otherwise(pl.lit(CHAMPION)).alias("arm")
    )


def split_snapshot(snapshot: Snapshot, challenger_pks: pl.Series) -> tuple[Snapshot, Snapshot]:
    """The snapshot cut in two by customer: (the champion's part, the challenger's part).

    Frames keyed by customer are cut; frames keyed by invoice only are kept whole, as
    the engine joins them to the (cut) invoices.
    """
    parts: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
    for item in fields(snapshot):
        frame = getattr(snapshot, item.name)
        if isinstance(frame, pl.DataFrame) and "customer_pk" in frame.columns:
            taken = frame.get_column("customer_pk").is_in(challenger_pks.implode())
            parts[0][item.name] = frame.filter(~taken)
            parts[1][item.name] = frame.filter(taken)
    return replace(snapshot, **parts[0]), replace(snapshot, **parts[1])


def decide_experiment(
    snapshot: Snapshot,
    champion: Strategy,
    challenger: Strategy,
    as_of: date,
    **options: Any,
) -> Decision:
    """The day decided per arm, each with its own strategy; actions carry `arm` and
    `experiment`."""
    experiment = champion.challenger
    if experiment is None:
        raise ValueError("the champion strategy names no challenger")
    table = arms(snapshot.customers.get_column("customer_pk"), experiment)
    trying = table.filter(pl.col("arm") == CHALLENGER).get_column("customer_pk")
    first, second = split_snapshot(snapshot, trying)
    decided = [
        (CHAMPION, decide(first, champion, as_of, **options)),
        (CHALLENGER, decide(second, challenger, as_of, **options)),
    ]
    joined: dict[str, pl.DataFrame] = {}
    for item in fields(Decision):
        frames = [getattr(decision, item.name) for _, decision in decided]
        if item.name == "actions":
            frames = [
                frame.with_columns(
                    pl.lit(arm).alias("arm"), pl.lit(experiment.name).alias("experiment")
                )
                for (arm, _), frame in zip(decided, frames, strict=True)
            ]
        joined[item.name] = pl.concat(frames, how="diagonal_relaxed")
    return Decision(**joined)


__all__ = [
    "CHALLENGER",
    "CHAMPION",
    "arms",
    "decide_experiment",
    "in_challenger",
    "split_snapshot",
]
