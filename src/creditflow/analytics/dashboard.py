"""The dashboard's figures over time: the report at past month-ends, collected per month,
the forecast made 8 weeks ago beside what came in, and the customers behind an aging bucket.

The report at the date comes from `service.build_report` (set-based, one query per
table). The figures at the past month-ends and the forecast made 8 weeks back are read
from what the worker stored (`analytics.stored`); whatever is not stored is computed
from one wider load of the same history (`service.load_history(..., since=)`). Both
are kept in memory for `CACHE_SECONDS` per (database, date), so a dashboard shown
again within that time, or a drill-down from it, does not read the ledger again.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, text

from creditflow.analytics import core, effect, service, stored
from creditflow.analytics.effect import ChannelPrices
from creditflow.analytics.forecast_load import cash_forecast_at
from creditflow.store import read_frame

CACHE_SECONDS = 300.0
"""How long a computed report is reused (the dashboard's figures are at most this old)."""
MONTHS = 12
FORECAST_WEEKS = 8
SETS = ("open", "overdue", *core.AGING_BUCKETS)
"""The customer sets a dashboard figure can drill down to (`?aging=` of the customer list)."""

_lock = threading.Lock()
_cache: dict[tuple[str, str, date], tuple[float, Any]] = {}


def _cached(engine: Engine, kind: str, day: date, compute: Any) -> Any:
    """The value of `compute()` for (database, kind, day), computed at most every CACHE_SECONDS."""
    key = (engine.url.render_as_string(hide_password=True), kind, day)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]
    value = compute()
    with _lock:
        for old in [k for k, (at, _) in _cache.items() if now - at >= CACHE_SECONDS]:
            del _cache[old]
        _cache[key] = (time.monotonic(), value)
    return value


def clear_cache() -> None:
    """Forget every cached report (tests, or after an import when you want it at once)."""
    with _lock:
        _cache.clear()


def report_at(engine: Engine, day: date, prices: ChannelPrices | None = None) -> service.Report:
    """The full report at `day`, from the cache when it is fresh."""
    return _cached(engine, "report", day, lambda: service.build_report(engine, day, prices))  # type: ignore[no-any-return]


def month_ends(as_of: date, months: int = MONTHS) -> list[date]:
    """The last `months` month-ends before `as_of`, oldest first, then `as_of` itself."""
    return stored.month_ends(as_of, months)


@dataclass
class TrendPoint:
    """One date of the trend: per currency open, overdue, DSO and best possible DSO."""

    day: date
    figures: dict[str, core.CurrencyFigures] = field(default_factory=dict)


@dataclass
class History:
    """The contract figures at each trend date and the forecast made 8 weeks back.

    `checked_at` is when the worker last checked (or computed) each stored month-end,
    `computed` the dates computed for this view (not stored); `forecast_stored_at` is
    when the forecast was stored (None: reconstructed for this view).
    """

    points: list[TrendPoint]
    forecast_made: date
    forecast: pl.DataFrame
    forecast_method: str = "own days late"
    checked_at: dict[date, datetime] = field(default_factory=dict)
    computed: list[date] = field(default_factory=list)
    forecast_stored_at: datetime | None = None


def history(engine: Engine, as_of: date, report: service.Report | None = None) -> History:
    """The figures at the last 12 month-ends and at `as_of`, and the forecast made 8
    weeks back: what the worker stored is read; what is missing is computed from one
    load of the history (as far back as the oldest missing date). With `report` (the
    report at `as_of`) its figures are the last point, so `as_of` is not computed twice."""

    def compute() -> History:
        days = month_ends(as_of)
        made = as_of - timedelta(days=7 * FORECAST_WEEKS)
        with engine.connect() as conn:
            found = stored.read_days(conn, days[:-1])
            past = stored.read_forecast(conn, made)
        missing = [d for d in days[:-1] if d not in found]
        if report is None:
            missing.append(as_of)
        figures = {d: found[d].figures for d in found}
        needed = missing + ([made] if past is None else [])
        frames = None
        if needed:
            with engine.connect() as conn:
                frames = service.load_history(conn, max(needed), since=min(needed))
            for d in missing:
                figures[d] = {f.currency: f for f in core.figures(
                    frames.invoices, frames.allocations, d, credits=frames.credits)}  # fmt: skip
        if report is not None:
            figures[as_of] = {f.currency: f for f in report.currencies}
        if past is not None:
            forecast_frame, method = past[0], past[2]
        else:  # not stored that day: reconstructed from the frames just read
            assert frames is not None  # `made` was needed, so the history was read
            history_frames = frames
            with engine.connect() as conn:
                remade = cash_forecast_at(
                    conn,
                    lambda: core.open_at(
                        history_frames.invoices, history_frames.allocations, made,
                        history_frames.credits,
                    ),
                    made,
                )  # fmt: skip
            forecast_frame, method = remade.weeks, remade.describe()
        return History(
            [TrendPoint(d, figures[d]) for d in days], made, forecast_frame, method,
            {d: found[d].checked_at for d in found}, missing,
            None if past is None else past[1],
        )  # fmt: skip

    return _cached(engine, "history", as_of, compute)  # type: ignore[no-any-return]


