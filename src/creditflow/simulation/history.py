"""Synthetic invoices and payments: ~120 days of billing with a payment history.

Each invoice gets a "days late" drawn from its customer's hidden payer type; if the
payment day falls before `as_of` the invoice is paid (and a payment row says when),
otherwise it is still open. Struggling customers leave part-payments, disputers
contest invoices. Amounts are drawn as whole cents (integers) and written as text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import polars as pl

from creditflow.money import minor_digits
from creditflow.simulation import identifiers, names
from creditflow.simulation.days_late import (
    DISPUTER_DAYS,
    FORGETFUL_FROM,
    FORGETFUL_GAMMA,
    GHOST_EXTRA,
    GHOST_PAYS,
    NEVER,
    PUNCTUAL_DAYS,
    PUNCTUAL_SLIP,
    STRUGGLING_FROM,
    STRUGGLING_GAMMA,
)
from creditflow.simulation.schema import INVOICE_COLUMNS, PAYER_TYPES, PAYMENT_COLUMNS

HISTORY_DAYS = 120
_EPOCH = date(1970, 1, 1)
PUNCTUAL, FORGETFUL, STRUGGLING, DISPUTER, GHOST = range(len(PAYER_TYPES))


@dataclass(frozen=True)
class History:
    """The invoices and payments files, as text columns."""

    invoices: pl.DataFrame
    payments: pl.DataFrame


def _invoice_counts(rng: np.random.Generator, business: np.ndarray, per_customer: float):
    """Invoices per customer: Poisson, businesses about twice as many as consumers."""
    rate = per_customer * np.where(business, 1.6, 0.75)
    return rng.poisson(rate)


def _weekday_or_friday(days: np.ndarray) -> np.ndarray:
    """Move Saturday and Sunday back to Friday (1970-01-01 was a Thursday)."""
    weekday = (days + 3) % 7  # Monday = 0
    return days - np.where(weekday == 5, 1, np.where(weekday == 6, 2, 0))


def _amount_cents(
    rng: np.random.Generator, business: np.ndarray, product_price: np.ndarray
) -> np.ndarray:
    """Invoice amounts in cents: log-normal by kind, or the product's fixed price."""
    n = len(business)
    consumer = np.clip(rng.lognormal(np.log(260.0), 0.8, n), 50.0, 1500.0)
    firm = np.clip(rng.lognormal(np.log(1800.0), 1.0, n), 200.0, 25_000.0)
    cents = np.rint(np.where(business, firm, consumer) * 100).astype(np.int64)
    return np.where(product_price > 0, product_price, cents)


def _days_late(rng: np.random.Generator, payer: np.ndarray) -> np.ndarray:
    """Days between due date and payment per invoice, by payer type (NEVER: unpaid).

    The distributions are `days_late`'s, which the simulator's own-accord payments share.
    """
    n = len(payer)
    punctual = rng.integers(PUNCTUAL_DAYS[0], PUNCTUAL_DAYS[1] + 1, n)
    shape, scale = FORGETFUL_GAMMA
    forgetful = FORGETFUL_FROM + rng.gamma(float(shape), scale, n).astype(np.int64)
    shape, scale = STRUGGLING_GAMMA
    struggling = STRUGGLING_FROM + rng.gamma(float(shape), scale, n).astype(np.int64)
    disputer = rng.integers(DISPUTER_DAYS[0], DISPUTER_DAYS[1] + 1, n)
    late = np.select(
        [payer == PUNCTUAL, payer == FORGETFUL, payer == STRUGGLING, payer == DISPUTER],
        [punctual, forgetful, struggling, disputer],
        NEVER,
    )
    # Even punctual payers forget an invoice now and then.
    slip = (payer == PUNCTUAL) & (rng.random(n) < PUNCTUAL_SLIP)
    late = np.where(slip, forgetful, late)
    ghost_pays = (payer == GHOST) & (rng.random(n) < GHOST_PAYS)
    return np.where(ghost_pays, struggling + GHOST_EXTRA, late)


