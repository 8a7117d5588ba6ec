"""Which channel a message step uses: Thompson sampling on "paid within 7 days" (pure).

Per (strategy, step, channel) the outcomes of sent messages that are old enough to
judge are counted: a message succeeded when every invoice it named was paid within
seven days of sending. Until a step has MIN_EVIDENCE judged sends, the strategy's own
order holds. After that each reachable channel of the step gets a draw from
Beta(1 + paid + prior, 1 + not paid + prior'), where the prior leans towards the order
the strategy lists (the first channel is believed a little better), and the highest
draw wins. The draw is a quantile of a uniform number hashed from the customer, the
step, the channel and the day, so a run repeated on the same day chooses the same.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
from scipy.special import betaincinv

from creditflow.intelligence.draws import stable_uniform, text_codes

PAID_WITHIN_DAYS = 7
MIN_EVIDENCE = 20  # judged sends of a step before learning replaces the strategy's order
PRIOR_WEIGHT = 10.0  # how many sends the strategy's order is worth
PRIOR_FIRST = 0.6  # prior paid rate of the channel listed first; the last gets PRIOR_LAST
PRIOR_LAST = 0.5

SEND_SCHEMA = {
    "action_id": pl.Utf8,
    "strategy": pl.Utf8,
    "step": pl.Utf8,
    "channel": pl.Utf8,
    "sent_on": pl.Date,
    "invoice_pk": pl.Int64,
    "paid_on": pl.Date,
}
OUTCOME_SCHEMA = {
    "strategy": pl.Utf8,
    "step": pl.Utf8,
    "channel": pl.Utf8,
    "sent": pl.Int64,
    "paid": pl.Int64,
}


def judged_outcomes(sends: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """(strategy, step, channel, sent, paid) of messages sent at least 7 days before as_of.

    `sends` has one row per invoice a sent message named (SEND_SCHEMA). Only payments
    known on as_of count, so learning never looks into the future.
    """
    cutoff = as_of - timedelta(days=PAID_WITHIN_DAYS)
    in_time = (
        pl.col("paid_on").is_not_null()
        & (pl.col("paid_on") <= pl.col("sent_on") + pl.duration(days=PAID_WITHIN_DAYS))
        & (pl.col("paid_on") <= as_of)
    )
    per_message = (
        sends.filter(pl.col("sent_on") <= cutoff)
        .with_columns(in_time.alias("__paid"))
        .group_by("action_id", "strategy", "step", "channel")
        .agg(pl.col("__paid").all().alias("__paid"))
    )
    return (
        per_message.group_by("strategy", "step", "channel")
        .agg(
            pl.len().cast(pl.Int64).alias("sent"),
            pl.col("__paid").sum().cast(pl.Int64).alias("paid"),
        )
        .sort("strategy", "step", "channel")
        .select(list(OUTCOME_SCHEMA))
    )


def prior_rate(position: pl.Expr, count: pl.Expr) -> pl.Expr:
    """The prior paid rate of a channel by its place in the step's list (first: highest)."""
    spread = (count - 1).clip(lower_bound=1).cast(pl.Float64)
    return PRIOR_FIRST - (PRIOR_FIRST - PRIOR_LAST) * position.cast(pl.Float64) / spread


def pick_channels(candidates: pl.DataFrame, outcomes: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The learned channel per account where its step has enough evidence, with why.

    `candidates`: customer_pk, currency, strategy, step, channel, position, count
    (the step's channels the customer can be reached on, in the step's order; `count`
    is how many there are). Returns customer_pk, currency, channel, reason.
    """
    out_schema = {
        "customer_pk": pl.Int64,
        "currency": pl.Utf8,
        "channel": pl.Utf8,
        "reason": pl.Utf8,
    }
    if candidates.height == 0 or outcomes.height == 0:
        return pl.DataFrame(schema=out_schema)
    evidence = outcomes.group_by("strategy", "step").agg(pl.col("sent").sum().alias("__evidence"))
    rows = (
        candidates.join(evidence, on=["strategy", "step"], how="inner")
        .filter(pl.col("__evidence") >= MIN_EVIDENCE)
        .join(outcomes, on=["strategy", "step", "channel"], how="left")
        .with_columns(pl.col("sent").fill_null(0), pl.col("paid").fill_null(0))
    )
    if rows.height == 0:
        return pl.DataFrame(schema=out_schema)
    rate = prior_rate(pl.col("position"), pl.col("count"))
    rows = rows.with_columns(
        (1 + pl.col("paid") + PRIOR_WEIGHT * rate).alias("__a"),
        (1 + pl.col("sent") - pl.col("paid") + PRIOR_WEIGHT * (1 - rate)).alias("__b"),
    )
    uniform = stable_uniform(
        rows.get_column("customer_pk").cast(pl.UInt64).to_numpy(),
        text_codes(rows.get_column("currency")).to_numpy(),
        text_codes(rows.get_column("strategy") + "/" + rows.get_column("step")).to_numpy(),
        text_codes(rows.get_column("channel")).to_numpy(),
        np.full(rows.height, as_of.toordinal(), dtype=np.uint64),
    )
    draws = betaincinv(
        rows.get_column("__a").to_numpy(), rows.get_column("__b").to_numpy(), uniform
    )
    rows = rows.with_columns(pl.Series("__draw", draws))
    label = pl.format(
        "{} {}/{}",
        pl.col("channel"),
        pl.col("paid"),
        pl.col("sent"),
    )
    best = (
        rows.with_columns(label.alias("__label"))
        .sort("__draw", descending=True)
        .group_by("customer_pk", "currency", maintain_order=True)
        .agg(
            pl.col("channel").first(),
            pl.col("__label").sort().str.join(", ").alias("__all"),
        )
    )
    return best.select(
        "customer_pk",
        "currency",
        "channel",
        pl.format(
            "channel learned: {} chosen (paid within 7 days: {})",
            pl.col("channel"),
            pl.col("__all"),
        ).alias("reason"),
    )
