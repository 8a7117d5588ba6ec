"""The collection run's bulk path into the outbox: many actions in one statement.

`prepare_run_actions` turns the engine's action frame into `action` rows converted
for the driver (the run does this in a thread while the database raises dunning
levels); `insert_prepared_actions` writes them; `supersede_actions` cancels queued
actions a later step replaced. Keys come from `outbox.keys` (`run_key_parts`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import text

from creditflow.store import db_value, insert_prepared, prepare_rows

__all__ = ["insert_prepared_actions", "prepare_run_actions", "run_action_rows", "supersede_actions"]


def run_action_rows(actions: pl.DataFrame, run_id: int, now: datetime) -> pl.DataFrame:
    """The `action` table's columns for the engine's actions of one run."""
    return actions.select(
        "action_id",
        pl.lit(run_id).alias("run_id"),
        pl.col("customer_pk").alias("customer_id"),
        "kind",
        "channel",
        "step",
        "level",
        "strategy",
        "template",
        "language",
        "tone",
        "legal",
        pl.col("invoices").alias("invoice_numbers"),
        pl.col("invoice_ids").cast(pl.List(pl.Int64)),
        "amount_due_minor",
        "charge_minor",
        "currency",
        "decided_on",
        "scheduled_at",
        "timezone",
        "status",
        pl.col("note").alias("status_reason"),
        "fallback_channels",
        pl.lit(0).alias("attempts"),
        _payload(actions).alias("payload"),
        pl.lit(now).alias("created_at"),
        pl.lit(now).alias("updated_at"),
    )


def _payload(actions: pl.DataFrame) -> pl.Expr:
    """The action's payload: its segment, and its arm when a challenger is tried."""
    if "arm" not in actions.columns:
        return pl.format('{{"segment":"{}"}}', pl.col("assigned_segment"))
    return pl.format(
        '{{"segment":"{}","arm":"{}","experiment":"{}"}}',
        pl.col("assigned_segment"),
        pl.col("arm"),
        pl.col("experiment"),
    )


def prepare_run_actions(actions: pl.DataFrame, run_id: int, now: datetime, dialect: str) -> Any:
    """The run's action rows converted for the driver (safe to run in a thread)."""
    return prepare_rows(run_action_rows(actions, run_id, now), dialect)


def insert_prepared_actions(conn: Any, prepared: Any) -> None:
    """Insert rows from `prepare_run_actions` into the outbox."""
    insert_prepared(conn, "action", prepared)


def supersede_actions(conn: Any, superseded: pl.DataFrame, now: datetime) -> None:
    """Cancel queued actions (action_id) replaced by a later step (`by`)."""
    if superseded.height == 0:
        return
    dialect = conn.dialect.name
    conn.execute(
        text(
            "UPDATE action SET status = 'cancelled', status_reason = :reason, "
            "updated_at = :now WHERE action_id = :aid AND status = 'queued'"
        ),
        [
            {"reason": f"superseded by {by}", "now": db_value(now, dialect), "aid": aid}
            for aid, by in superseded.select("action_id", "by").iter_rows()
        ],
    )