def generate_history(
    rng: np.random.Generator,
    customers: pl.DataFrame,
    payer_types: pl.Series,
    *,
    invoices_per_customer: float,
    as_of: date,
) -> History:
    """Invoices and payments for the given customers, as of a day."""
    business_c = (customers["kind"] == "business").to_numpy()
    codes = {name: index for index, name in enumerate(PAYER_TYPES)}
    payer_c = payer_types.replace_strict(codes, return_dtype=pl.Int64).to_numpy()
    us_c = (customers["country"] == "US").to_numpy()
    english_c = (customers["language"] == "en").to_numpy()

    counts = _invoice_counts(rng, business_c, invoices_per_customer)
    owner = np.repeat(np.arange(len(customers)), counts)
    n = len(owner)
    business, payer = business_c[owner], payer_c[owner]
    today = (as_of - _EPOCH).days

    issue = _weekday_or_friday(today - rng.integers(0, HISTORY_DAYS, n))
    # Invoice numbers follow the issue date, like a real invoice register.
    register = np.lexsort((owner, issue))
    owner, business, payer, issue = (
        owner[register],
        business[register],
        payer[register],
        issue[register],
    )
    number = 100_001 + np.arange(n, dtype=np.int64)
    terms = np.where(
        business, np.where(rng.random(n) < 0.8, 30, 14), np.where(rng.random(n) < 0.85, 14, 30)
    )
    due = issue + terms

    consumer_product = rng.integers(0, len(names.PRODUCTS_CONSUMER), n)
    business_product = rng.integers(0, len(names.PRODUCTS_BUSINESS), n)
    consumer_prices = np.array([price for _, price in names.PRODUCTS_CONSUMER])
    price = np.where(business, 0, consumer_prices[consumer_product])
    amount = _amount_cents(rng, business, price)
    description = pl.DataFrame(
        {
            "b": business,
            "c": pl.Series([d for d, _ in names.PRODUCTS_CONSUMER]).gather(consumer_product),
            "f": pl.Series([d for d, _ in names.PRODUCTS_BUSINESS]).gather(business_product),
        }
    ).select(pl.when("b").then("f").otherwise("c"))

    paid_day = np.maximum(due + _days_late(rng, payer), issue)
    paid = paid_day < today
    overdue_open = ~paid & (due < today)
    partial = overdue_open & (
        ((payer == STRUGGLING) & (rng.random(n) < 0.35))
        | ((payer == FORGETFUL) & (rng.random(n) < 0.05))
    )
    partial_cents = (amount * rng.integers(20, 71, n)) // 100
    partial_day = due + (rng.random(n) * np.maximum(today - due, 1)).astype(np.int64)
    partial_booked = partial & (rng.random(n) < 0.7)  # the rest predates the ledger
    disputed = (
        ~paid
        & ~partial
        & (issue < today)
        & (rng.random(n) < np.where(payer == DISPUTER, 0.4, 0.015))
    )
    reason_nl = rng.integers(0, len(names.DISPUTE_REASONS_NL), n)
    reason_en = rng.integers(0, len(names.DISPUTE_REASONS_EN), n)

    with_reference = rng.random(n) < 0.8
    currency = np.where(us_c[owner], "USD", "EUR")
    digits = minor_digits("EUR")  # USD, the other currency here, also has two decimals

    frame = pl.DataFrame(
        {
            "number": number,
            "customer_id": customers["customer_id"].gather(owner),
            "issue": identifiers.days_text(issue),
            "due": identifiers.days_text(due),
            "cents": amount,
            "currency": currency,
            "paid": paid,
            "partial": partial,
            "partial_booked": partial_booked,
            "partial_cents": partial_cents,
            "disputed": disputed,
            "reason_nl": pl.Series(names.DISPUTE_REASONS_NL).gather(reason_nl),
            "reason_en": pl.Series(names.DISPUTE_REASONS_EN).gather(reason_en),
            "english": english_c[owner],
            "description": description.to_series(),
            "with_reference": with_reference,
            "kenmerk": identifiers.betalingskenmerken(1_000_000_000_000 + number),
            "paid_day": paid_day,
            "partial_day": partial_day,
            "business": business,
            "method_roll": rng.random(n),
            "hour": rng.integers(6, 21, n),
            "minute": rng.integers(0, 60, n),
        }
    )
    amount_text = identifiers.minor_units_text(pl.col("cents"), digits)
    open_text = identifiers.minor_units_text(pl.col("cents") - pl.col("partial_cents"), digits)
    invoice_number = pl.concat_str([pl.lit("INV-"), pl.col("number").cast(pl.String)])
    frame = frame.with_columns(invoice_number=invoice_number)
    invoices = frame.select(
        "invoice_number",
        "customer_id",
        pl.col("issue").alias("issue_date"),
        pl.col("due").alias("due_date"),
        amount_text.alias("amount"),
        "currency",
        pl.when(pl.col("partial") & ~pl.col("partial_booked")).then(open_text).alias("open_amount"),
        pl.when("paid")
        .then(pl.lit("paid"))
        .when("disputed")
        .then(pl.lit("disputed"))
        .otherwise(pl.lit("open"))
        .alias("status"),
        pl.when("disputed")
        .then(pl.when("english").then("reason_en").otherwise("reason_nl"))
        .alias("dispute_reason"),
        "description",
        pl.when("with_reference").then("kenmerk").alias("payment_reference"),
    )
    return History(invoices=invoices.select(INVOICE_COLUMNS), payments=_payments(frame, digits))


