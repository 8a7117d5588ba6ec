"""Reading a running champion/challenger experiment for the report (one query per table)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Connection, func, select

from creditflow.analytics.experiment import compare_arms
from creditflow.store import read_frame
from creditflow.strategy.experiment import arms
from creditflow.strategy.models import CollectionRun, StrategyVersion
from creditflow.strategy.schema import StrategyError, parse_strategy

_DECIDED_SQL = (
    "SELECT customer_id, "
    "SUM(CASE WHEN status IN ('sent', 'delivered', 'done') AND kind IN ('message', 'task') "
    "THEN 1 ELSE 0 END), SUM(COALESCE(cost_minor, 0)) FROM action "
    "WHERE decided_on >= :since AND decided_on <= :as_of GROUP BY customer_id"
)
_COLLECTED_SQL = (
    "SELECT i.customer_id, i.currency, SUM(a.amount_minor) FROM allocation a "
    "JOIN payment p ON p.id = a.payment_id JOIN invoice i ON i.id = a.invoice_id "
    "WHERE p.paid_at >= :since AND p.paid_at < :until AND p.reversed_at IS NULL "
    "GROUP BY i.customer_id, i.currency"
)


def load_experiment(
    conn: Connection,
    as_of: date,
    invoices: pl.DataFrame,
    allocations: pl.DataFrame,
    credits: pl.DataFrame | None = None,
) -> dict[str, Any] | None:
    """The active strategy's experiment at as_of, arm by arm; None when it names none."""
    row = conn.execute(
        select(
            StrategyVersion.id,
            StrategyVersion.content,
            StrategyVersion.source_name,
            StrategyVersion.loaded_at,
        ).where(StrategyVersion.active)
    ).first()
    if row is None:
        return None
    try:
        strategy = parse_strategy(row.content, source=row.source_name)
    except StrategyError:
        return None
    if strategy.challenger is None:
        return None
    # the experiment starts on the first day a run decided with this version
    first_run = conn.execute(
        select(func.min(CollectionRun.as_of)).where(
            CollectionRun.strategy_version_id == row.id, CollectionRun.dry_run.is_(False)
        )
    ).scalar()
    since = first_run or row.loaded_at.astimezone(UTC).date()
    decided = read_frame(
        conn,
        _DECIDED_SQL,
        {"customer_pk": pl.Int64, "contacts": pl.Int64, "cost_minor": pl.Int64},
        {"since": since, "as_of": as_of},
    )
    until = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=UTC)
    collected = read_frame(
        conn,
        _COLLECTED_SQL,
        {"customer_pk": pl.Int64, "currency": pl.Utf8, "amount_minor": pl.Int64},
        {"since": datetime.combine(since, time(), tzinfo=UTC), "until": until},
    )
    table, differences = compare_arms(
        arms(decided.get_column("customer_pk"), strategy.challenger),
        collected,
        decided,
        invoices,
        allocations,
        as_of,
        credits,
    )
    return {
        "name": strategy.challenger.name,
        "champion_version": row.id,
        "challenger_version": strategy.challenger.version,
        "share": strategy.challenger.share,
        "since": since.isoformat(),
        "arms": table.to_dicts(),
        "differences": differences,
    }