def trend(engine: Engine, as_of: date, report: service.Report | None = None) -> list[TrendPoint]:
    """The contract figures at the last 12 month-ends and at `as_of` (stored or computed)."""
    return history(engine, as_of, report).points


_RECEIVED = "paid_at >= :first AND paid_at < :end AND (reversed_at IS NULL OR reversed_at >= :end)"
"""The payments collected per month counts: paid from `first` before `end`, not reversed by it."""


def _paid_month(conn: Connection) -> str:
    """SQL for a payment's calendar month (UTC) as YYYY-MM."""
    if conn.dialect.name == "postgresql":
        return "to_char(paid_at AT TIME ZONE 'UTC', 'YYYY-MM')"
    return "substr(paid_at, 1, 7)"


def collected_per_month(engine: Engine, as_of: date, months: int = MONTHS) -> pl.DataFrame:
    """Payments received per currency and calendar month, the last `months` months up to
    `as_of` (the current month up to `as_of`), leaving out those reversed by `as_of`."""

    def compute() -> pl.DataFrame:
        first = month_ends(as_of, months)[0] + timedelta(days=1)
        end = (as_of + timedelta(days=1)).isoformat()
        with engine.connect() as conn:
            rows = read_frame(
                conn,
                f"SELECT currency, {_paid_month(conn)}, SUM(amount_minor), COUNT(*) "  # noqa: S608
                f"FROM payment WHERE {_RECEIVED} GROUP BY 1, 2",
                {"currency": pl.Utf8, "month": pl.Utf8, "collected_minor": pl.Int64,
                 "payments": pl.Int64},
                {"first": first.isoformat(), "end": end},
            )  # fmt: skip
        labels = [d.strftime("%Y-%m") for d in month_ends(as_of, months)[1:]]
        grid = rows.select("currency").unique().join(pl.DataFrame({"month": labels}), how="cross")
        return (
            grid.join(rows, on=["currency", "month"], how="left")
            .with_columns(pl.col("collected_minor", "payments").fill_null(0))
            .sort("currency", "month")
        )

    return _cached(engine, "collected", as_of, compute)  # type: ignore[no-any-return]


