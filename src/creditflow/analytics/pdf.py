"""The monthly PDF report a manager can forward: the dashboard's figures, charts and tables.

reportlab platypus: a title and the period, then per currency the headline figures,
the charts (the same drawings as the dashboard, `analytics.dashboard_charts`) each
with its table, the cash forecast for the coming weeks, portal use and opt-outs.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlalchemy import Engine

from creditflow.analytics import dashboard
from creditflow.analytics.dashboard_charts import CurrencyPart, Translate, dashboard_parts
from creditflow.analytics.effect import ChannelPrices
from creditflow.analytics.service import Report

_STYLES = getSampleStyleSheet()
_WIDTH = A4[0] - 3 * cm


def english(text: str) -> str:
    """The English source text (the PDF is in English, like the command line)."""
    return text


def _table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> Table:
    table = Table([list(columns), *[list(r) for r in rows]], repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
                ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F2F2F2")]),
            ]
        )
    )
    return table


def _scaled(drawing: Any) -> Any:
    """The drawing shrunk to the page's text width when it is wider."""
    if drawing.width > _WIDTH:
        factor = _WIDTH / drawing.width
        drawing.scale(factor, factor)
        drawing.width, drawing.height = drawing.width * factor, drawing.height * factor
    return drawing


def _period(as_of: date) -> str:
    first = as_of.replace(day=1)
    return f"{first.isoformat()} to {as_of.isoformat()}"


def pdf_bytes(report: Report, parts: list[CurrencyPart], organisation: str = "") -> bytes:
    """The report as a PDF (A4), from the figures and the charts of `dashboard_parts`."""
    h1, h2, body = _STYLES["Title"], _STYLES["Heading2"], _STYLES["BodyText"]
    story: list[Any] = [
        Paragraph(f"Receivables report {report.as_of.strftime('%B %Y')}", h1),
        Paragraph(_escape(organisation), body) if organisation else Spacer(1, 0),
        Paragraph(
            f"Period: {_period(report.as_of)}; figures as of the end of "
            f"{report.as_of.isoformat()}.",
            body,
        ),  # fmt: skip
        Spacer(1, 0.4 * cm),
    ]
    if not parts:
        story.append(Paragraph("No invoices issued on or before this date.", body))
    for part in parts:
        head = part.headline
        story.append(Paragraph(f"{head.currency}", _STYLES["Heading1"]))
        story.append(
            _table(
                ["Open", "Overdue", "DSO", "Best possible DSO", "Countback DSO", "CEI (30 days)"],
                [[head.open, head.overdue, head.dso, head.best_dso, head.countback, head.cei]],
            )
        )
        for chart in part.charts:
            story.append(
                KeepTogether(
                    [
                        Paragraph(_escape(chart.title), h2),
                        _scaled(chart.drawing),
                        _table(chart.columns, chart.rows),
                    ]  # fmt: skip
                )
            )
        story.append(
            KeepTogether(
                [
                    Paragraph(
                        f"Cash forecast from {report.as_of.isoformat()} ({head.currency})", h2
                    ),
                    Paragraph(_escape(part.forecast_method), body),
                    _table(["Week from", "Expected", "Invoices"], part.forecast_rows),
                ]  # fmt: skip
            )
        )
    if report.portal is not None:
        story.append(Paragraph("Portal use (30 days)", h2))
        story.append(_table(["Event", "Events", "Customers"],
                            [[str(c) for c in r] for r in report.portal.iter_rows()]))  # fmt: skip
    story.append(Paragraph("Opt-outs", h2))
    outs = [[str(c) for c in r] for r in report.opt_outs.iter_rows()] or [["none", "0"]]
    story.append(_table(["Channel", "Customers"], outs))
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=1.5 * cm, rightMargin=1.5 * cm,
        title=f"Receivables report {report.as_of.isoformat()}", author="creditflow",
    )  # fmt: skip
    document.build(story)
    return buffer.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_pdf(
    engine: Engine,
    as_of: date,
    prices: ChannelPrices | None = None,
    organisation: str = "",
    _: Translate = english,
) -> bytes:
    """Compute the figures at `as_of` (and the trend before it) and write the PDF."""
    report = dashboard.report_at(engine, as_of, prices)
    parts = dashboard_parts(
        report,
        dashboard.trend(engine, as_of, report),
        dashboard.collected_per_month(engine, as_of),
        dashboard.forecast_vs_realised(engine, as_of, report),
        _,
    )
    return pdf_bytes(report, parts, organisation)
