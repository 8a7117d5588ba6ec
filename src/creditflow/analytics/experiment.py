"""Champion and challenger side by side: collected, DSO, contacts and cost per arm (pure).

The customers of the experiment are those the run decided for since it started; each
is in the arm the stable hash put them in (strategy.experiment). Collected is what
their payments since the start settled; the difference in collected per customer
between the arms comes with a 95% Welch interval, so a credit manager sees whether
the challenger's edge is more than chance.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import polars as pl
from scipy import stats

from creditflow.analytics import core
from creditflow.money import from_minor

ARMS = ("champion", "challenger")
ARM_TABLE_SCHEMA = {
    "arm": pl.Utf8,
    "currency": pl.Utf8,
    "customers": pl.Int64,
    "collected_minor": pl.Int64,
    "contacts": pl.Int64,
    "cost_minor": pl.Int64,
    "dso_days": pl.Utf8,
}


def _welch(champion: np.ndarray, challenger: np.ndarray) -> tuple[float, float, float] | None:
    """(difference of means, low, high) of challenger minus champion at 95%; None if too few."""
    if len(champion) < 2 or len(challenger) < 2:
        return None
    diff = float(challenger.mean() - champion.mean())
    v1, v2 = champion.var(ddof=1) / len(champion), challenger.var(ddof=1) / len(challenger)
    se = float(np.sqrt(v1 + v2))
    if se == 0:
        return diff, diff, diff
    df = (v1 + v2) ** 2 / (v1**2 / (len(champion) - 1) + v2**2 / (len(challenger) - 1))
    half = float(stats.t.ppf(0.975, df)) * se
    return diff, diff - half, diff + half


def _money(minor: float, currency: str) -> Decimal:
    """A per-customer mean in minor units as an amount, rounded half-up to the cent."""
    return from_minor(int(Decimal(str(minor)).quantize(Decimal(1), ROUND_HALF_UP)), currency)


def compare_arms(
    arms: pl.DataFrame,
    collected: pl.DataFrame,
    contacts: pl.DataFrame,
    invoices: pl.DataFrame,
    allocations: pl.DataFrame,
    as_of: date,
    credits: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, list[dict[str, object]]]:
    """Per arm and currency the figures, and per currency the difference with its interval.

    arms: customer_pk, arm. collected: customer_pk, currency, amount_minor (since the
    start). contacts: customer_pk, contacts, cost_minor. invoices, allocations: as
    analytics.core takes them, for DSO per arm.
    """
    currencies = sorted(set(collected.get_column("currency").to_list()) | {
        c for c in invoices.get_column("currency").unique().to_list() if c
    })  # fmt: skip
    rows: list[dict[str, object]] = []
    differences: list[dict[str, object]] = []
    spent = arms.join(contacts, on="customer_pk", how="left").fill_null(0)
    for currency in currencies:
        per_customer: dict[str, np.ndarray] = {}
        for arm in ARMS:
            members = arms.filter(pl.col("arm") == arm).select("customer_pk")
            amounts = members.join(
                collected.filter(pl.col("currency") == currency), on="customer_pk", how="left"
            ).with_columns(pl.col("amount_minor").fill_null(0))
            per_customer[arm] = amounts.get_column("amount_minor").to_numpy().astype(float)
            own = invoices.join(members, on="customer_pk", how="semi").filter(
                pl.col("currency") == currency
            )
            own_pks = own.select("invoice_pk")
            figures = core.figures(
                own,
                allocations.join(own_pks, on="invoice_pk", how="semi"),
                as_of,
                credits=None
                if credits is None
                else credits.join(own_pks, on="invoice_pk", how="semi"),
            )
            dso = next((f.dso_days for f in figures if f.currency == currency), None)
            arm_spent = spent.filter(pl.col("arm") == arm)
            rows.append(
                {
                    "arm": arm,
                    "currency": currency,
                    "customers": members.height,
                    "collected_minor": int(amounts.get_column("amount_minor").sum() or 0),
                    "contacts": int(arm_spent.get_column("contacts").sum() or 0),
                    "cost_minor": int(arm_spent.get_column("cost_minor").sum() or 0),
                    "dso_days": None if dso is None else str(dso),
                }
            )
        found = _welch(per_customer["champion"], per_customer["challenger"])
        if found is not None:
            diff, low, high = found
            differences.append(
                {
                    "currency": currency,
                    "collected_per_customer_difference": str(_money(diff, currency)),
                    "low": str(_money(low, currency)),
                    "high": str(_money(high, currency)),
                    "clear": low > 0 or high < 0,
                }
            )
    return pl.DataFrame(rows, schema=ARM_TABLE_SCHEMA), differences
