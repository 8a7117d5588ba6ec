"""Learning from what happened: channel outcomes per step, and each customer's usual hour.

`learn_channels_and_hours` reads the sent messages and the debtors' own moments known
at as-of (set-based, two queries each), runs the pure rules of channel_bandit and
habits, and replaces `channel_outcome` and `customer_habit` in one transaction.
`creditflow model train` calls it after the risk model, so the weekly retrain keeps
both current.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import polars as pl
from sqlalchemy import Engine, delete, insert

from creditflow.intelligence.channel_bandit import SEND_SCHEMA, judged_outcomes
from creditflow.intelligence.habits import HABIT_KINDS, MOMENT_SCHEMA, WINDOW_DAYS, usual_minutes
from creditflow.intelligence.models import ChannelOutcome, CustomerHabit
from creditflow.store import read_frame

_SENT_SQL = (
    "SELECT action_id, strategy, step, channel, sent_at, CAST(invoice_ids AS TEXT) "
    "FROM action WHERE kind = 'message' AND sent_at IS NOT NULL "
    "AND status IN ('sent', 'delivered') AND sent_at >= :since AND sent_at < :until"
)
_SENT_SCHEMA = {
    "action_id": pl.Utf8,
    "strategy": pl.Utf8,
    "step": pl.Utf8,
    "channel": pl.Utf8,
    "sent_at": pl.Datetime("us", "UTC"),
    "invoice_ids": pl.Utf8,
}
_PAID_SQL = "SELECT id, paid_on FROM invoice WHERE paid_on IS NOT NULL AND paid_on >= :since"
_MOMENTS_SQL = (
    "SELECT e.customer_id, e.occurred_at, c.timezone FROM event e "  # noqa: S608 - constants
    "JOIN customer c ON c.id = e.customer_id "
    f"WHERE e.kind IN ({', '.join(repr(kind) for kind in HABIT_KINDS)}) "
    "AND e.occurred_at >= :since AND e.occurred_at < :until"
)


@dataclass(frozen=True)
class Learned:
    """What one learning pass stored."""

    steps: int  # strategy steps with judged sends
    judged_sends: int
    customers_with_habit: int


def _window(as_of: date) -> tuple[datetime, datetime]:
    until = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=UTC)
    return until - timedelta(days=WINDOW_DAYS + 1), until


def read_sends(engine: Engine, as_of: date) -> pl.DataFrame:
    """One row per invoice of each message sent in the window (SEND_SCHEMA)."""
    since, until = _window(as_of)
    with engine.connect() as conn:
        sent = read_frame(conn, _SENT_SQL, _SENT_SCHEMA, {"since": since, "until": until})
        paid = read_frame(
            conn, _PAID_SQL, {"invoice_pk": pl.Int64, "paid_on": pl.Date}, {"since": since.date()}
        )
    return (
        sent.with_columns(
            pl.col("sent_at").dt.date().alias("sent_on"),
            pl.col("invoice_ids").str.json_decode(pl.List(pl.Int64)).alias("invoice_pk"),
        )
        .explode("invoice_pk")
        .drop_nulls("invoice_pk")
        .join(paid, on="invoice_pk", how="left")
        .select(list(SEND_SCHEMA))
    )


def read_moments(engine: Engine, as_of: date) -> pl.DataFrame:
    """The debtors' own moments in the window (MOMENT_SCHEMA)."""
    since, until = _window(as_of)
    with engine.connect() as conn:
        return read_frame(conn, _MOMENTS_SQL, MOMENT_SCHEMA, {"since": since, "until": until})


def learn_channels_and_hours(engine: Engine, as_of: date) -> Learned:
    """Replace the stored channel outcomes and customer habits with what as-of knows."""
    outcomes = judged_outcomes(read_sends(engine, as_of), as_of)
    habits = usual_minutes(read_moments(engine, as_of))
    with engine.begin() as conn:
        conn.execute(delete(ChannelOutcome))
        conn.execute(delete(CustomerHabit))
        if outcomes.height:
            conn.execute(
                insert(ChannelOutcome),
                outcomes.with_columns(pl.lit(as_of).alias("learned_on")).to_dicts(),
            )
        if habits.height:
            conn.execute(
                insert(CustomerHabit),
                habits.rename({"customer_pk": "customer_id"})
                .with_columns(pl.lit(as_of).alias("learned_on"))
                .to_dicts(),
            )
    steps = outcomes.select("strategy", "step").unique().height
    return Learned(steps, int(outcomes.get_column("sent").sum() or 0), habits.height)
