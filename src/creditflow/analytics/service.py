"""Loading the ledger's history into frames (one query per table) and computing the report.

Set-based: every table is read once into a Polars frame; the figures themselves are
the pure functions of `analytics.core` and `analytics.habits`. Nothing is cached, so
the figures are as fresh as the database at the moment of the query.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine

from creditflow.analytics import core, effect, forecast, habits
from creditflow.store import in_ids, json_id_array, read_frame, read_table_columns


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
    contacts: pl.DataFrame
    credits: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=core.CREDIT_SCHEMA))


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
    effectiveness: pl.DataFrame
    forecast: pl.DataFrame
    timings: dict[str, float] = field(default_factory=dict)
    experiment: dict[str, Any] | None = None  # champion/challenger, when one runs
    portal: pl.DataFrame | None = None  # portal use in 30 days (analytics.engagement)
    engagement: pl.DataFrame | None = None  # clicked and replied per channel
    forecast_method: str = "own days late"  # or "risk model version N" (forecast_load)
    forecast_model: int | None = None  # the risk model's version the forecast used


def _day(column: str, dialect: str) -> str:
    """SQL for the UTC calendar date of a timestamp column, as ISO text."""
    if dialect == "postgresql":
        return f"CAST(({column} AT TIME ZONE 'UTC') AS DATE)"
    return f"substr({column}, 1, 10)"


RELEVANT_DAYS = 104
"""How far back the history that matters reaches: 90 days of figures + 14 days of follow-up."""


def _relevant_invoices(d: str, cutoff: str) -> str:
    """Invoices that can be open at `d` or `d`-30, or were issued, fell due or were
    paid after `cutoff`; any other invoice was settled long before."""
    return (
        f"i.issue_date <= '{d}' AND (i.open_minor <> 0 OR i.paid_on IS NULL "
        f"OR i.paid_on > '{cutoff}' OR i.due_date > '{cutoff}' OR i.issue_date > '{cutoff}')"
    )


_INVOICE_COLUMNS: dict[str, tuple[str, Any]] = {
    "invoice_pk": ("i.id", pl.Int64),
    "customer_pk": ("i.customer_id", pl.Int64),
    "currency": ("i.currency", pl.Utf8),
    "issue_date": ("i.issue_date", pl.Date),
    "due_date": ("i.due_date", pl.Date),
    "amount_minor": ("i.amount_minor", pl.Int64),
    "open_minor": ("i.open_minor", pl.Int64),
    "paid_on": ("i.paid_on", pl.Date),
}


def load_history(conn: Connection, as_of: date, since: date | None = None) -> LedgerHistory:
    """Read what the figures at `as_of` need: one set-based query per table.

    Only the invoices that can matter at `as_of` are read (`_relevant_invoices`); the
    allocations of payments dated (or reversed) after the cutoff, and every allocation
    of the invoices settled in the last 30 days; an invoice such an allocation names
    that was not read (a payment recorded after the date the invoice was marked paid)
    is read by id list.

    With `since` (a date before `as_of`), what every date from `since` to `as_of` needs
    is read at once (the cutoff and the settled window move back to `since`), so the
    figures at several dates come from one load (the dashboard's trend).
    """
    dialect = conn.dialect.name
    d = as_of.isoformat()  # ISO dates: safe to write into the SQL
    first = min(since or as_of, as_of)
    cutoff = (first - timedelta(days=RELEVANT_DAYS)).isoformat()
    relevant = _relevant_invoices(d, cutoff)
    invoices = read_table_columns(conn, "invoice i", _INVOICE_COLUMNS, relevant, key="i.id",
                                  table="invoice")  # fmt: skip
    recent = (
        f"{_day('p.paid_at', dialect)} > '{cutoff}' "
        f"OR {_day('p.reversed_at', dialect)} > '{cutoff}'"
    )
    if dialect == "sqlite":  # a plain text comparison: no function call per row
        after = (first - timedelta(days=RELEVANT_DAYS - 1)).isoformat()
        recent = f"p.paid_at >= '{after}' OR p.reversed_at >= '{after}'"
    allocation_columns: dict[str, tuple[str, Any]] = {
        "allocation_pk": ("a.id", pl.Int64),
        "invoice_pk": ("a.invoice_id", pl.Int64),
        "amount_minor": ("a.amount_minor", pl.Int64),
        "paid_on": (_day("p.paid_at", dialect), pl.Date),
        "reversed_on": (_day("p.reversed_at", dialect), pl.Date),
    }
    # One read of the recent payments with their allocations serves both the
    # allocations and the cash collected per week (unallocated payments included).
    recent_rows = read_table_columns(
        conn,
        "payment p LEFT JOIN allocation a ON a.payment_id = p.id",
        {
            "payment_pk": ("p.id", pl.Int64),
            "currency": ("p.currency", pl.Utf8),
            "payment_minor": ("p.amount_minor", pl.Int64),
            **allocation_columns,
        },
        recent,
        key="p.id",
        table="payment",
    )
    allocations = recent_rows.filter(pl.col("invoice_pk").is_not_null()).select(
        list(allocation_columns)
    )
    payments = recent_rows.unique("payment_pk").select(
        "currency", pl.col("payment_minor").alias("amount_minor"), "paid_on", "reversed_on"
    )
    # The invoices settled in the last 30 days need all their allocations, older ones
    # too (what they were told without a payment row is amount - open - allocations).
    settled = invoices.filter(pl.col("paid_on") > first - timedelta(days=30))
    if settled.height:
        older = read_frame(
            conn,
            f"SELECT {', '.join(e for e, _ in allocation_columns.values())} "  # noqa: S608
            f"FROM allocation a JOIN payment p ON p.id = a.payment_id "
            f"WHERE {in_ids('a.invoice_id', dialect)}",
            {name: dtype for name, (_, dtype) in allocation_columns.items()},
            {"ids": json_id_array(settled.get_column("invoice_pk"))},
        )
        allocations = pl.concat([allocations, older]).unique("allocation_pk")
    missing = (
        allocations.select("invoice_pk")
        .unique()
        .join(invoices.select("invoice_pk"), on="invoice_pk", how="anti")
        .get_column("invoice_pk")
    )
    if missing.len():
        extra = read_frame(
            conn,
            f"SELECT {', '.join(e for e, _ in _INVOICE_COLUMNS.values())} FROM invoice i "  # noqa: S608
            f"WHERE i.issue_date <= '{d}' AND i.id IN ({', '.join(str(int(i)) for i in missing)})",
            {name: dtype for name, (_, dtype) in _INVOICE_COLUMNS.items()},
        )
        invoices = pl.concat([invoices, extra])
    customers = read_table_columns(
        conn,
        "customer c",
        {"customer_pk": ("c.id", pl.Int64), "segment": ("c.segment", pl.Utf8)},
        "c.segment IS NOT NULL",
        key="c.id",
        table="customer",
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
    contacts = read_frame(
        conn,
        "SELECT a.id, a.customer_id, a.channel, a.template, a.tone, a.step, "  # noqa: S608
        "a.strategy || ' v' || COALESCE(CAST(r.strategy_version_id AS VARCHAR(12)), '?'), "
        f"a.currency, a.status, {_day('a.sent_at', dialect)}, a.cost_minor, "
        "CAST(a.invoice_ids AS VARCHAR(100000)) FROM action a "
        "LEFT JOIN collection_run r ON r.id = a.run_id "
        "WHERE a.kind IN ('message', 'task') AND a.status IN ('sent', 'delivered', 'done') "
        f"AND {_day('a.sent_at', dialect)} > '{cutoff}' AND {_day('a.sent_at', dialect)} <= '{d}'",
        {**effect.CONTACT_SCHEMA, "invoice_ids": pl.Utf8},
    ).with_columns(pl.col("invoice_ids").str.json_decode(pl.List(pl.Int64)))
    # Credit notes are few: all that took something off an invoice, kept for those read.
    credits = read_frame(
        conn,
        "SELECT invoice_id, applied_minor, issue_date FROM credit_note WHERE applied_minor <> 0",
        core.CREDIT_SCHEMA,
    ).join(invoices.select("invoice_pk"), on="invoice_pk", how="semi")
    return LedgerHistory(
        invoices, allocations, payments, customers, promises, plans, installments, disputes,
        consents, contacts, credits,
    )  # fmt: skip


def covered_from(as_of: date) -> date:
    """The first month whose invoices `load_history` reads in full (after the cutoff)."""
    cutoff = as_of - timedelta(days=RELEVANT_DAYS)
    return (cutoff.replace(day=1) + timedelta(days=32)).replace(day=1)


def contract_figures(
    history: LedgerHistory, as_of: date, older_sales: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, list[core.CurrencyFigures], dict[str, Any]]:
    """Open at `as_of`, the DESIGN 4.6 figures per currency and countback DSO (pure).

    Countback uses the months read in full (`covered_from`) and `older_sales` before them.
    """
    opened = core.open_at(history.invoices, history.allocations, as_of, history.credits)
    currencies = core.figures(history.invoices, history.allocations, as_of, opened, history.credits)
    first = covered_from(as_of)
    monthly = habits.monthly_sales(opened.filter(pl.col("issue_date") >= first))
    if older_sales is not None:
        monthly = pl.concat([monthly, older_sales.filter(pl.col("month") < first)])
    countback = {
        fig.currency: habits.countback_dso(
            fig.open_minor, monthly.filter(pl.col("currency") == fig.currency), as_of
        )
        for fig in currencies
    }
    return opened, currencies, countback


def needs_older_sales(
    history: LedgerHistory, as_of: date, currencies: list[core.CurrencyFigures]
) -> bool:
    """Whether some currency's open amount exceeds its sales since `covered_from`."""
    first = covered_from(as_of)
    recent = history.invoices.filter(
        (pl.col("issue_date") >= first) & (pl.col("issue_date") <= as_of)
    )
    sales = dict(recent.group_by("currency").agg(pl.col("amount_minor").sum()).iter_rows())
    return any(fig.open_minor > sales.get(fig.currency, 0) for fig in currencies)


def compute_report(
    history: LedgerHistory,
    as_of: date,
    older_sales: pl.DataFrame | None = None,
    prices: effect.ChannelPrices | None = None,
) -> Report:
    """Every figure at `as_of` from the loaded history (pure: no database, no clock).

    Countback DSO uses the months read in full; `older_sales` (monthly sales before
    `covered_from`) extends it when the open amount reaches further back.
    """
    opened, currencies, countback = contract_figures(history, as_of, older_sales)
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
        effectiveness=effect.effectiveness(
            history.contacts,
            history.allocations,
            history.invoices,
            prices or effect.ChannelPrices({}),
            as_of,
        ),
        forecast=forecast.cash_forecast(opened, as_of),
    )


