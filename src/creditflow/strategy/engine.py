"""The decision engine: decide(snapshot, strategy, as_of) -> actions. Pure and set-based.

Per account (customer x currency) it picks the highest step that has come due for
any of its dunnable invoices and that those invoices have not reached yet, so a
step that came due while the system was not run is done once, and a later step
supersedes an earlier one. One action covers all the account's overdue invoices
(a before-due step such as `due-3d` covers only the invoices not yet due; charges
and escalations only the invoices the step is due for).

The run is a function of the day: an account an earlier run of the same day acted
on gets nothing more that day, so a second run creates nothing even though the
first raised dunning levels (which lets a step it passed over come due).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import polars as pl

from creditflow.config import ContactRules, LegalRules
from creditflow.outbox.keys import action_keys, run_key_parts
from creditflow.outbox.shape import LANGUAGES
from creditflow.strategy.conditions import compile_condition
from creditflow.strategy.contact import CONTACT_KINDS, choose_channel, hold_accounts, hold_back
from creditflow.strategy.costs import (
    charge_amounts,
    cost_facts,
    lawful_consumer_costs,
    notice_templates,
)
from creditflow.strategy.features import account_features
from creditflow.strategy.pause import exclusions
from creditflow.strategy.schema import Strategy
from creditflow.strategy.sendtime import schedule, usual_send_minute
from creditflow.strategy.snapshot_frames import Snapshot

ACTED_TODAY = "already acted on by an earlier run today"
# A 14-day letter decided but not yet sent (held by the contact gap, quiet hours or a
# retry) is never superseded: a later step waits for it, so the law's letter goes out.
LEGAL_LETTER = "wik_notice"
LETTER_WAITING = "a 14-day letter is still waiting to be sent"


@dataclass(frozen=True)
class Decision:
    """What the engine decided for one day.

    actions: one row per action (see ACTION_COLUMNS).
    superseded: action_id of queued actions replaced by a later step, with `by`.
    invoice_levels: invoice_pk, level, step, on: covered invoices whose dunning
        level rises today, and the level they reach.
    skipped: customer_pk, currency, step, reason: decisions held back (contact
        pressure, do-not-contact state).
    """

    actions: pl.DataFrame
    superseded: pl.DataFrame
    invoice_levels: pl.DataFrame
    skipped: pl.DataFrame


def _steps_frame(strategy: Strategy) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "strategy": s.strategy,
                "level": s.level,
                "step": s.id,
                "kind": s.kind,
                "anchor_level": s.anchor_level,
                "offset_days": s.offset_days,
                "channels": list(s.channels),
                "template": s.template,
                "tone": s.tone,
                "task": s.task,
                "charge": s.charge,
                "escalate": s.escalate,
                "legal": s.legal,
                "learn_channels": s.learn_channels,
                "learn_send_time": s.learn_send_time,
            }
            for s in strategy.steps
        ],
        schema={
            "strategy": pl.Utf8,
            "level": pl.Int64,
            "step": pl.Utf8,
            "kind": pl.Utf8,
            "anchor_level": pl.Int64,
            "offset_days": pl.Int64,
            "channels": pl.List(pl.Utf8),
            "template": pl.Utf8,
            "tone": pl.Utf8,
            "task": pl.Utf8,
            "charge": pl.Utf8,
            "escalate": pl.Utf8,
            "legal": pl.Utf8,
            "learn_channels": pl.Boolean,
            "learn_send_time": pl.Boolean,
        },
    )


def assign_segments(accounts: pl.DataFrame, strategy: Strategy) -> pl.DataFrame:
    """Add `assigned_segment` and `strategy`: a manual segment wins, else the first match."""
    names = {seg for seg, _, _ in strategy.segments}
    to_strategy = {seg: strat for seg, _, strat in strategy.segments}
    chain: pl.Expr | None = None
    for seg, when, _ in strategy.segments:
        cond = compile_condition(when)
        chain = (
            pl.when(cond).then(pl.lit(seg)) if chain is None else chain.when(cond).then(pl.lit(seg))  # type: ignore[attr-defined]
        )
    assert chain is not None
    rule_based = chain.otherwise(pl.lit(strategy.segments[-1][0]))  # type: ignore[attr-defined]
    manual = pl.col("segment").is_in(list(names)).fill_null(False)
    assigned = pl.when(manual).then(pl.col("segment")).otherwise(rule_based)
    return accounts.with_columns(assigned.alias("assigned_segment")).with_columns(
        pl.col("assigned_segment")
        .replace_strict(to_strategy, return_dtype=pl.Utf8)
        .alias("strategy")
    )


def decide(
    snapshot: Snapshot,
    strategy: Strategy,
    as_of: date,
    *,
    now: datetime,
    rules: ContactRules,
    legal: LegalRules | None = None,
) -> Decision:
    """Decide today's actions for every account in the snapshot."""
    invoices = exclusions(snapshot, as_of, rules)
    accounts = assign_segments(account_features(invoices, snapshot, as_of), strategy)
    accounts = (
        accounts.with_row_index("account")
        .with_columns(
            [
                (compile_condition(step.when) & (pl.col("strategy") == step.strategy)).alias(
                    f"__ok{i}"
                )
                for i, step in enumerate(strategy.steps)
            ]
        )
        .rename({"kind": "customer_kind"})
    )
    steps = _steps_frame(strategy).with_row_index("idx")
    ok_columns = [f"__ok{i}" for i in range(len(strategy.steps))]
    dunnable = invoices.filter(pl.col("excluded").is_null()).join(
        accounts.select(
            "customer_pk", "currency", "account", "customer_kind", "strategy", *ok_columns
        ),
        on=["customer_pk", "currency"],
    )
    dunnable = _position(dunnable, steps).join(cost_facts(snapshot), on="invoice_pk", how="left")
    dunnable = _eligibility(dunnable, strategy, as_of).drop(ok_columns)
    eligible = dunnable.filter(pl.col("__top") > 0)
    chosen = (
        eligible.group_by("account")
        .agg(pl.col("__top").max().alias("level"))
        .join(accounts.drop(ok_columns), on="account")
        .join(steps, on=["strategy", "level"])
    )
    due_for_step = (
        eligible.join(chosen.select("account", "idx"), on="account")
        .filter(
            (pl.col("__mask") // pl.lit(2, dtype=pl.Int64).pow(pl.col("idx").cast(pl.Int64))) % 2
            == 1
        )
        .select("invoice_pk", "account")
    )
    overdue = dunnable.filter(pl.col("due_date") < pl.lit(as_of)).select("invoice_pk", "account")
    contact = pl.col("kind").is_in(CONTACT_KINDS)
    before_due = (pl.col("anchor_level") == 0) & (pl.col("offset_days") < 0)
    contact_cover = pl.concat(
        [
            overdue.join(chosen.filter(contact & ~before_due).select("account"), on="account"),
            due_for_step.join(chosen.filter(contact).select("account"), on="account"),
        ]
    ).unique()
    other_cover = due_for_step.join(
        chosen.filter(~pl.col("kind").is_in(CONTACT_KINDS)).select("account"), on="account"
    )
    covered = (
        pl.concat([contact_cover, other_cover])
        .join(
            invoices.select("invoice_pk", "invoice_number", "open_minor", "due_date"),
            on="invoice_pk",
        )
        .sort("due_date", "invoice_pk")
        .group_by("account", maintain_order=True)
        .agg(
            pl.col("invoice_pk").alias("invoice_ids"),
            pl.col("invoice_number").alias("invoices"),
            pl.col("open_minor").sum().alias("amount_due_minor"),
        )
    )
    consumer_costs = lawful_consumer_costs(
        due_for_step.join(
            chosen.filter(
                (pl.col("charge") == "collection_costs") & (pl.col("customer_kind") == "consumer")
            ).select("account"),
            on="account",
        ).join(invoices.select("invoice_pk", "open_minor", "currency"), on="invoice_pk"),
        snapshot,
        legal,
    ).rename({"charge_minor": "lawful_costs_minor"})
    chosen = (
        chosen.join(covered, on="account")
        .join(consumer_costs, on="account", how="left")
        .drop("account", "idx")
    )
    chosen, acted = hold_accounts(chosen, snapshot.acted_today, ACTED_TODAY)
    chosen, waiting = hold_accounts(
        chosen, _after_a_waiting_letter(chosen, snapshot), LETTER_WAITING
    )
    chosen, skipped = hold_back(chosen, snapshot, now, rules)
    skipped = pl.concat([acted, waiting, skipped])
    chosen = choose_channel(chosen, snapshot, as_of)
    chosen = usual_send_minute(chosen, snapshot.habits)
    actions = notice_templates(charge_amounts(_finish(chosen, as_of, now, rules), legal)).drop(
        "lawful_costs_minor"
    )
    # an invoice belongs to one account and an account gets one action: no duplicates
    levels = (
        actions.select("invoice_ids", "level", "step")
        .explode("invoice_ids")
        .rename({"invoice_ids": "invoice_pk"})
        .join(dunnable.select("invoice_pk", "dunning_level"), on="invoice_pk")
        .filter(pl.col("level") > pl.col("dunning_level"))
        .select("invoice_pk", "level", "step", pl.lit(as_of).alias("on"))
    )
    superseded = (
        snapshot.pending.join(
            actions.filter(pl.col("kind").is_in(CONTACT_KINDS)).select(
                "customer_pk",
                "currency",
                pl.col("level").alias("new_level"),
                pl.col("action_id").alias("by"),
            ),
            on=["customer_pk", "currency"],
        )
        .filter(pl.col("level") < pl.col("new_level"))
        .select("action_id", "by")
    )
    return Decision(actions=actions, superseded=superseded, invoice_levels=levels, skipped=skipped)


def _after_a_waiting_letter(chosen: pl.DataFrame, snapshot: Snapshot) -> pl.DataFrame:
    """Accounts whose step today comes after their 14-day letter that is not sent yet."""
    keys = ["customer_pk", "currency"]
    letters = (
        snapshot.pending.filter(pl.col("legal") == LEGAL_LETTER)
        .group_by(keys)
        .agg(pl.col("level").min().alias("__letter_level"))
    )
    return (
        chosen.join(letters, on=keys)
        .filter(pl.col("level") > pl.col("__letter_level"))
        .select(keys)
        .unique()
    )


def _position(dunnable: pl.DataFrame, steps: pl.DataFrame) -> pl.DataFrame:
    """Where each invoice stands in its account's current strategy, keyed by step id.

    `dunning_level` becomes the level of the step the invoice last reached in the
    current strategy (the stored level only when that step id is gone), so a revised
    strategy with steps inserted or removed neither repeats nor skips a step. `__start`
    is the day due-relative steps count from: when a due-relative step was reached
    later than its offset (a newly imported ledger), later steps keep their spacing
    from the day it was actually made. `__fresh` marks accounts with no dunning yet.
    """
    current = steps.select(
        "strategy",
        pl.col("step").alias("dunning_step"),
        pl.col("level").alias("__level"),
        pl.col("anchor_level").alias("__anchor"),
        pl.col("offset_days").alias("__offset"),
    )
    frame = dunnable.join(current, on=["strategy", "dunning_step"], how="left")
    late = (pl.col("dunning_on") - pl.duration(days=pl.col("__offset"))).fill_null(
        pl.col("due_date")
    )
    due_relative = (pl.col("__anchor") == 0) & (pl.col("__offset") >= 0)
    return (
        frame.with_columns(
            pl.coalesce(pl.col("__level"), pl.col("dunning_level")).alias("dunning_level"),
            pl.when(due_relative.fill_null(False))
            .then(pl.max_horizontal(pl.col("due_date"), late))
            .otherwise(pl.col("due_date"))
            .alias("__start"),
        )
        .with_columns((pl.col("dunning_level").max().over("account") == 0).alias("__fresh"))
        .drop("__level", "__anchor", "__offset")
    )


def _eligibility(dunnable: pl.DataFrame, strategy: Strategy, as_of: date) -> pl.DataFrame:
    """Per invoice: `__mask` (bit i = step i is due for it) and `__top` (highest due level).

    A step is due for an invoice when its condition holds for the account, the
    invoice has not reached it, its time has come (`__start` or the date the invoice
    reached the step it follows, plus the offset), a before-due step is not yet
    overdue, and an account with no dunning yet starts at its first reminder. A
    collection costs step is due only for an invoice never charged them, and, for a
    consumer, only once the term of a sent 14-day letter naming it has passed
    (`strategy.costs`): the strategy's own timing never suffices.
    """
    today = pl.lit(as_of)
    first_reminder = pl.min_horizontal(
        [
            pl.when(pl.col(f"__ok{i}")).then(pl.lit(step.level)).otherwise(None)
            for i, step in enumerate(strategy.steps)
            if step.kind == "message" and step.anchor_level == 0 and step.offset_days >= 0
        ]
        or [pl.lit(None, dtype=pl.Int64)]
    )
    dunnable = dunnable.with_columns(first_reminder.alias("__entry"))
    masks: list[pl.Expr] = []
    levels: list[pl.Expr] = []
    for i, step in enumerate(strategy.steps):
        if step.anchor_level == 0:
            timing = pl.col("__start") + pl.duration(days=step.offset_days) <= today
            if step.offset_days < 0:
                timing = timing & (pl.col("due_date") >= today)
        else:
            timing = (pl.col("dunning_level") >= step.anchor_level) & (
                pl.col("dunning_on") + pl.duration(days=step.offset_days) <= today
            )
        starts_here = ~pl.col("__fresh") | ~(pl.lit(step.level) > pl.col("__entry")).fill_null(
            False
        )
        due = pl.col(f"__ok{i}") & (pl.col("dunning_level") < step.level) & timing & starts_here
        if step.charge == "collection_costs":
            lawful = (pl.col("customer_kind") != "consumer") | (
                pl.col("__lawful_from") <= today
            ).fill_null(False)
            due = due & ~pl.col("__charged").fill_null(False) & lawful
        due = due.fill_null(False)
        masks.append(pl.when(due).then(pl.lit(1 << i, dtype=pl.Int64)).otherwise(0))
        levels.append(pl.when(due).then(pl.lit(step.level, dtype=pl.Int64)).otherwise(0))
    if not masks:
        return dunnable.with_columns(pl.lit(0).alias("__mask"), pl.lit(0).alias("__top"))
    return dunnable.with_columns(
        pl.sum_horizontal(masks).alias("__mask"), pl.max_horizontal(levels).alias("__top")
    ).drop("__entry", "__start", "__fresh", "__letter", "__lawful_from", "__charged")


def _finish(chosen: pl.DataFrame, as_of: date, now: datetime, rules: ContactRules) -> pl.DataFrame:
    """Language, tone, send time, status and the idempotency key of each action."""
    hours = rules.send_hours
    frame = chosen.with_columns(
        pl.when(pl.col("language").is_in(LANGUAGES))
        .then(pl.col("language"))
        .otherwise(pl.lit("en"))
        .alias("language"),
        pl.coalesce(
            pl.col("preferred_hour"),
            pl.col("channel").replace_strict(
                hours, default=hours.get("email", 9), return_dtype=pl.Int64
            ),
        ).alias("hour"),
        # the debtor's own hour wins; a learned minute only stands in for the default
        pl.when(pl.col("preferred_hour").is_null())
        .then(pl.col("__send_minute"))
        .otherwise(None)
        .alias("minute"),
    ).drop("__send_minute")
    if frame.height == 0:
        frame = frame.with_columns(
            pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("scheduled_at")
        )
    else:
        frame = schedule(
            frame.with_columns(pl.col("earliest").cast(pl.Datetime("us", "UTC"))),
            as_of=as_of,
            now=now,
            rules=rules,
        )
    keys = action_keys(frame, run_key_parts(as_of))
    status = pl.when(pl.col("kind") == "charge").then(pl.lit("done")).otherwise(pl.lit("queued"))
    return frame.with_columns(
        keys,
        status.alias("status"),
        pl.lit(as_of).alias("decided_on"),
        pl.when(pl.col("kind") == "message")
        .then(pl.col("template"))
        .otherwise(None)
        .alias("template"),
    )
