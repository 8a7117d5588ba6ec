"""Reading the portal events, opened short links and inbound replies for the report."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
from sqlalchemy import Connection

from creditflow.analytics.effect import FOLLOW_DAYS, WINDOW_DAYS
from creditflow.analytics.engagement import (
    CLICK_SCHEMA,
    EVENT_SCHEMA,
    PORTAL_DAYS,
    PORTAL_KINDS,
    REPLY_SCHEMA,
    engagement,
    portal_use,
)


def _day(column: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"CAST(({column} AT TIME ZONE 'UTC') AS DATE)"
    return f"substr({column}, 1, 10)"


def load_engagement(
    conn: Connection, as_of: date, contacts: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(portal use, engagement per channel) at `as_of`: three set-based queries."""
    from creditflow.store import read_frame

    dialect = conn.dialect.name
    end = (as_of + timedelta(days=1)).isoformat()  # ISO dates: safe to write into the SQL
    kinds = ", ".join(f"'{k}'" for k in PORTAL_KINDS)
    portal_from = (as_of - timedelta(days=PORTAL_DAYS - 1)).isoformat()
    events = read_frame(
        conn,
        f"SELECT kind, customer_id, {_day('occurred_at', dialect)} FROM event "  # noqa: S608
        f"WHERE kind IN ({kinds}) AND occurred_at >= '{portal_from}' AND occurred_at < '{end}'",
        EVENT_SCHEMA,
    )
    since = (as_of - timedelta(days=FOLLOW_DAYS + WINDOW_DAYS)).isoformat()
    clicks = read_frame(
        conn,
        f"SELECT a.id, {_day('e.occurred_at', dialect)} FROM event e "  # noqa: S608
        "JOIN action a ON a.action_id = e.action_id "
        f"WHERE e.kind = 'portal.short_link_opened' AND e.occurred_at >= '{since}' "
        f"AND e.occurred_at < '{end}'",
        CLICK_SCHEMA,
    )
    replies = read_frame(
        conn,
        f"SELECT customer_id, channel, {_day('created_at', dialect)} "  # noqa: S608
        "FROM conversation_message WHERE direction = 'in' AND customer_id IS NOT NULL "
        f"AND created_at >= '{since}' AND created_at < '{end}'",
        REPLY_SCHEMA,
    )
    return portal_use(events, as_of), engagement(contacts, clicks, replies, as_of)
