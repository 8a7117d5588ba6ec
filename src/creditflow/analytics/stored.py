"""Keeping past figures in the database: fill in what is missing or changed, read it back.

`store_figures(engine, D)` stores the DESIGN 4.6 figures (and countback DSO) at the
last 12 month-ends before `D` and at `D`, and the cash forecast as made on `D`. A date
already stored is computed again only when the ledger's fingerprint at that date
(`stored_rows.fingerprint`) changed since, e.g. after a back-dated import. What is
computed comes from one load of the history (`service.load_history(..., since=)`)
and the same pure functions as `build_report`, so a stored date always equals the
report at that date as the ledger was when its fingerprint was taken (taken before
the load: a change during the load makes the next run compute the date again).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

import polars as pl
from sqlalchemy import Connection, Engine, delete, insert, select, update

from creditflow.analytics import core, service
from creditflow.analytics.forecast_load import OWN_DAYS_LATE, Forecast, cash_forecast_at
from creditflow.analytics.models import FiguresCurrency, FiguresDay, ForecastWeek
from creditflow.analytics.stored_rows import (
    ALLOCATION_AGGREGATES,
    CREDIT_AGGREGATES,
    INVOICE_AGGREGATES,
    figures_of,
    figures_row,
    fingerprint,
)
from creditflow.store import read_frame

MONTHS = 12
Progress = Callable[[str, int, int], object]


def month_ends(as_of: date, months: int = MONTHS) -> list[date]:
    """The last `months` month-ends before `as_of`, oldest first, then `as_of` itself."""
    ends: list[date] = []
    end = as_of.replace(day=1) - timedelta(days=1)
    while len(ends) < months:
        ends.append(end)
        end = end.replace(day=1) - timedelta(days=1)
    return [*reversed(ends), as_of]


def _day(column: str, dialect: str) -> str:
    if dialect == "postgresql":
        return f"CAST(({column} AT TIME ZONE 'UTC') AS DATE)"
    return f"substr({column}, 1, 10)"


def _later(a: str, b: str, dialect: str) -> str:
    """SQL for the later of two dates (None when `b` is None)."""
    if dialect == "postgresql":
        return f"CASE WHEN {b} IS NULL THEN NULL ELSE GREATEST({a}, {b}) END"
    return f"CASE WHEN {b} IS NULL THEN NULL WHEN {b} > {a} THEN {b} ELSE {a} END"


def fingerprints(conn: Connection, days: Iterable[date]) -> dict[date, str]:
    """The ledger's fingerprint at each date: three GROUP BY queries, then pure sums."""
    dialect = conn.dialect.name
    paid_day, reversed_day = _day("p.paid_at", dialect), _day("p.reversed_at", dialect)
    invoices = read_frame(
        conn,
        f"SELECT issue_date, {_later('issue_date', 'paid_on', dialect)}, COUNT(*), "  # noqa: S608
        "SUM(amount_minor), MAX(id), SUM(amount_minor - open_minor) FROM invoice GROUP BY 1, 2",
        INVOICE_AGGREGATES,
    )
    allocations = read_frame(
        conn,
        f"SELECT i.issue_date, {paid_day}, {_later(paid_day, reversed_day, dialect)}, "  # noqa: S608
        "COUNT(*), SUM(a.amount_minor), MAX(a.id), "
        "SUM(CASE WHEN p.reversed_at IS NULL THEN a.amount_minor ELSE 0 END) "
        "FROM allocation a JOIN payment p ON p.id = a.payment_id "
        "JOIN invoice i ON i.id = a.invoice_id GROUP BY 1, 2, 3",
        ALLOCATION_AGGREGATES,
    )
    credits = read_frame(
        conn,
        "SELECT i.issue_date, c.issue_date, COUNT(*), SUM(c.applied_minor), MAX(c.id) "
        "FROM credit_note c JOIN invoice i ON i.id = c.invoice_id "
        "WHERE c.applied_minor <> 0 GROUP BY 1, 2",
        CREDIT_AGGREGATES,
    )
    return {day: fingerprint(invoices, allocations, credits, day) for day in days}


@dataclass
class StoredDay:
    """The stored figures of one date, per currency, with countback DSO."""

    as_of: date
    computed_at: datetime
    checked_at: datetime
    figures: dict[str, core.CurrencyFigures] = field(default_factory=dict)
    countback: dict[str, Decimal | None] = field(default_factory=dict)


def read_days(conn: Connection, days: Iterable[date]) -> dict[date, StoredDay]:
    """The stored figures of those of `days` that are stored (two queries)."""
    wanted = sorted(set(days))
    found = {
        row.as_of: StoredDay(row.as_of, row.computed_at, row.checked_at)
        for row in conn.execute(select(FiguresDay).where(FiguresDay.as_of.in_(wanted)))
    }
    rows = conn.execute(select(FiguresCurrency).where(FiguresCurrency.as_of.in_(wanted)))
    for row in rows:
        fig, countback = figures_of(row)
        found[row.as_of].figures[fig.currency] = fig
        found[row.as_of].countback[fig.currency] = countback
    return found


FORECAST_SCHEMA = {
    "currency": pl.Utf8,
    "week": pl.Int64,
    "week_from": pl.Date,
    "expected_minor": pl.Int64,
    "invoices": pl.Int64,
}


