"""Loading the ledger's history into frames (one query per table) and computing the report.

Set-based: every table is read once into a Polars frame; the figures themselves are
the pure functions of `analytics.core` and `analytics.habits`. Nothing is cached, so
the figures are as fresh as the database at the moment of the query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine

from creditflow.analytics import core, habits
from creditflow.store import read_frame, read_table_columns


@dataclass
class LedgerHistory:
    """The frames the figures are computed from."""

    invoices: pl.DataFrame
    allocations: pl.DataFrame
    payments: pl.DataFrame
    customers: pl.DataFrame
    promises: pl.DataFrame
    plans: pl.DataFrame
    installments: pl.DataFrame
    disputes: pl.DataFrame
    consents: pl.DataFrame


@dataclass
class Report:
    """Everything `creditflow report` shows for one date."""

    as_of: date
    currencies: list[core.CurrencyFigures]
    countback: dict[str, Any]
    habits: pl.DataFrame
    weeks: pl.DataFrame
    arrangements: dict[str, Any]
    opt_outs: pl.DataFrame
    timings: dict[str, float] = field(default_factory=dict)


def _day(column: str, dialect: str) -> str:
    """SQL for the UTC calendar date of a timestamp column, as ISO text."""
    if dialect == "postgresql":
        return f"CAST(({column} AT TIME ZONE 'UTC') AS DATE)"
    return f"substr({column}, 1, 10)"


def load_history(conn: Connection, as_of: date) -> LedgerHistory:
    """Read what the figures at `as_of` need: one set-based query per table."""
    dialect = conn.dialect.name
    d = as_of.isoformat()  # an ISO date: safe to write into the SQL
    invoices = read_table_columns(
        conn,
        "invoice",
        {
            "invoice_pk": ("id", pl.Int64),
            "customer_pk": ("customer_id", pl.Int64),
            "currency": ("currency", pl.Utf8),
            "issue_date": ("issue_date", pl.Date),
            "due_date": ("due_date", pl.Date),
            "amount_minor": ("amount_minor", pl.Int64),
            "open_minor": ("open_minor", pl.Int64),
            "paid_on": ("paid_on", pl.Date),
        },
        f"issue_date <= '{d}'",
    )
    allocations = read_table_columns(
        conn,
        "allocation a JOIN payment p ON p.id = a.payment_id",
        {
            "invoice_pk": ("a.invoice_id", pl.Int64),
            "amount_minor": ("a.amount_minor", pl.Int64),
            "paid_on": (_day("p.paid_at", dialect), pl.Date),
            "reversed_on": (_day("p.reversed_at", dialect), pl.Date),
        },
        "a.invoice_id IS NOT NULL",
        key="a.id",
        table="allocation",
    )
    payments = read_frame(
        conn,
        f"SELECT currency, amount_minor, {_day('paid_at', dialect)}, "  # noqa: S608
        f"{_day('reversed_at', dialect)} FROM payment",
        {
            "currency": pl.Utf8,
            "amount_minor": pl.Int64,
            "paid_on": pl.Date,
            "reversed_on": pl.Date,
        },
    )
    customers = read_frame(
        conn,
        "SELECT id, customer_id, segment FROM customer",
        {"customer_pk": pl.Int64, "customer_id": pl.Utf8, "segment": pl.Utf8},
    )
    promises = read_frame(
        conn,
        f"SELECT {_day('created_at', dialect)}, status, {_day('closed_at', dialect)} "  # noqa: S608
        "FROM promise_to_pay",
        {"created_on": pl.Date, "status": pl.Utf8, "closed_on": pl.Date},
    )
    plans = read_frame(
        conn,
        f"SELECT id, status, {_day('created_at', dialect)} FROM payment_plan",  # noqa: S608
        {"plan_pk": pl.Int64, "status": pl.Utf8, "created_on": pl.Date},
    )
    installments = read_frame(
        conn,
        "SELECT plan_id, due_date, amount_minor, paid_minor FROM plan_installment",
        {
            "plan_pk": pl.Int64,
            "due_date": pl.Date,
            "amount_minor": pl.Int64,
            "paid_minor": pl.Int64,
        },
    )
    disputes = read_frame(
        conn,
        f"SELECT {_day('opened_at', dialect)}, {_day('closed_at', dialect)} FROM dispute",  # noqa: S608
        {"opened_on": pl.Date, "closed_on": pl.Date},
    )
    consents = read_frame(
        conn,
        f"SELECT customer_id, channel, granted, {_day('recorded_at', dialect)}, id "  # noqa: S608
        "FROM consent",
        {
            "customer_pk": pl.Int64,
            "channel": pl.Utf8,
            "granted": pl.Boolean,
            "recorded_on": pl.Date,
            "seq": pl.Int64,
        },
    )
    return LedgerHistory(
        invoices, allocations, payments, customers, promises, plans, installments, disputes,
        consents,
    )  # fmt: skip


def compute_report(history: LedgerHistory, as_of: date) -> Report:
    """Every figure at `as_of` from the loaded history (pure: no database, no clock)."""
    currencies = core.figures(history.invoices, history.allocations, as_of)
    opened = core.open_at(history.invoices, history.allocations, as_of)
    countback = {
        fig.currency: habits.countback_dso(
            fig.open_minor, opened.filter(pl.col("currency") == fig.currency), as_of
        )
        for fig in currencies
    }
    return Report(
        as_of=as_of,
        currencies=currencies,
        countback=countback,
        habits=habits.payment_habits(opened, history.customers, as_of),
        weeks=habits.collected_per_week(history.payments, as_of),
        arrangements=habits.arrangements(
            history.promises, history.plans, history.installments, history.disputes, as_of
        ),
        opt_outs=habits.opt_outs(history.consents, as_of),
    )


def build_report(engine: Engine, as_of: date) -> Report:
    """Load the ledger's history and compute every figure at `as_of`."""
    import time

    started = time.perf_counter()
    with engine.connect() as conn:
        history = load_history(conn, as_of)
    loaded = time.perf_counter()
    report = compute_report(history, as_of)
    report.timings = {
        "load_seconds": loaded - started,
        "compute_seconds": time.perf_counter() - loaded,
    }
    return report
