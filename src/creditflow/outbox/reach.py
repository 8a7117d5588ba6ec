"""Reachable channels: where a customer can be contacted. One rule, two forms.

A channel is reachable when the customer has a valid contact point on it that is
not opted out, and the customer's own opt-out list does not name it. A letter needs
its contact point too (a complete postal address, `ledger.contacts.postal_address`).
Being reachable says nothing about a do-not-contact state: the run holds those back
(`strategy.contact.hold_back`) and the pre-send re-check cancels them.

`reachable_channels` answers for one customer (the portal, payments, dispatch's
fail-over and re-check); `reachable_frame` for every customer at once (the run's
channel choice). `USABLE_POINT_SQL` is the point half of the rule for set-based
readers (`strategy.snapshot`). Pure: the points are given.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

__all__ = ["USABLE_POINT_SQL", "reachable_channels", "reachable_frame", "usable_point"]

# The contact points `usable_point` accepts, as a condition on table contact_point.
USABLE_POINT_SQL = "valid AND NOT opted_out"


def usable_point(valid: bool, opted_out: bool) -> bool:
    """A contact point that may be used: valid and not opted out."""
    return bool(valid) and not opted_out


def reachable_channels(
    points: Iterable[tuple[str, bool, bool]], opt_out: Iterable[str] | None
) -> set[str]:
    """The channels of one customer's usable points (channel, valid, opted_out) not opted out."""
    refused = set(opt_out or [])
    return {
        channel
        for channel, valid, opted_out in points
        if usable_point(valid, opted_out) and channel not in refused
    }


def reachable_frame(points: pl.DataFrame, customers: pl.DataFrame) -> pl.DataFrame:
    """Every customer's reachable channels (customer_pk, channel), set-based.

    `points` holds customer_pk, channel of usable points (read with `USABLE_POINT_SQL`);
    `customers` holds customer_pk and opt_out (a list of channels).
    """
    refused = customers.select("customer_pk", pl.col("opt_out").alias("__refused")).unique(
        "customer_pk"
    )
    return (
        points.select("customer_pk", "channel")
        .join(refused, on="customer_pk", how="left")
        .filter(~pl.col("__refused").list.contains(pl.col("channel")).fill_null(False))
        .select("customer_pk", "channel")
        .unique(maintain_order=True)
    )
