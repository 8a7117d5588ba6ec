"""What each channel, template, tone, step and strategy version brings in: pure over frames.

A contact is a message or task the outbox sent (status sent, delivered or done) on
its `sent_at` date (UTC). It "paid within N days" when a payment dated in the N days
after the contact (contact day + 1 .. + N) was allocated to one of the invoices it
named. Only contacts made 14 to 104 days before the as-of date are counted, so every
contact has its full 14 days. The baseline: invoices that fell due in the same window
without any contact naming them in the 14 days after their due date, and whether they
were paid in the 7 and 14 days after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import polars as pl

from creditflow.analytics.core import round_days
from creditflow.config.operations import ANALYTICS_PRICE_KEYS as PRICE_KEYS

WINDOW_DAYS = 90
FOLLOW_DAYS = 14
SENT = ("sent", "delivered", "done")
DELIVERED = ("delivered", "done")
GROUPS = ("channel", "template", "tone", "step", "strategy_version")

CONTACT_SCHEMA: dict[str, Any] = {
    "action_pk": pl.Int64,
    "customer_pk": pl.Int64,
    "channel": pl.Utf8,
    "template": pl.Utf8,
    "tone": pl.Utf8,
    "step": pl.Utf8,
    "strategy_version": pl.Utf8,
    "currency": pl.Utf8,
    "status": pl.Utf8,
    "sent_on": pl.Date,
    "cost_minor": pl.Int64,
    "invoice_ids": pl.List(pl.Int64),
}
"""One outbox row: a message or task, with the invoices it named."""


@dataclass(frozen=True)
class ChannelPrices:
    """What one contact costs per channel, in minor units of the organisation's currency."""

    per_contact_minor: dict[str, int]

    def price(self, channel: str) -> int:
        """The configured price of one contact on this channel (0 when not set)."""
        return self.per_contact_minor.get(channel, 0)


def channel_prices(section: dict[str, Any] | None) -> ChannelPrices:
    """The `[analytics]` prices of creditflow.toml: amounts as text, e.g. sms = "0.08".

    `call_minute` x `call_minutes` (default 3) is the price of a call task and a
    robocall (`voice`). Raises ValueError naming the setting that is wrong.
    """
    section = dict(section or {})
    unknown = set(section) - set(PRICE_KEYS)
    if unknown:
        raise ValueError(f"[analytics]: unknown setting(s) {', '.join(sorted(unknown))}")
    prices: dict[str, int] = {}
    for key in PRICE_KEYS:
        if key not in section:
            continue
        try:
            value = Decimal(str(section[key]))
        except InvalidOperation as exc:
            raise ValueError(f"[analytics] {key}: {section[key]!r} is not a number") from exc
        if value < 0 or not value.is_finite():
            raise ValueError(f"[analytics] {key}: {section[key]!r} must be 0 or more")
        if key == "call_minutes":
            continue
        prices[key] = int((value * 100).to_integral_value())
    minutes = Decimal(str(section.get("call_minutes", 3)))
    if "call_minute" in prices:
        call = int((prices.pop("call_minute") * minutes).to_integral_value())
        prices["call"] = prices["voice"] = call
    return ChannelPrices(prices)


def effect_window(as_of: date) -> tuple[date, date]:
    """(first, last): contacts sent after `first` up to `last` are counted at `as_of`."""
    last = as_of - timedelta(days=FOLLOW_DAYS)
    return last - timedelta(days=WINDOW_DAYS), last


