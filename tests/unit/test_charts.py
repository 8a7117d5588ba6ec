"""Charts for pages and PDFs: well-formed SVG a strict CSP still draws, and the same in a PDF."""

from __future__ import annotations

from io import BytesIO

from defusedxml import ElementTree
from pypdf import PdfReader
from reportlab.graphics import renderPDF

from creditflow.charts import bar_chart, line_chart, svg

SVG = "{http://www.w3.org/2000/svg}"


def test_a_bar_chart_is_an_accessible_svg_without_inline_styles():
    drawing = bar_chart("Open per age <bucket>", ["current", "1-30", "90+"],
                        {"EUR": [1200.5, 300, 0], "USD": [10, 0, 5]})  # fmt: skip
    text = svg(drawing, "Open per age <bucket>")
    root = ElementTree.fromstring(text)
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Open per age <bucket>"
    assert "style=" not in text  # a page with style-src 'self' draws it as it is
    assert "EUR" in text and "USD" in text and "90+" in text


def test_a_line_chart_leaves_a_gap_for_a_missing_value_and_renders_to_pdf():
    drawing = line_chart("DSO", ["w1", "w2", "w3"], {"DSO": [40, None, 38]})
    ElementTree.fromstring(svg(drawing, "DSO"))
    pdf = BytesIO(renderPDF.drawToString(drawing))
    assert "DSO" in PdfReader(pdf).pages[0].extract_text()