def _payments(frame: pl.DataFrame, digits: int) -> pl.DataFrame:
    """Payment rows: full payments of paid invoices and booked part-payments."""
    method = (
        pl.when(pl.col("currency") == "USD")
        .then(pl.lit("card"))
        .when(pl.col("business"))
        .then(
            pl.when(pl.col("method_roll") < 0.9)
            .then(pl.lit("bank_transfer"))
            .otherwise(pl.lit("ideal"))
        )
        .when(pl.col("method_roll") < 0.55)
        .then(pl.lit("ideal"))
        .when(pl.col("method_roll") < 0.9)
        .then(pl.lit("bank_transfer"))
        .otherwise(pl.lit("direct_debit"))
    )
    reference = (
        pl.when(pl.col("payment_reference").is_not_null() & (pl.col("method") == "bank_transfer"))
        .then("payment_reference")
        .otherwise(pl.concat_str([pl.lit("Factuur "), "invoice_number"]))
    )
    clock = pl.concat_str(
        [
            pl.lit("T"),
            pl.col("hour").cast(pl.String).str.zfill(2),
            pl.lit(":"),
            pl.col("minute").cast(pl.String).str.zfill(2),
            pl.lit(":00+00:00"),
        ]
    )

    def rows(when: str, day: str, cents: pl.Expr) -> pl.DataFrame:
        chosen = frame.filter(when).with_columns(
            payment_reference=pl.when("with_reference").then("kenmerk"),
            method=method,
            day_text=pl.col(day).cast(pl.Int32).cast(pl.Date).cast(pl.String),
        )
        return chosen.select(
            pl.col(day).alias("day"),
            pl.col("number"),
            identifiers.minor_units_text(cents, digits).alias("amount"),
            # Online payments carry a timestamp, bank lines only a booking date.
            pl.when(pl.col("method") == "ideal")
            .then(pl.concat_str([pl.col("day_text"), clock]))
            .otherwise(pl.col("day_text"))
            .alias("paid_at"),
            "currency",
            "customer_id",
            "invoice_number",
            reference.alias("reference"),
            "method",
        )

    payments = pl.concat(
        [
            rows("paid", "paid_day", pl.col("cents")),
            rows("partial_booked", "partial_day", pl.col("partial_cents")),
        ]
    ).sort("day", "number")
    payment_id = pl.concat_str(
        [pl.lit("PAY-"), (pl.int_range(pl.len()) + 1).cast(pl.String).str.zfill(7)]
    )
    return payments.with_columns(payment_id=payment_id).select(PAYMENT_COLUMNS)