def forecast_vs_realised(
    engine: Engine, as_of: date, report: service.Report | None = None
) -> tuple[date, pl.DataFrame]:
    """The forecast made 8 weeks before `as_of` and, per its week, what was received.

    Returns (the forecast's date, a frame: currency, week, week_from, expected_minor,
    realised_minor). Realised counts every payment in the week (by payment date, not
    reversed by `as_of`), also those for invoices issued after the forecast was made.
    """
    found = history(engine, as_of, report)
    made, past = found.forecast_made, found.forecast.filter(pl.col("week") <= FORECAST_WEEKS)

    def compute() -> pl.DataFrame:
        end = (as_of + timedelta(days=1)).isoformat()
        with engine.connect() as conn:
            day = "substr(paid_at, 1, 10)"
            if conn.dialect.name == "postgresql":
                day = "CAST(CAST(paid_at AT TIME ZONE 'UTC' AS DATE) AS VARCHAR(10))"
            return read_frame(
                conn,
                f"SELECT currency, {day}, SUM(amount_minor) FROM payment "  # noqa: S608
                f"WHERE paid_at >= :first AND paid_at < :end "
                f"AND (reversed_at IS NULL OR reversed_at >= :end) GROUP BY 1, 2",
                {"currency": pl.Utf8, "day": pl.Utf8, "realised_minor": pl.Int64},
                {"first": (made + timedelta(days=1)).isoformat(), "end": end},
            )

    days = _cached(engine, "received", as_of, compute)
    weeks = (
        days.with_columns(
            ((pl.col("day").str.to_date() - pl.lit(made)).dt.total_days() - 1)
            .floordiv(7)
            .add(1)
            .cast(pl.Int64)
            .alias("week")
        )
        .group_by("currency", "week")
        .agg(pl.col("realised_minor").sum())
    )
    table = (
        past.join(weeks, on=["currency", "week"], how="full", coalesce=True)
        .filter(pl.col("week") <= FORECAST_WEEKS)
        .with_columns(
            (pl.lit(made) + pl.duration(days=(pl.col("week") - 1) * 7 + 1)).alias("week_from"),
            pl.col("expected_minor", "realised_minor").fill_null(0),
        )
        .select("currency", "week", "week_from", "expected_minor", "realised_minor")
        .sort("currency", "week")
    )
    return made, table


def opened_at(engine: Engine, day: date) -> pl.DataFrame:
    """Every invoice read for `day` with its open amount then and its aging bucket."""

    def compute() -> pl.DataFrame:
        with engine.connect() as conn:
            history = service.load_history(conn, day)
        opened = core.open_at(history.invoices, history.allocations, day, history.credits)
        dpd = (pl.lit(day) - pl.col("due_date")).dt.total_days()
        return opened.filter(pl.col("open_at_minor") != 0).select(
            "customer_pk", "currency", "open_at_minor", core.aging_bucket(dpd).alias("bucket")
        )

    return _cached(engine, "opened", day, compute)  # type: ignore[no-any-return]


def customers_in(engine: Engine, day: date, currency: str, which: str) -> list[int]:
    """The customers with an amount open at `day` in `currency` in the set `which`
    (an aging bucket, `overdue` = every bucket but current, or `open`)."""
    if which not in SETS:
        raise ValueError(f"aging: expected one of {', '.join(SETS)}, got {which!r}")
    frame = opened_at(engine, day).filter(pl.col("currency") == currency)
    if which == "overdue":
        frame = frame.filter(pl.col("bucket") != "current")
    elif which != "open":
        frame = frame.filter(pl.col("bucket") == which)
    return sorted(int(pk) for pk in frame.get_column("customer_pk").unique())


def customers_paid_in(engine: Engine, day: date, currency: str, month: str) -> list[int]:
    """The customers behind the collected-per-month bar of `month` (YYYY-MM) at `day`:
    payments in `currency` dated in that month up to `day`, not reversed by `day`."""
    first = date.fromisoformat(month + "-01")
    if first > day:
        raise ValueError("paid: the month is after the date")
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                f"SELECT DISTINCT customer_id FROM payment WHERE {_RECEIVED} "  # noqa: S608
                f"AND currency = :currency AND {_paid_month(conn)} = :month "
                "AND customer_id IS NOT NULL"
            ),
            {"first": first.isoformat(), "end": (day + timedelta(days=1)).isoformat(),
             "currency": currency, "month": month},
        )  # fmt: skip
        return sorted(int(pk) for (pk,) in rows)


def channel_customers(engine: Engine, day: date) -> pl.DataFrame:
    """The customers behind the channel effectiveness bars at `day` (`effect.customers_behind`
    over the frames the report reads)."""

    def compute() -> pl.DataFrame:
        with engine.connect() as conn:
            history = service.load_history(conn, day)
        return effect.customers_behind(history.contacts, history.invoices, day)

    return _cached(engine, "contacted", day, compute)  # type: ignore[no-any-return]


def customers_contacted(engine: Engine, day: date, currency: str, channel: str) -> list[int]:
    """The customers behind a channel's bar (`effect.BASELINE`: the not-contacted one)."""
    frame = channel_customers(engine, day).filter(
        (pl.col("currency") == currency) & (pl.col("channel") == channel)
    )
    return [int(pk) for pk in frame.get_column("customer_pk")]
