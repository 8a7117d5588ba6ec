"""Portal use and what contacts got back (clicked, replied), pure over frames.

`portal_use`: the portal events of the 30 days ending at the date, per kind, as events
and distinct customers. `engagement`: per channel and currency, of the contacts of the
effectiveness window (sent 14 to 104 days before the date), how many had their short
link opened (the channel tells us: the link carries the contact) and how many got an
inbound reply from the customer on the same channel within 14 days. Definitions with a
worked example in docs/analytics.md.
"""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import polars as pl

from creditflow.analytics.core import round_days
from creditflow.analytics.effect import FOLLOW_DAYS, in_window

PORTAL_KINDS = ("portal.login", "portal.short_link_opened", "payment.started")
PORTAL_DAYS = 30
EVENT_SCHEMA: dict[str, Any] = {"kind": pl.Utf8, "customer_pk": pl.Int64, "on": pl.Date}
"""One portal event: its kind, the customer and the day (UTC)."""
CLICK_SCHEMA: dict[str, Any] = {"action_pk": pl.Int64, "on": pl.Date}
"""A short link of a contact opened, and the day."""
REPLY_SCHEMA: dict[str, Any] = {"customer_pk": pl.Int64, "channel": pl.Utf8, "on": pl.Date}
"""An inbound message of a customer, its channel and day."""


def portal_use(events: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Per portal kind: events and distinct customers in the 30 days ending at `as_of`."""
    first = as_of - timedelta(days=PORTAL_DAYS)
    seen = events.filter((pl.col("on") > first) & (pl.col("on") <= as_of))
    counted = seen.group_by("kind").agg(
        pl.len().cast(pl.Int64).alias("events"),
        pl.col("customer_pk").n_unique().cast(pl.Int64).alias("customers"),
    )
    kinds = pl.DataFrame({"kind": list(PORTAL_KINDS)})
    return (
        kinds.join(counted, on="kind", how="left")
        .with_columns(pl.col("events", "customers").fill_null(0))
        .select("kind", "events", "customers")
    )


def _percent(part: int, whole: int) -> float | None:
    value = round_days(Fraction(part * 100, whole)) if whole else None
    return None if value is None else float(value)


def engagement(
    contacts: pl.DataFrame, clicks: pl.DataFrame, replies: pl.DataFrame, as_of: date
) -> pl.DataFrame:
    """Per channel and currency: contacts, clicked, replied and their percentages.

    `contacts` has action_pk, customer_pk, channel, currency, sent_on (effect.CONTACT_SCHEMA).
    A contact is clicked when a short link it carried was opened 0-14 days after it,
    replied when the customer sent a message on the contact's channel 0-14 days after it.
    """
    window = in_window(contacts, as_of).select(
        "action_pk", "customer_pk", "channel", "currency", "sent_on"
    )
    after = (pl.col("on") - pl.col("sent_on")).dt.total_days()
    within = (after >= 0) & (after <= FOLLOW_DAYS)
    clicked = window.join(clicks, on="action_pk").filter(within).select("action_pk").unique()
    replied = (
        window.join(replies, on=["customer_pk", "channel"]).filter(within)
        .select("action_pk").unique()
    )  # fmt: skip
    marked = window.with_columns(
        pl.col("action_pk").is_in(clicked.get_column("action_pk").implode()).alias("clicked"),
        pl.col("action_pk").is_in(replied.get_column("action_pk").implode()).alias("replied"),
    )
    grouped = (
        marked.group_by("channel", "currency")
        .agg(
            pl.len().cast(pl.Int64).alias("contacts"),
            pl.col("clicked").sum().cast(pl.Int64).alias("clicked"),
            pl.col("replied").sum().cast(pl.Int64).alias("replied"),
        )
        .sort("channel", "currency")
    )
    return grouped.with_columns(
        pl.struct("clicked", "contacts")
        .map_elements(lambda r: _percent(r["clicked"], r["contacts"]), return_dtype=pl.Float64)
        .alias("clicked_percent"),
        pl.struct("replied", "contacts")
        .map_elements(lambda r: _percent(r["replied"], r["contacts"]), return_dtype=pl.Float64)
        .alias("replied_percent"),
    )
