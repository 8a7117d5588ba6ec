"""Stored figures as table rows, and the ledger's fingerprint at a date (pure: no database).

The fingerprint at a date `D` summarises everything the figures at `D` are computed
from, so a stored date whose fingerprint changed is computed again:

- invoices issued on or before `D`: count, sum of amounts, highest id, and how many
  were marked paid (`paid_on`) on or before `D`;
- what the ledger was told without a payment row ("unrecorded settlement", summed
  over those invoices: amount - open - allocations not reversed - credit notes), which
  a payment or a credit note leaves unchanged and an import that lowers an open
  amount by itself changes;
- allocations of payments dated on or before `D`: count, sum, highest id, and how many
  of them were reversed on or before `D`;
- credit notes dated on or before `D` that took something off an invoice: count, sum,
  highest id.

A payment, allocation or credit note dated after `D` leaves the fingerprint at `D` as
it is, so a month-end is not computed again because money came in later.
"""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal
from typing import Any

import polars as pl

from creditflow.analytics.core import AGING_BUCKETS, CurrencyFigures

METHOD_VERSION = 1
"""Part of every fingerprint: raise it when the figures' method changes (all recomputed)."""

BUCKET_COLUMNS = dict(
    zip(
        AGING_BUCKETS,
        ("aging_current_minor", "aging_1_30_minor", "aging_31_60_minor", "aging_61_90_minor",
         "aging_90_plus_minor"),
        strict=True,
    )
)  # fmt: skip

INVOICE_AGGREGATES: dict[str, Any] = {
    "issue_date": pl.Date,
    "paid_key": pl.Date,  # the later of issue date and paid_on (None when not paid)
    "invoices": pl.Int64,
    "amount_minor": pl.Int64,
    "max_id": pl.Int64,
    "settled_minor": pl.Int64,  # amount - open
}
ALLOCATION_AGGREGATES: dict[str, Any] = {
    "issue_date": pl.Date,  # of the invoice
    "paid_on": pl.Date,
    "reversed_key": pl.Date,  # the later of paid and reversed date (None: not reversed)
    "allocations": pl.Int64,
    "amount_minor": pl.Int64,
    "max_id": pl.Int64,
    "kept_minor": pl.Int64,  # of payments not reversed
}
CREDIT_AGGREGATES: dict[str, Any] = {
    "issue_date": pl.Date,  # of the invoice
    "credited_on": pl.Date,
    "credits": pl.Int64,
    "applied_minor": pl.Int64,
    "max_id": pl.Int64,
}


def _total(frame: pl.DataFrame, keep: pl.Expr, column: str, how: str = "sum") -> int:
    picked = frame.filter(keep).get_column(column)
    value = picked.max() if how == "max" else picked.sum()
    return 0 if value is None else int(value)  # type: ignore[arg-type]


def fingerprint(
    invoices: pl.DataFrame, allocations: pl.DataFrame, credits: pl.DataFrame, day: date
) -> str:
    """The ledger's fingerprint at `day` from the three aggregate frames (module docstring)."""
    issued = pl.col("issue_date") <= day
    paid = pl.col("paid_on") <= day
    reversed_by = pl.col("reversed_key") <= day
    credited = pl.col("credited_on") <= day
    unrecorded = (
        _total(invoices, issued, "settled_minor")
        - _total(allocations, issued & pl.col("reversed_key").is_null(), "kept_minor")
        - _total(credits, issued, "applied_minor")
    )
    parts = (
        METHOD_VERSION,
        _total(invoices, issued, "invoices"),
        _total(invoices, issued, "amount_minor"),
        _total(invoices, issued, "max_id", "max"),
        _total(invoices, pl.col("paid_key") <= day, "invoices"),
        unrecorded,
        _total(allocations, paid, "allocations"),
        _total(allocations, paid, "amount_minor"),
        _total(allocations, paid, "max_id", "max"),
        _total(allocations, reversed_by, "allocations"),
        _total(credits, credited, "credits"),
        _total(credits, credited, "applied_minor"),
        _total(credits, credited, "max_id", "max"),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def tenths(value: Decimal | None) -> int | None:
    """Days or a percentage (rounded to 0.1) as an integer number of tenths."""
    return None if value is None else int(value.scaleb(1))


def from_tenths(value: int | None) -> Decimal | None:
    """An integer number of tenths as the rounded Decimal the figures hold (764 -> 76.4)."""
    return None if value is None else Decimal(value).scaleb(-1)


def figures_row(fig: CurrencyFigures, countback: Decimal | None) -> dict[str, Any]:
    """The `figures_currency` row of one currency's figures (without its id)."""
    return {
        "as_of": fig.as_of,
        "currency": fig.currency,
        "open_minor": fig.open_minor,
        "overdue_minor": fig.overdue_minor,
        **{BUCKET_COLUMNS[b]: fig.aging_minor[b] for b in AGING_BUCKETS},
        "invoiced_90_minor": fig.invoiced_90_minor,
        "cei_open_start_minor": fig.cei_parts.get("open_start", 0),
        "cei_invoiced_minor": fig.cei_parts.get("invoiced", 0),
        "dso_tenths": tenths(fig.dso_days),
        "best_possible_dso_tenths": tenths(fig.best_possible_dso_days),
        "add_tenths": tenths(fig.add_days),
        "cei_tenths": tenths(fig.cei_percent),
        "countback_tenths": tenths(countback),
    }


def figures_of(row: Any) -> tuple[CurrencyFigures, Decimal | None]:
    """A stored `figures_currency` row as the figures and countback DSO it was made from."""
    fig = CurrencyFigures(
        as_of=row.as_of,
        currency=row.currency,
        open_minor=int(row.open_minor),
        overdue_minor=int(row.overdue_minor),
        aging_minor={b: int(getattr(row, BUCKET_COLUMNS[b])) for b in AGING_BUCKETS},
        invoiced_90_minor=int(row.invoiced_90_minor),
        dso_days=from_tenths(row.dso_tenths),
        best_possible_dso_days=from_tenths(row.best_possible_dso_tenths),
        add_days=from_tenths(row.add_tenths),
        cei_percent=from_tenths(row.cei_tenths),
        cei_parts={
            "open_start": int(row.cei_open_start_minor),
            "invoiced": int(row.cei_invoiced_minor),
            "open_end": int(row.open_minor),
        },
    )
    return fig, from_tenths(row.countback_tenths)
