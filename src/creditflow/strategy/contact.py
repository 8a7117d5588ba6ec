"""Who may be contacted today, and on which channel (pure functions of frames).

`set_aside` splits the chosen actions into kept and held back (with the reason), the
one way every hold of the run is applied: `hold_accounts` for a set of accounts (acted
on earlier today, waiting for a 14-day letter), `hold_back` for do-not-contact states
and contact pressure. `choose_channel`
picks the first usable channel of the step's list (the preferred one first) and
keeps the others, in order, for failover.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import polars as pl

from creditflow.config import ContactRules
from creditflow.intelligence.channel_bandit import pick_channels
from creditflow.outbox.kinds import CONTACT_KINDS
from creditflow.outbox.reach import reachable_frame
from creditflow.strategy.snapshot_frames import Snapshot

__all__ = ["CONTACT_KINDS", "choose_channel", "hold_accounts", "hold_back", "set_aside"]


def hold_back(
    chosen: pl.DataFrame, snapshot: Snapshot, now: datetime, rules: ContactRules
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Apply do-not-contact states and contact pressure; return (kept, skipped)."""
    window_start = now - timedelta(days=7)
    recent = (
        snapshot.contacts.filter(pl.col("at") >= pl.lit(window_start))
        .group_by("customer_pk")
        .agg(pl.len().alias("__recent"), pl.col("at").max().alias("__last"))
    )
    chosen = chosen.join(recent, on="customer_pk", how="left").with_columns(
        pl.col("__recent").fill_null(0)
    )
    contact = pl.col("kind").is_in(CONTACT_KINDS)
    reason = (
        pl.when(pl.col("do_not_contact").is_not_null())
        .then(pl.format("do not contact: {}", pl.col("do_not_contact")))
        .when(contact & (pl.col("__recent") >= rules.max_contacts_per_7_days))
        .then(pl.lit(f"contact pressure: {rules.max_contacts_per_7_days} contacts in 7 days"))
        .otherwise(None)
    )
    kept, skipped = set_aside(chosen, reason)
    kept = kept.with_columns(
        pl.when(contact & pl.col("__last").is_not_null())
        .then(pl.col("__last") + pl.duration(hours=rules.min_gap_hours))
        .otherwise(None)
        .alias("earliest")
    )
    return kept.drop("__recent", "__last"), skipped


def set_aside(chosen: pl.DataFrame, reason: pl.Expr) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Split by `reason` (null = keep): (kept, skipped with customer_pk, currency, step, reason)."""
    marked = chosen.with_columns(reason.alias("__skip"))
    skipped = marked.filter(pl.col("__skip").is_not_null()).select(
        "customer_pk", "currency", "step", pl.col("__skip").alias("reason")
    )
    return marked.filter(pl.col("__skip").is_null()).drop("__skip"), skipped


def hold_accounts(
    chosen: pl.DataFrame, accounts: pl.DataFrame, reason: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Hold back these accounts (customer_pk, currency) today, for `reason`: (kept, skipped)."""
    keys = ["customer_pk", "currency"]
    flagged = chosen.join(
        accounts.select(keys).unique().with_columns(pl.lit(True).alias("__held")),
        on=keys,
        how="left",
        maintain_order="left",
    )
    held = pl.when(pl.col("__held").fill_null(False)).then(pl.lit(reason)).otherwise(None)
    kept, skipped = set_aside(flagged, held)
    return kept.drop("__held"), skipped


