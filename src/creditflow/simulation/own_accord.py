"""Debtors who pay without being contacted: own-accord payments, one day at a time.

A punctual payer pays on the due date whether reminded or not. Each open invoice has,
each day, a chance (hazard) of being paid in full that day by its debtor unprompted:

    hazard(type, d) = P(D = d) / P(D >= d)

with D the days late of the payer type's invoices without contact (`days_late.py`, the
distributions the history generator draws from) and d the days since the due date.
An invoice still open d days after its due date has survived the days before, so
paying it with this chance each day gives exactly the history's days-late spread.
Disputed invoices are never paid on their own, and a customer with a payment already
on its way (an answer to a contact) pays nothing more on their own until it lands.

Pure and seeded: each invoice draws the number at its id from one draw per day
(`rng.random(largest id + 1)`), so an invoice meets the same number on the same day
whatever else is open, and every strategy of a comparison sees the same debtors.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import numpy as np
import polars as pl

from creditflow.simulation.days_late import days_late_pmf, days_late_survival
from creditflow.simulation.schema import PAYER_TYPES

__all__ = [
    "INVOICE_COLUMNS",
    "OWN_ACCORD_STREAM",
    "own_accord_hazard",
    "own_accord_payments",
    "own_accord_rng",
]

OWN_ACCORD_STREAM = 2  # np.random.default_rng([seed, 2, day]): apart from the answers' draws
INVOICE_COLUMNS = (
    "invoice_id", "customer_id", "invoice_number", "due_date", "open_minor", "currency",
    "disputed",
)  # fmt: skip


def own_accord_rng(seed: int, day: date) -> np.random.Generator:
    """The generator of one day's own-accord draws, apart from every other draw."""
    return np.random.default_rng([seed, OWN_ACCORD_STREAM, day.toordinal()])


def own_accord_hazard(payer_type: str, days_after_due: np.ndarray) -> np.ndarray:
    """Chance that an invoice still open `d` days after its due date is paid that day
    without contact (0 where the type never pays that late)."""
    d = np.asarray(days_after_due, dtype=float)
    mass = days_late_pmf(payer_type, d)
    left = days_late_survival(payer_type, d)
    return np.divide(mass, left, out=np.zeros_like(d), where=left > 1e-12).clip(0.0, 1.0)


def own_accord_payments(
    invoices: pl.DataFrame,
    customers: pl.DataFrame,
    day: date,
    rng: np.random.Generator,
    *,
    waiting: Collection[str] = (),
) -> pl.DataFrame:
    """The open invoices debtors pay in full on `day` on their own: the invoice rows
    paid (columns of `invoices`), in invoice number order.

    `customers` gives customer_id and payer_type (as `calibration.payer_types` does);
    `waiting` are the customers with a payment on its way, who pay nothing else today.
    """
    missing = [c for c in INVOICE_COLUMNS if c not in invoices.columns]
    missing += [f"customers.{c}" for c in ("customer_id", "payer_type") if c not in customers]
    if missing:
        raise ValueError(f"own-accord payments: missing column(s) {', '.join(missing)}")
    ids = invoices["invoice_id"].cast(pl.Int64).to_numpy()
    if ids.size and ids.min() < 0:
        raise ValueError("invoices: invoice_id must be 0 or more (it picks the day's draw)")
    draws = rng.random(int(ids.max()) + 1 if ids.size else 0)  # one number per invoice id
    traits = customers.select(
        pl.col("customer_id").cast(pl.String), pl.col("payer_type").cast(pl.String)
    ).unique("customer_id", keep="first")
    joined = invoices.with_columns(pl.col("customer_id").cast(pl.String)).join(
        traits, on="customer_id", how="left", maintain_order="left"
    )
    unknown = joined.filter(
        ~pl.col("payer_type").is_in(PAYER_TYPES) | pl.col("payer_type").is_null()
    )
    if unknown.height:
        row = unknown.row(0, named=True)
        raise ValueError(
            f"customers: no known payer_type for customer_id {row['customer_id']} "
            f"({unknown['customer_id'].n_unique()} customers in all)"
        )
    late = (pl.lit(day) - pl.col("due_date")).dt.total_days()
    joined = joined.with_columns(late.alias("days_after_due"))
    hazard = np.zeros(joined.height)
    for payer_type in PAYER_TYPES:
        rows = (joined["payer_type"] == payer_type).to_numpy()
        if rows.any():
            days = joined["days_after_due"].to_numpy()[rows]
            hazard[rows] = own_accord_hazard(payer_type, days)
    roll = draws[ids]
    may_pay = (
        (joined["open_minor"].to_numpy() > 0)
        & ~joined["disputed"].cast(pl.Boolean).fill_null(False).to_numpy()
        & ~joined["customer_id"].is_in(list(waiting)).to_numpy()
    )
    paid = may_pay & (roll < hazard)
    return invoices.filter(pl.Series(paid, dtype=pl.Boolean)).sort("invoice_number")
