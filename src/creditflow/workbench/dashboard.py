"""The dashboard: the receivables figures per currency with charts, and the monthly PDF.

GET /workbench/dashboard?as_of=YYYY-MM-DD shows the figures at a date (default today):
headline figures, aging bars, DSO and collected over the last 12 month-ends, channel
effectiveness (the bars of aging, collected and channels each a link to the customers
behind it: `drill_down`), and the forecast made 8 weeks ago
beside what came in. The charts are inline SVG drawn on the server (creditflow.charts),
each with its numbers in a table. GET /workbench/dashboard/report.pdf is the same as a PDF.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from html import escape
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from markupsafe import Markup

from creditflow.analytics import dashboard
from creditflow.analytics.dashboard_charts import dashboard_parts
from creditflow.analytics.effect import ChannelPrices, channel_prices
from creditflow.charts import svg
from creditflow.staff.access import now_of, page_access
from creditflow.staff.pages import language_of
from creditflow.workbench.i18n import translate
from creditflow.workbench.pages import render

router = APIRouter(
    prefix="/workbench",
    tags=["workbench"],
    include_in_schema=False,
    dependencies=[Depends(page_access)],
)


def parse_day(text: str, today: date) -> date:
    """`?as_of=` as a date: empty is today; anything else must be YYYY-MM-DD, not ahead."""
    if not text:
        return today
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError("as_of: expected a date as YYYY-MM-DD") from None
    if day > today:
        raise ValueError("as_of: the date is in the future")
    return day


def _zone(request: Request) -> ZoneInfo:
    """The organisation's zone ([schedule] timezone), else UTC, to show a moment in."""
    schedule = request.app.state.settings.schedule
    return schedule.zone if schedule is not None else ZoneInfo("UTC")


def _prices(request: Request) -> ChannelPrices:
    return channel_prices(dict(request.app.state.settings.analytics.prices))


def drill_link(which: str, currency: str, day: date, by: str = "aging") -> str:
    """The customer list limited to the customers behind a figure (`?aging=`, `?paid=`
    or `?contacted=` `which`)."""
    return "/workbench/customers?" + urlencode(
        {by: which, "currency": currency, "as_of": day.isoformat()}
    )


def linked_bars(text: str, width: int, height: int, links: list[str], names: list[str]) -> str:
    """The bar chart's SVG with one link over each group of bars (its whole column): a
    click or Enter on a bar opens the customers behind it. Geometry of `charts.bar_chart`."""
    left, plot_width, top, plot_height = 56, width - 72, 52, height - 96
    step = plot_width / max(1, len(links))
    areas = "".join(
        f'<a href="{escape(link)}" aria-label="{escape(name)}"><rect x="{left + k * step:.1f}" '
        f'y="{top}" width="{step:.1f}" height="{plot_height}" fill="#ffffff" fill-opacity="0" '
        f'pointer-events="all"/></a>'
        for k, (link, name) in enumerate(zip(links, names, strict=True))
    )
    return text[: text.rindex("</svg>")] + areas + "</svg>"


def freshness(found: dashboard.History, zone: ZoneInfo, _: Callable[[str], str]) -> list[str]:
    """How fresh the month-end figures and the past forecast are, in sentences."""

    def moment(at: datetime) -> str:
        return at.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    ends = len(found.points) - 1
    lines = []
    if found.checked_at:
        lines.append(_("Month-end figures stored by the worker, last checked against the ledger "
                       "{when}.").format(when=moment(min(found.checked_at.values()))))  # fmt: skip
    missing = len([d for d in found.computed if d != found.points[-1].day])
    if missing == ends:
        lines.append(_("No month-end figures stored yet: computed for this view (the worker's "
                       "figures job stores them)."))  # fmt: skip
    elif missing:
        lines.append(_("{count} of the {months} month-ends were not stored: computed for this "
                       "view.").format(count=missing, months=ends))  # fmt: skip
    made = found.forecast_made.isoformat()
    if found.forecast_stored_at is None:
        lines.append(_("The forecast of {day} was not stored that day: reconstructed for this "
                       "view.").format(day=made))  # fmt: skip
    else:
        lines.append(_("The forecast of {day} as stored {when}.").format(
            day=made, when=moment(found.forecast_stored_at)))  # fmt: skip
    return lines


@router.get("/dashboard")
def show_dashboard(request: Request, as_of: str = "") -> Response:
    """The figures at a date, per currency, with charts and drill-down links."""
    lang = language_of(request)

    def _(text: str) -> str:
        return translate(lang, text)

    try:
        day = parse_day(as_of[:20], now_of(request).date())
    except ValueError as exc:
        return render(request, "dashboard.html", status=400, error=str(exc), parts=[],
                      as_of=as_of[:20], seconds=None)  # fmt: skip
    engine, prices = request.app.state.engine, _prices(request)
    started = time.perf_counter()
    report = dashboard.report_at(engine, day, prices)
    found = dashboard.history(engine, day, report)
    parts = dashboard_parts(
        report,
        found.points,
        dashboard.collected_per_month(engine, day),
        dashboard.forecast_vs_realised(engine, day, report),
        _,
    )
    shown: list[dict[str, Any]] = []
    for part in parts:
        cur = part.headline.currency
        charts = []
        for chart in part.charts:
            links = [drill_link(which, cur, day, by) for by, which in chart.links]
            text = svg(chart.drawing, chart.title)
            if links:
                names = [f"{row[0]}: {row[1]}" if chart.key != "channels" else
                         f"{row[0]}: {chart.columns[1]} {row[1]}" for row in chart.rows]  # fmt: skip
                text = linked_bars(text, int(chart.drawing.width), int(chart.drawing.height),
                                   links, names)  # fmt: skip
            charts.append({"chart": chart, "svg": Markup(text), "links": links})  # noqa: S704
        shown.append({"part": part, "charts": charts,
                      "open_link": drill_link("open", cur, day),
                      "overdue_link": drill_link("overdue", cur, day)})  # fmt: skip
    return render(
        request, "dashboard.html", parts=shown, as_of=day.isoformat(), error=None,
        report=report, seconds=round(time.perf_counter() - started, 2),
        cache_minutes=int(dashboard.CACHE_SECONDS // 60), freshness=freshness(found, _zone(request), _),
    )  # fmt: skip


@router.get("/dashboard/report.pdf")
def report_pdf(request: Request, as_of: str = "") -> Response:
    """The monthly report as a PDF, for the date of the dashboard."""
    from creditflow.analytics.pdf import build_pdf

    try:
        day = parse_day(as_of[:20], now_of(request).date())
    except ValueError as exc:
        return Response(str(exc), status_code=400, media_type="text/plain")
    settings = request.app.state.settings
    data = build_pdf(request.app.state.engine, day, _prices(request), settings.organisation.name)
    return Response(
        data,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="receivables-{day.isoformat()}.pdf"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
