"""Charts drawn on the server with reportlab's graphics: SVG for pages, the same for PDF.

One small set of chart kinds for the whole product (the workbench's dashboard and
simulator pages, the monthly PDF report). Each function returns a reportlab
`Drawing`; `svg(drawing, title)` turns it into an accessible inline SVG (a `<title>`
and `role="img"`), and a PDF puts the same drawing on its page. No JavaScript, no
CDN: a page with charts keeps the strict Content-Security-Policy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

# Colour-blind safe (Okabe-Ito), each at least 3:1 against white.
PALETTE = (
    colors.HexColor("#0072B2"),
    colors.HexColor("#D55E00"),
    colors.HexColor("#009E73"),
    colors.HexColor("#CC79A7"),
    colors.HexColor("#6B5B00"),
    colors.HexColor("#56606B"),
)
WIDTH, HEIGHT = 560, 240


def _frame(title: str, width: int, height: int) -> Drawing:
    drawing = Drawing(width, height)
    drawing.add(String(8, height - 16, title, fontName="Helvetica-Bold", fontSize=11))
    return drawing


def _value_axis_top(values: Sequence[Sequence[float]]) -> float:
    top = max((max(row) for row in values if row), default=0.0)
    return top * 1.1 if top > 0 else 1.0


def _legend(drawing: Drawing, names: Sequence[str], x: int, y: int) -> None:
    if len(names) < 2:
        return
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontSize = 9
    legend.alignment = "right"  # the name to the right of its swatch
    legend.columnMaximum = 1
    legend.deltax = 90
    legend.colorNamePairs = [(PALETTE[i % len(PALETTE)], n) for i, n in enumerate(names)]
    drawing.add(legend)


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Drawing:
    """Grouped vertical bars: one group per label, one bar per series."""
    drawing = _frame(title, width, height)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 56, 44, width - 72, height - 96
    values = [list(map(float, row)) for row in series.values()] or [[0.0] * len(labels)]
    chart.data = values
    chart.categoryAxis.categoryNames = list(labels)
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.angle = 30 if len(labels) > 8 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(labels) > 8 else "n"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = _value_axis_top(values)
    chart.valueAxis.labels.fontSize = 8
    for index in range(len(values)):
        chart.bars[index].fillColor = PALETTE[index % len(PALETTE)]
        chart.bars[index].strokeColor = None
    drawing.add(chart)
    _legend(drawing, list(series), max(8, width - 100 * len(series)), height - 30)
    return drawing


def line_chart(
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Drawing:
    """Lines over the labels (dates or weeks); a None is a gap."""
    drawing = _frame(title, width, height)
    chart = HorizontalLineChart()
    chart.x, chart.y, chart.width, chart.height = 56, 44, width - 72, height - 96
    values = [[None if v is None else float(v) for v in row] for row in series.values()]
    chart.data = values or [[0.0] * len(labels)]
    chart.categoryAxis.categoryNames = list(labels)
    chart.categoryAxis.labels.fontSize = 8
    chart.categoryAxis.labels.angle = 30 if len(labels) > 8 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(labels) > 8 else "n"
    chart.valueAxis.valueMin = 0
    present = [[v for v in row if v is not None] for row in values]
    chart.valueAxis.valueMax = _value_axis_top(present)
    chart.valueAxis.labels.fontSize = 8
    for index in range(len(chart.data)):
        chart.lines[index].strokeColor = PALETTE[index % len(PALETTE)]
        chart.lines[index].strokeWidth = 2
    drawing.add(chart)
    _legend(drawing, list(series), max(8, width - 100 * len(series)), height - 30)
    return drawing


_XML_DECLARATION = re.compile(r"^<\?xml[^>]*\?>\s*(<!DOCTYPE[^>]*>\s*)?", re.S)
_STYLE = re.compile(r'\sstyle="([^"]*)"')
_EMPTY_META = re.compile(r"\s*<(title|desc)>\.\.\.</\1>")


def _presentation_attributes(match: re.Match[str]) -> str:
    """`style="fill: red; stroke: none"` as `fill="red" stroke="none"`: a page whose
    Content-Security-Policy refuses inline styles still draws the chart."""
    parts = []
    for declaration in match.group(1).split(";"):
        name, _, value = declaration.partition(":")
        if name.strip() and value.strip():
            parts.append(f' {name.strip()}="{escape(value.strip())}"')
    return "".join(parts)


def svg(drawing: Drawing, title: str) -> str:
    """The drawing as inline SVG for a page: scalable, with a title for screen readers."""
    text = _XML_DECLARATION.sub("", renderSVG.drawToString(drawing))
    width, height = int(drawing.width), int(drawing.height)
    text = re.sub(r"<svg\b[^>]*>", "", text, count=1)
    text = _STYLE.sub(_presentation_attributes, _EMPTY_META.sub("", text))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(title)}" class="chart">'
        f"<title>{escape(title)}</title>{text}"
    )