def in_window(contacts: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The contacts of the effectiveness window at `as_of` (sent 14 to 104 days before)."""
    first, last = effect_window(as_of)
    return contacts.filter(
        pl.col("sent_on").is_not_null() & (pl.col("sent_on") > first) & (pl.col("sent_on") <= last)
    )


BASELINE = "not contacted"
"""The value of the baseline row (dimension `baseline`) of `effectiveness`."""


def customers_behind(contacts: pl.DataFrame, invoices: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """The customers behind each channel bar and the baseline at `as_of` (currency,
    channel or BASELINE, customer_pk): the contacts and invoices the figure counts."""
    first, last = effect_window(as_of)
    contacted = in_window(contacts, as_of).select("currency", "channel", "customer_pk")
    alone = not_contacted(contacts, invoices, first, last).select(
        "currency", pl.lit(BASELINE).alias("channel"), "customer_pk"
    )
    return (
        pl.concat([contacted, alone], how="vertical_relaxed")
        .drop_nulls()
        .unique()
        .sort("currency", "channel", "customer_pk")
    )


def _paid_after(
    targets: pl.DataFrame, allocations: pl.DataFrame, start: str, key: str
) -> pl.DataFrame:
    """Per `key`: money allocated to its invoices 1-7 and 1-14 days after `start`."""
    joined = targets.join(
        allocations.filter(pl.col("reversed_on").is_null()).select(
            "invoice_pk", pl.col("paid_on").alias("_paid"), pl.col("amount_minor").alias("_m")
        ),
        on="invoice_pk",
        how="inner",
    )
    days = (pl.col("_paid") - pl.col(start)).dt.total_days()
    return joined.group_by(key).agg(
        pl.col("_m").filter((days >= 1) & (days <= 7)).sum().alias("paid_7_minor"),
        pl.col("_m").filter((days >= 1) & (days <= FOLLOW_DAYS)).sum().alias("paid_14_minor"),
    )


def effectiveness(
    contacts: pl.DataFrame,
    allocations: pl.DataFrame,
    invoices: pl.DataFrame,
    prices: ChannelPrices,
    as_of: date,
) -> pl.DataFrame:
    """Per dimension (channel, template, step, strategy version) and value, and a
    `baseline` row per currency: contacts, sent, delivered, paid within 7 / 14 days,
    collected in 14 days per 100 contacts and cost per unit collected."""
    first, last = effect_window(as_of)
    window = in_window(contacts, as_of).with_columns(
        pl.col("template", "tone", "step", "strategy_version").fill_null("(none)"),
        pl.coalesce(
            pl.col("cost_minor"),
            pl.col("channel").replace_strict(
                prices.per_contact_minor or {"": 0}, default=0, return_dtype=pl.Int64
            ),
        ).alias("cost"),
    )
    named = window.select("action_pk", pl.col("invoice_ids").alias("invoice_pk")).explode(
        "invoice_pk"
    )
    paid = _paid_after(
        named.join(window.select("action_pk", "sent_on"), on="action_pk"),
        allocations,
        "sent_on",
        "action_pk",
    )
    per_contact = window.join(paid, on="action_pk", how="left").with_columns(
        pl.col("paid_7_minor", "paid_14_minor").fill_null(0)
    )
    parts = []
    for dimension in GROUPS:
        grouped = per_contact.group_by("currency", dimension).agg(_measures())
        parts.append(
            grouped.rename({dimension: "value"}).with_columns(pl.lit(dimension).alias("dimension"))
        )
    parts.append(_baseline(contacts, invoices, allocations, first, last))
    table = pl.concat([p.select(_COLUMNS) for p in parts], how="vertical_relaxed")
    return _ratios(table).sort("dimension", "currency", "value")


_COLUMNS = [
    "dimension", "value", "currency", "contacts", "sent", "delivered", "paid_7", "paid_14",
    "collected_14_minor", "cost_minor",
]  # fmt: skip


def _measures() -> list[pl.Expr]:
    return [
        pl.len().alias("contacts"),
        pl.col("status").is_in(SENT).sum().alias("sent"),
        pl.col("status").is_in(DELIVERED).sum().alias("delivered"),
        (pl.col("paid_7_minor") > 0).sum().alias("paid_7"),
        (pl.col("paid_14_minor") > 0).sum().alias("paid_14"),
        pl.col("paid_14_minor").sum().alias("collected_14_minor"),
        pl.col("cost").sum().alias("cost_minor"),
    ]


def not_contacted(
    contacts: pl.DataFrame, invoices: pl.DataFrame, first: date, last: date
) -> pl.DataFrame:
    """The baseline's invoices: due in (first, last], no contact naming them in the 14
    days from their due date (invoice_pk, customer_pk, currency, due_date)."""
    due = invoices.filter(
        (pl.col("due_date") > first) & (pl.col("due_date") <= last) & (pl.col("amount_minor") > 0)
    ).select("invoice_pk", "customer_pk", "currency", "due_date")
    touched = (
        contacts.filter(pl.col("sent_on").is_not_null())
        .select("sent_on", pl.col("invoice_ids").alias("invoice_pk"))
        .explode("invoice_pk")
        .join(due, on="invoice_pk")
        .filter(
            (pl.col("sent_on") >= pl.col("due_date"))
            & (pl.col("sent_on") <= pl.col("due_date") + pl.duration(days=FOLLOW_DAYS))
        )
        .select("invoice_pk")
    )
    return due.join(touched, on="invoice_pk", how="anti")


def _baseline(
    contacts: pl.DataFrame,
    invoices: pl.DataFrame,
    allocations: pl.DataFrame,
    first: date,
    last: date,
) -> pl.DataFrame:
    alone = not_contacted(contacts, invoices, first, last).drop("customer_pk")
    paid = _paid_after(alone, allocations, "due_date", "invoice_pk")
    rows = alone.join(paid, on="invoice_pk", how="left").with_columns(
        pl.col("paid_7_minor", "paid_14_minor").fill_null(0),
        pl.lit(None, dtype=pl.Utf8).alias("status"),
        pl.lit(0).alias("cost"),
    )
    return (
        rows.group_by("currency")
        .agg(_measures())
        .with_columns(
            pl.lit("baseline").alias("dimension"),
            pl.lit(BASELINE).alias("value"),
            pl.lit(0, dtype=pl.UInt32).alias("sent"),
            pl.lit(0, dtype=pl.UInt32).alias("delivered"),
        )
    )


def _ratios(table: pl.DataFrame) -> pl.DataFrame:
    """Percentages, collected per 100 contacts and cost per unit collected (0.1 / cents)."""
    rows = []
    for row in table.iter_rows(named=True):
        n, collected = row["contacts"], row["collected_14_minor"]
        row["paid_7_percent"] = float(round_days(Fraction(row["paid_7"] * 100, n)) or 0)
        row["paid_14_percent"] = float(round_days(Fraction(row["paid_14"] * 100, n)) or 0)
        per_100 = Fraction(collected * 100, n)  # half-up to a minor unit
        row["collected_per_100_minor"] = int((per_100 * 2 + 1) // 2)
        cost = None
        if collected > 0:
            exact = Fraction(row["cost_minor"], collected)
            cost = Decimal(exact.numerator) / Decimal(exact.denominator)
            cost = cost.quantize(Decimal("0.0001"))
        row["cost_per_unit_collected"] = None if cost is None else str(cost)
        rows.append(row)
    return pl.DataFrame(
        rows,
        schema={
            **{c: table.schema[c] for c in _COLUMNS},
            "paid_7_percent": pl.Float64,
            "paid_14_percent": pl.Float64,
            "collected_per_100_minor": pl.Int64,
            "cost_per_unit_collected": pl.Utf8,
        },
    )
