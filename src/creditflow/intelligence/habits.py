"""When a customer usually acts: the local time they pay, log in or open a link (pure).

The debtor's own moments count: starting a payment on the pay page, signing in to
the portal, opening a short link from a message. Bank transfers do not: a statement
says the day, not the hour. With at least MIN_MOMENTS in the window, the usual minute
is the median local minute of day; the send minute lies LEAD_MINUTES before it, on a
quarter hour ("send at 19:45 to the customer who pays at 20:00").
"""

from __future__ import annotations

import polars as pl

HABIT_KINDS = ("payment.started", "portal.login", "portal.short_link_opened")
MIN_MOMENTS = 3
LEAD_MINUTES = 15
WINDOW_DAYS = 180

MOMENT_SCHEMA = {
    "customer_pk": pl.Int64,
    "occurred_at": pl.Datetime("us", "UTC"),
    "timezone": pl.Utf8,
}
HABIT_SCHEMA = {"customer_pk": pl.Int64, "usual_minute": pl.Int64, "moments": pl.Int64}


def usual_minutes(moments: pl.DataFrame) -> pl.DataFrame:
    """customer_pk, usual_minute (local minute of day), moments, for customers with enough."""
    if moments.height == 0:
        return pl.DataFrame(schema=HABIT_SCHEMA)
    parts = []
    for (zone,), group in moments.group_by(["timezone"]):
        local = pl.col("occurred_at").dt.convert_time_zone(str(zone or "Europe/Amsterdam"))
        parts.append(
            group.select(
                "customer_pk",
                (local.dt.hour().cast(pl.Int64) * 60 + local.dt.minute().cast(pl.Int64)).alias(
                    "__minute"
                ),
            )
        )
    return (
        pl.concat(parts)
        .group_by("customer_pk")
        .agg(
            pl.col("__minute").median().alias("__median"),
            pl.len().cast(pl.Int64).alias("moments"),
        )
        .filter(pl.col("moments") >= MIN_MOMENTS)
        .select(
            "customer_pk",
            (pl.col("__median").round(0).cast(pl.Int64)).alias("usual_minute"),
            "moments",
        )
        .sort("customer_pk")
    )


def send_minute(usual_minute: pl.Expr) -> pl.Expr:
    """The minute of day to send: LEAD_MINUTES before the usual one, on a quarter hour."""
    lead = (usual_minute - LEAD_MINUTES).clip(lower_bound=0)
    return lead - lead % 15
