"""The dashboard's charts and their tables, per currency: one builder for the page and the PDF.

Each `Chart` has a reportlab drawing (`creditflow.charts`), the same numbers as a
table (columns and rows of text, for screen readers and for the PDF), and, where
customers stand behind a bar (aging, collected per month, channels), the drill-down
set of each row as a (parameter, value) of the customer list. Amounts in the tables are exact (Money
text); the drawing uses them as plain numbers only to place the bars.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import polars as pl
from reportlab.graphics.shapes import Drawing

from creditflow.analytics.core import AGING_BUCKETS, CurrencyFigures
from creditflow.analytics.dashboard import TrendPoint
from creditflow.analytics.service import Report
from creditflow.charts import bar_chart, line_chart
from creditflow.money import from_minor

Translate = Callable[[str], str]


@dataclass
class Chart:
    """One chart with its numbers as a table."""

    key: str
    title: str
    drawing: Drawing
    columns: list[str]
    rows: list[list[str]]
    links: list[tuple[str, str]] = field(default_factory=list)  # drill-down set of each row


@dataclass
class Headline:
    """The headline figures of one currency (text, ready to show)."""

    currency: str
    open: str
    overdue: str
    dso: str
    best_dso: str
    cei: str
    countback: str


def _days(value: object) -> str:
    return "n/a" if value is None else str(value)


def headline(report: Report, fig: CurrencyFigures) -> Headline:
    """The figures at the top of a currency's part of the dashboard."""
    cur = fig.currency
    return Headline(
        currency=cur,
        open=f"{cur} {from_minor(fig.open_minor, cur)}",
        overdue=f"{cur} {from_minor(fig.overdue_minor, cur)}",
        dso=_days(fig.dso_days),
        best_dso=_days(fig.best_possible_dso_days),
        cei="n/a" if fig.cei_percent is None else f"{fig.cei_percent} %",
        countback=_days(report.countback.get(cur)),
    )


def _number(minor: int, currency: str) -> float:
    """An amount as a plain number, only to place a bar or a point on a chart."""
    return float(from_minor(minor, currency))


def aging_chart(fig: CurrencyFigures, _: Translate) -> Chart:
    """Aging bars: what is open at the date per bucket of days past due."""
    cur = fig.currency
    labels = [_("current") if b == "current" else _("{bucket} days").format(bucket=b)
              for b in AGING_BUCKETS]  # fmt: skip
    values = [_number(fig.aging_minor[b], cur) for b in AGING_BUCKETS]
    title = _("Aging ({currency})").format(currency=cur)
    return Chart(
        "aging", title, bar_chart(title, labels, {cur: values}),
        [_("Days past due"), _("Open")],
        [[label, str(from_minor(fig.aging_minor[b], cur))] for label, b in
         zip(labels, AGING_BUCKETS, strict=True)],
        [("aging", b) for b in AGING_BUCKETS],
    )  # fmt: skip


def dso_chart(points: list[TrendPoint], currency: str, _: Translate) -> Chart:
    """DSO and best possible DSO at each month-end and at the date."""
    labels = [p.day.isoformat() for p in points]
    dso: list[float | None] = []
    best: list[float | None] = []
    rows = []
    for p in points:
        f = p.figures.get(currency)
        d = None if f is None else f.dso_days
        b = None if f is None else f.best_possible_dso_days
        dso.append(None if d is None else float(d))
        best.append(None if b is None else float(b))
        rows.append([p.day.isoformat(), _days(d), _days(b),
                     "n/a" if f is None else str(from_minor(f.open_minor, currency))])  # fmt: skip
    title = _("DSO over time ({currency})").format(currency=currency)
    short = [label[:7] for label in labels]
    drawing = line_chart(title, short, {_("DSO"): dso, _("Best possible DSO"): best})
    return Chart("dso", title, drawing,
                 [_("Date"), _("DSO"), _("Best possible DSO"), _("Open")], rows)  # fmt: skip


def collected_chart(collected: pl.DataFrame, currency: str, _: Translate) -> Chart:
    """Payments received per month."""
    rows = collected.filter(pl.col("currency") == currency).sort("month")
    title = _("Collected per month ({currency})").format(currency=currency)
    months = rows.get_column("month").to_list()
    minors = rows.get_column("collected_minor").to_list()
    drawing = bar_chart(title, months, {currency: [_number(m, currency) for m in minors]})
    table = [[m, str(from_minor(x, currency)), str(n)] for m, x, n in
             rows.select("month", "collected_minor", "payments").iter_rows()]  # fmt: skip
    return Chart("collected", title, drawing, [_("Month"), _("Collected"), _("Payments")], table,
                 [("paid", m) for m in months])  # fmt: skip