def load_older_sales(conn: Connection, as_of: date) -> pl.DataFrame:
    """Monthly sales per currency of the 24 months before `covered_from` (one query)."""
    first = covered_from(as_of)
    month = "substr(issue_date, 1, 7) || '-01'"
    if conn.dialect.name == "postgresql":
        month = "CAST(date_trunc('month', issue_date) AS DATE)"
    since = f"{first.year - 2}-{first.month:02d}-01"
    return read_frame(
        conn,
        f"SELECT currency, {month}, SUM(amount_minor) FROM invoice "  # noqa: S608
        f"WHERE issue_date < '{first.isoformat()}' AND issue_date >= '{since}' GROUP BY 1, 2",
        {"currency": pl.Utf8, "month": pl.Date, "amount_minor": pl.Int64},
    )


def build_report(engine: Engine, as_of: date, prices: effect.ChannelPrices | None = None) -> Report:
    """Load the ledger's history and compute every figure at `as_of`."""
    import time

    started = time.perf_counter()
    with engine.connect() as conn:
        history = load_history(conn, as_of)
        loaded = time.perf_counter()
        report = compute_report(history, as_of, prices=prices)
        if needs_older_sales(history, as_of, report.currencies):
            older = load_older_sales(conn, as_of)
            report = compute_report(history, as_of, older, prices)
        from creditflow.analytics.experiment_load import load_experiment

        report.experiment = load_experiment(
            conn, as_of, history.invoices, history.allocations, history.credits
        )
        from creditflow.analytics.engagement_load import load_engagement

        report.portal, report.engagement = load_engagement(conn, as_of, history.contacts)
        from creditflow.analytics.forecast_load import cash_forecast_at

        made = cash_forecast_at(
            conn,
            lambda: core.open_at(history.invoices, history.allocations, as_of, history.credits),
            as_of,
            report.forecast,
        )
        report.forecast, report.forecast_method = made.weeks, made.describe()
        report.forecast_model = made.model_version
    report.timings = {
        "load_seconds": loaded - started,
        "compute_seconds": time.perf_counter() - loaded,
    }
    return report