def read_forecast(conn: Connection, made_on: date) -> tuple[pl.DataFrame, datetime, str] | None:
    """The forecast as made on `made_on`, when it was stored and how it was made, or None
    when it was not stored."""
    found = conn.execute(
        select(FiguresDay.forecast_at, FiguresDay.forecast_method).where(
            FiguresDay.as_of == made_on
        )
    ).first()
    if found is None or found[0] is None:
        return None
    at, method = found[0], found[1] or OWN_DAYS_LATE
    rows = conn.execute(
        select(ForecastWeek.currency, ForecastWeek.week, ForecastWeek.week_from,
               ForecastWeek.expected_minor, ForecastWeek.invoices)
        .where(ForecastWeek.made_on == made_on)
        .order_by(ForecastWeek.currency, ForecastWeek.week)
    ).all()  # fmt: skip
    return pl.DataFrame([tuple(r) for r in rows], schema=FORECAST_SCHEMA, orient="row"), at, method


@dataclass
class StoreSummary:
    """What `store_figures` did: the dates computed (new or changed) and kept."""

    as_of: date
    computed: list[date] = field(default_factory=list)
    changed: list[date] = field(default_factory=list)
    kept: list[date] = field(default_factory=list)
    forecast_stored: bool = False

    def line(self) -> str:
        """One line for the job table and the command line."""
        forecast_note = "forecast stored" if self.forecast_stored else "forecast kept"
        return (
            f"figures as of {self.as_of}: {len(self.computed)} dates computed "
            f"({len(self.changed)} changed since stored), {len(self.kept)} kept; {forecast_note}"
        )


def store_figures(
    engine: Engine, as_of: date, *, now: datetime, progress: Progress | None = None
) -> StoreSummary:
    """Store the figures at the 12 month-ends before `as_of` and at `as_of` that are
    missing or whose ledger changed, and the forecast as made on `as_of` if not stored."""
    report = progress or (lambda _step, _done, _total: None)
    days = month_ends(as_of)
    summary = StoreSummary(as_of)
    with engine.connect() as conn:
        prints = fingerprints(conn, days)
        known = dict(
            conn.execute(
                select(FiguresDay.as_of, FiguresDay.fingerprint).where(FiguresDay.as_of.in_(days))
            ).all()
        )
        made = conn.execute(
            select(FiguresDay.forecast_at).where(FiguresDay.as_of == as_of)
        ).scalar()
    todo = [d for d in days if known.get(d) != prints[d]]
    summary.kept = [d for d in days if d not in todo]
    summary.changed = [d for d in todo if d in known]
    report("fingerprints", 1, len(todo) + 2)
    computed, weeks = _compute(engine, todo, as_of if made is None else None, report)
    with engine.begin() as conn:
        if summary.kept:  # unchanged since computed: as fresh as this check
            conn.execute(
                update(FiguresDay).where(FiguresDay.as_of.in_(summary.kept)).values(checked_at=now)
            )
        for day, rows in computed:
            _write_day(conn, day, prints[day], now, rows, exists=day in known)
        if weeks is not None:  # `as_of` has its figures_day row: stored before or just now
            _write_forecast(conn, as_of, weeks, now)
    summary.computed = todo
    summary.forecast_stored = weeks is not None
    return summary


Rows = list[dict[str, object]]


def _compute(
    engine: Engine, todo: list[date], forecast_day: date | None, report: Progress
) -> tuple[list[tuple[date, Rows]], Forecast | None]:
    """The figures rows of each date in `todo` and the forecast made on `forecast_day`,
    from one load of the history reaching back to the oldest of them."""
    needed = todo + ([forecast_day] if forecast_day is not None else [])
    if not needed:
        return [], None
    computed: list[tuple[date, Rows]] = []
    with engine.connect() as conn:
        history = service.load_history(conn, max(needed), since=min(needed))
        report("history loaded", 2, len(todo) + 2)
        for k, day in enumerate(todo):
            _opened, figs, countback = service.contract_figures(history, day)
            if service.needs_older_sales(history, day, figs):
                older = service.load_older_sales(conn, day)
                _opened, figs, countback = service.contract_figures(history, day, older)
            computed.append((day, [figures_row(f, countback.get(f.currency)) for f in figs]))
            report(f"figures at {day}", 3 + k, len(todo) + 2)
        made = None
        if forecast_day is not None:  # the forecast the report shows that day, method and all
            made = cash_forecast_at(
                conn,
                lambda: core.open_at(
                    history.invoices, history.allocations, forecast_day, history.credits
                ),
                forecast_day,
            )
    return computed, made


def _write_day(
    conn: Connection,
    day: date,
    print_: str,
    now: datetime,
    rows: Rows,
    *,
    exists: bool,
) -> None:
    """Replace the stored figures of one date."""
    if exists:
        conn.execute(
            update(FiguresDay)
            .where(FiguresDay.as_of == day)
            .values(fingerprint=print_, computed_at=now, checked_at=now)
        )
        conn.execute(delete(FiguresCurrency).where(FiguresCurrency.as_of == day))
    else:
        conn.execute(
            insert(FiguresDay).values(
                as_of=day, fingerprint=print_, computed_at=now, checked_at=now
            )
        )
    if rows:
        conn.execute(insert(FiguresCurrency), rows)


def _write_forecast(conn: Connection, made_on: date, made: Forecast, now: datetime) -> None:
    """Store the forecast as made on `made_on` (written once, never recomputed)."""
    weeks = made.weeks
    conn.execute(delete(ForecastWeek).where(ForecastWeek.made_on == made_on))
    rows = [
        {"made_on": made_on, "currency": c, "week": int(w), "week_from": f,
         "expected_minor": int(e), "invoices": int(n)}
        for c, w, f, e, n in weeks.select(*FORECAST_SCHEMA).iter_rows()
    ]  # fmt: skip
    if rows:
        conn.execute(insert(ForecastWeek), rows)
    conn.execute(
        update(FiguresDay)
        .where(FiguresDay.as_of == made_on)
        .values(forecast_at=now, forecast_method=made.describe())
    )