def channel_chart(report: Report, currency: str, _: Translate) -> Chart | None:
    """Per channel (and the not-contacted baseline): paid within 14 days, clicked, replied."""
    eff = report.effectiveness.filter(
        pl.col("dimension").is_in(["channel", "baseline"]) & (pl.col("currency") == currency)
    )
    if eff.height == 0:
        return None
    engaged: dict[str, tuple[int, int]] = {}
    if report.engagement is not None:
        for r in report.engagement.filter(pl.col("currency") == currency).iter_rows(named=True):
            engaged[r["channel"]] = (r["clicked"], r["replied"])
    labels, paid, clicked, replied, rows, links = [], [], [], [], [], []
    for r in eff.iter_rows(named=True):
        name = _(r["value"]) if r["dimension"] == "baseline" else r["value"]
        n = r["contacts"]
        c, rep = engaged.get(r["value"], (0, 0)) if r["dimension"] == "channel" else (0, 0)
        labels.append(name)
        links.append(("contacted", "none" if r["dimension"] == "baseline" else r["value"]))
        paid.append(r["paid_14_percent"])
        clicked.append(round(c * 100 / n, 1) if n else 0.0)
        replied.append(round(rep * 100 / n, 1) if n else 0.0)
        rows.append([
            name, str(n), f"{r['paid_7_percent']} %", f"{r['paid_14_percent']} %",
            str(from_minor(r["collected_per_100_minor"], currency)),
            "—" if r["dimension"] == "baseline" else str(c),
            "—" if r["dimension"] == "baseline" else str(rep),
        ])  # fmt: skip
    title = _("Channel effectiveness ({currency})").format(currency=currency)
    drawing = bar_chart(title, labels, {_("Paid in 14 days %"): paid,
                                        _("Clicked %"): clicked, _("Replied %"): replied})  # fmt: skip
    columns = [_("Channel"), _("Contacts"), _("Paid in 7 days"), _("Paid in 14 days"),
               _("Collected per 100 contacts"), _("Clicked"), _("Replied")]  # fmt: skip
    return Chart("channels", title, drawing, columns, rows, links)


def forecast_chart(made: date, table: pl.DataFrame, currency: str, _: Translate) -> Chart:
    """The forecast made 8 weeks ago per week, beside what was received in that week."""
    rows = table.filter(pl.col("currency") == currency).sort("week")
    title = _("Forecast of {day} vs realised ({currency})").format(
        day=made.isoformat(), currency=currency
    )
    labels = [d.isoformat()[5:] for d in rows.get_column("week_from").to_list()]
    expected = [_number(m, currency) for m in rows.get_column("expected_minor").to_list()]
    realised = [_number(m, currency) for m in rows.get_column("realised_minor").to_list()]
    drawing = bar_chart(title, labels, {_("Forecast"): expected, _("Realised"): realised})
    data = [[d.isoformat(), str(from_minor(e, currency)), str(from_minor(r, currency))]
            for d, e, r in rows.select("week_from", "expected_minor", "realised_minor")
            .iter_rows()]  # fmt: skip
    return Chart("forecast", title, drawing, [_("Week from"), _("Forecast"), _("Realised")], data)


def next_weeks_rows(report: Report, currency: str) -> list[list[str]]:
    """The forecast from the date: week, expected, invoices (`later` after 8 weeks)."""
    rows = report.forecast.filter(pl.col("currency") == currency)
    return [["later" if week > 8 else start.isoformat(), str(from_minor(m, currency)), str(n)]
            for _c, week, start, m, n in rows.iter_rows()]  # fmt: skip


def forecast_method(report: Report, _: Translate) -> str:
    """How the report's cash forecast was made, in a sentence."""
    if report.forecast_model is None:
        return _("Expected on the due date plus each customer's own days late.")
    return _(
        "Spread over the weeks by the risk model (version {version}) and how late the "
        "ledger's overdue money came in."
    ).format(version=report.forecast_model)


@dataclass
class CurrencyPart:
    """Everything the dashboard and the PDF show for one currency."""

    headline: Headline
    charts: list[Chart]
    forecast_rows: list[list[str]]
    forecast_method: str = ""


def dashboard_parts(
    report: Report,
    points: list[TrendPoint],
    collected: pl.DataFrame,
    forecast: tuple[date, pl.DataFrame],
    _: Translate,
) -> list[CurrencyPart]:
    """Per currency of the report: the headline figures, the charts and the forecast."""
    parts = []
    for fig in report.currencies:
        cur = fig.currency
        charts = [
            aging_chart(fig, _),
            dso_chart(points, cur, _),
            collected_chart(collected, cur, _),
        ]
        channels = channel_chart(report, cur, _)
        if channels is not None:
            charts.append(channels)
        charts.append(forecast_chart(forecast[0], forecast[1], cur, _))
        parts.append(
            CurrencyPart(
                headline(report, fig),
                charts,
                next_weeks_rows(report, cur),
                forecast_method(report, _),
            )
        )
    return parts