def choose_channel(
    chosen: pl.DataFrame, snapshot: Snapshot, as_of: date | None = None
) -> pl.DataFrame:
    """First channel of the step's list the customer can be reached on; the preferred one first.

    Reachable is `outbox.reach`: a usable contact point not on the customer's opt-out list.
    With `as_of` and learned outcomes, a step of a strategy that learns channels takes
    the channel Thompson sampling draws (intelligence.channel_bandit) instead of the
    first one; the customer's own preferred channel still comes first.
    """
    reachable = reachable_frame(snapshot.reachable, chosen.select("customer_pk", "opt_out"))
    listed = (
        chosen.select("customer_pk", "currency", "channels")
        .with_columns(pl.int_ranges(pl.col("channels").list.len()).alias("__pos"))
        .explode("channels", "__pos")
        .rename({"channels": "channel"})
        .drop_nulls("channel")
        .join(reachable, on=["customer_pk", "channel"], how="semi")
        .sort("__pos")
        .group_by("customer_pk", "currency", maintain_order=True)
        .agg(pl.col("channel").alias("__ordered"))
    )
    frame = chosen.join(listed, on=["customer_pk", "currency"], how="left").with_columns(
        pl.col("__ordered").fill_null(pl.lit([], dtype=pl.List(pl.Utf8)))
    )
    frame = frame.join(
        _learned_channels(frame, snapshot, as_of), on=["customer_pk", "currency"], how="left"
    )
    preferred = pl.col("preferred_channel").is_not_null() & pl.col("__ordered").list.contains(
        pl.col("preferred_channel")
    )
    preferred_first = (
        pl.when(preferred)
        .then(pl.col("preferred_channel"))
        .when(pl.col("__learned").is_not_null())
        .then(pl.col("__learned"))
        .otherwise(pl.col("__ordered").list.first())
    )
    is_message = pl.col("kind") == "message"
    channel = (
        pl.when(is_message)
        .then(preferred_first)
        .when(pl.col("kind") == "task")
        .then(pl.col("task"))
        .when(pl.col("kind") == "charge")
        .then(pl.lit("ledger"))
        .otherwise(pl.col("escalate"))
    )
    frame = frame.with_columns(channel.alias("channel"))
    no_channel = is_message & pl.col("channel").is_null()
    learned = is_message & ~preferred.fill_null(False) & pl.col("__learned").is_not_null()
    return (
        frame.with_columns(
            pl.when(no_channel).then(pl.lit("task")).otherwise(pl.col("kind")).alias("kind"),
            pl.when(no_channel).then(pl.lit("call")).otherwise(pl.col("channel")).alias("channel"),
            pl.when(no_channel)
            .then(pl.lit("no reachable channel in the step's list"))
            .when(learned)
            .then(pl.col("__why"))
            .otherwise(None)
            .alias("note"),
        )
        .drop("__learned", "__why")
        .pipe(_fallbacks, is_message & ~no_channel)
    )


def _learned_channels(frame: pl.DataFrame, snapshot: Snapshot, as_of: date | None) -> pl.DataFrame:
    """customer_pk, currency, __learned, __why: Thompson sampling's pick per account."""
    empty = pl.DataFrame(
        schema={
            "customer_pk": pl.Int64,
            "currency": pl.Utf8,
            "__learned": pl.Utf8,
            "__why": pl.Utf8,
        }
    )
    if as_of is None or snapshot.channel_outcomes.height == 0 or frame.height == 0:
        return empty
    learns = pl.col("learn_channels") if "learn_channels" in frame.columns else pl.lit(True)
    lawful = pl.col("legal").is_null() if "legal" in frame.columns else pl.lit(True)
    candidates = (
        # a legal step (the 14-day letter) keeps the channel the law and the strategy set
        frame.filter((pl.col("kind") == "message") & learns.fill_null(True) & lawful)
        .select("customer_pk", "currency", "strategy", "step", "__ordered")
        .with_columns(pl.col("__ordered").list.len().alias("count"))
        .with_columns(pl.int_ranges(pl.col("count")).alias("position"))
        .explode("__ordered", "position")
        .rename({"__ordered": "channel"})
        .drop_nulls("channel")
        .with_columns(pl.col("position").cast(pl.Int64), pl.col("count").cast(pl.Int64))
    )
    picked = pick_channels(candidates, snapshot.channel_outcomes, as_of)
    return picked.rename({"channel": "__learned", "reason": "__why"}).cast(
        {"customer_pk": pl.Int64}
    )


def _fallbacks(frame: pl.DataFrame, is_message: pl.Expr) -> pl.DataFrame:
    """The step's other usable channels, in the step's order, for failover."""
    rest = (
        frame.select("customer_pk", "currency", "channel", "__ordered", is_message.alias("__m"))
        .filter(pl.col("__m"))
        .explode("__ordered")
        .filter(pl.col("__ordered") != pl.col("channel"))
        .group_by("customer_pk", "currency", maintain_order=True)
        .agg(pl.col("__ordered").alias("fallback_channels"))
    )
    return (
        frame.join(rest, on=["customer_pk", "currency"], how="left")
        .with_columns(pl.col("fallback_channels").fill_null(pl.lit([], dtype=pl.List(pl.Utf8))))
        .drop("__ordered")
    )
