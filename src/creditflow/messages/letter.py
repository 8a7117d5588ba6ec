"""Printed letters: an A4 PDF for a window envelope, with the EPC payment QR code.

Page geometry (millimetres from the top-left corner of the A4 sheet), after
DIN 5008 form B, which fits the Dutch window envelopes with a left window
(EA5/6, C5/6) used for letters under NEN 1026:

- address field: left 20, top 45, 85 wide, 45 high; its first 17.7 mm hold the
  sender's return line, the recipient's lines start at 62.7 and the text inside
  the field is indented 5 mm (x = 25);
- subject and body start at 95, below the address field (which ends at 90);
- information block (date, customer number, reference): left 125, top 50;
- fold marks at 105 and 210, punch mark at 148.5 (left edge);
- body text: left 25, right margin 20; on the first page from 95 down to 25 above
  the bottom edge (the footer with bank and registration details lives below).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from creditflow.messages.context import MessageContext
from creditflow.messages.formatting import format_date, format_money, group_reference
from creditflow.messages.printing import merge_letters, print_manifest_csv
from creditflow.messages.render import RenderedMessage, links_shown, message_labels
from creditflow.money import Money
from creditflow.payments.epc import epc_payload, epc_qr

__all__ = ["epc_payload_for", "merge_letters", "print_manifest_csv", "render_letter_pdf"]

PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT = 25 * mm
RIGHT_MARGIN = 20 * mm
TEXT_WIDTH = PAGE_WIDTH - LEFT - RIGHT_MARGIN
ADDRESS_FIELD = (20 * mm, 45 * mm, 85 * mm, 45 * mm)  # left, top, width, height
ADDRESS_LINES_TOP = 62.7 * mm
INFO_BLOCK = (125 * mm, 50 * mm)
FOLD_MARKS = (105 * mm, 210 * mm)
PUNCH_MARK = 148.5 * mm
FIRST_PAGE_BODY_TOP = 95 * mm
BODY_BOTTOM = 25 * mm
QR_SIZE = 32 * mm
MAX_ADDRESS_LINES = 8

_BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=9.5, leading=12.5, spaceAfter=6)
_SUBJECT = ParagraphStyle("subject", parent=_BODY, fontName="Helvetica-Bold", fontSize=11)
_SMALL = ParagraphStyle("small", parent=_BODY, fontSize=8.5, leading=11, spaceAfter=0)
_CAPTION = ParagraphStyle("caption", parent=_SMALL, fontSize=7, leading=9)
_CELL = ParagraphStyle("cell", parent=_BODY, fontSize=9, leading=11, spaceAfter=0)
_CELL_RIGHT = ParagraphStyle("cell_right", parent=_CELL, alignment=TA_RIGHT)


def _top(y_from_top: float) -> float:
    """Reportlab measures from the bottom; the geometry above is from the top."""
    return PAGE_HEIGHT - y_from_top


def _markup(text: str) -> str:
    return escape(text).replace("\n", "<br/>")


class _QrFlowable(Flowable):
    """An EPC QR code drawn as vector squares, sharp at any print resolution."""

    def __init__(self, payload: str, size: float) -> None:
        super().__init__()
        self.matrix = [list(row) for row in epc_qr(payload).matrix_iter(scale=1, border=4)]
        self.width = self.height = size

    def draw(self) -> None:
        """Draw the dark modules, one rectangle per horizontal run."""
        count = len(self.matrix)
        module = self.width / count
        canvas = self.canv
        canvas.setFillColor(colors.black)
        for r, row in enumerate(self.matrix):
            y = self.height - (r + 1) * module
            c = 0
            while c < count:
                if row[c]:
                    start = c
                    while c < count and row[c]:
                        c += 1
                    canvas.rect(start * module, y, (c - start) * module, module, stroke=0, fill=1)
                else:
                    c += 1


def epc_payload_for(ctx: MessageContext) -> str:
    """The EPC QR payload a letter prints: amount due, structured reference if any."""
    creditor = ctx.creditor
    if ctx.payment_reference:
        return epc_payload(
            name=creditor.name,
            iban=creditor.iban,
            bic=creditor.bic,
            amount=ctx.amount_due.rounded(),
            reference=ctx.payment_reference,
        )
    numbers = ", ".join(i.invoice_number for i in ctx.invoices)
    text = f"{ctx.customer_id} {numbers}".strip()
    return epc_payload(
        name=creditor.name,
        iban=creditor.iban,
        bic=creditor.bic,
        amount=ctx.amount_due.rounded(),
        text=text if len(text) <= 140 else ctx.customer_id,
    )


def _letterhead(canvas: Canvas, ctx: MessageContext, labels: Mapping[str, str]) -> None:
    creditor = ctx.creditor
    canvas.setFont("Helvetica-Bold", 15)
    canvas.drawString(LEFT, _top(22 * mm), creditor.name)
    lines = [*creditor.address_lines, f"{creditor.postal_code} {creditor.city}".strip()]
    if creditor.phone:
        lines.append(f"{labels['phone']} {creditor.phone}")
    if creditor.email:
        lines.append(creditor.email)
    if creditor.website:
        lines.append(creditor.website)
    canvas.setFont("Helvetica", 8)
    for i, line in enumerate(line for line in lines if line):
        canvas.drawString(INFO_BLOCK[0], _top(16 * mm + i * 3.6 * mm), line)


def _footer(canvas: Canvas, ctx: MessageContext, labels: Mapping[str, str]) -> None:
    creditor = ctx.creditor
    parts = [f"{labels['iban']} {group_reference(creditor.iban)}"]
    if creditor.bic:
        parts.append(f"{labels['bic']} {creditor.bic}")
    if creditor.chamber_of_commerce:
        parts.append(f"{labels['coc']} {creditor.chamber_of_commerce}")
    if creditor.vat_number:
        parts.append(f"{labels['vat']} {creditor.vat_number}")
    canvas.setStrokeColor(colors.grey)
    canvas.setLineWidth(0.3)
    canvas.line(LEFT, 18 * mm, PAGE_WIDTH - RIGHT_MARGIN, 18 * mm)
    canvas.setFont("Helvetica", 7.5)
    canvas.setFillColor(colors.black)
    canvas.drawString(LEFT, 14 * mm, f"{creditor.name} · " + " · ".join(parts))


def _marks(canvas: Canvas) -> None:
    canvas.setStrokeColor(colors.grey)
    canvas.setLineWidth(0.3)
    for y in FOLD_MARKS:
        canvas.line(3 * mm, _top(y), 8 * mm, _top(y))
    canvas.line(3 * mm, _top(PUNCH_MARK), 10 * mm, _top(PUNCH_MARK))


def _address_field(canvas: Canvas, ctx: MessageContext) -> None:
    creditor = ctx.creditor
    left = ADDRESS_FIELD[0] + 5 * mm
    return_line = " · ".join(
        p
        for p in (creditor.name, *creditor.address_lines, f"{creditor.postal_code} {creditor.city}")
        if p.strip()
    )
    canvas.setFont("Helvetica", 6.5)
    canvas.drawString(left, _top(ADDRESS_LINES_TOP - 3 * mm), return_line[:95])
    canvas.setFont("Helvetica", 10)
    for i, line in enumerate([ctx.customer_name, *ctx.address_lines]):
        canvas.drawString(left, _top(ADDRESS_LINES_TOP + 4 * mm + i * 4.4 * mm), line)


def _info_block(
    canvas: Canvas, ctx: MessageContext, labels: Mapping[str, str], language: str
) -> None:
    rows = [
        (labels["date"], format_date(ctx.today, language)),
        (labels["customer_number"], ctx.customer_id),
    ]
    if ctx.payment_reference:
        rows.append((labels["reference"], group_reference(ctx.payment_reference)))
    x, top = INFO_BLOCK
    for i, (label, value) in enumerate(rows):
        y = _top(top + 10 * mm + i * 4.6 * mm)
        canvas.setFont("Helvetica", 8)
        canvas.drawString(x, y, label)
        canvas.setFont("Helvetica", 9)
        canvas.drawString(x + 28 * mm, y, value)


def _invoice_table(
    ctx: MessageContext, rendered: RenderedMessage, labels: Mapping[str, str], language: str
) -> Table:
    def money(value: Money, bold: bool = False) -> Paragraph:
        text = _markup(format_money(value, language))
        return Paragraph(f"<b>{text}</b>" if bold else text, _CELL_RIGHT)

    rows: list[list] = [
        [labels["invoice"], labels["issue_date"], labels["due_date"], labels["open_amount"]]
    ]
    for invoice in ctx.invoices:
        rows.append(
            [
                Paragraph(_markup(invoice.invoice_number), _CELL),
                format_date(invoice.issue_date, language),
                format_date(invoice.due_date, language),
                money(invoice.open_amount),
            ]
        )
    rows.append([labels["total_open"], "", "", money(ctx.open_total)])
    announced = rendered.template in ("fourteen_day_letter", "final_notice_business")
    if ctx.costs is not None and not announced:
        rows.append([labels["costs"], "", "", money(ctx.costs)])
    if ctx.interest is not None:
        rows.append([labels["interest"], "", "", money(ctx.interest)])
    bold_rows = []
    if rendered.asks_payment:
        rows.append([labels["to_pay"], "", "", money(ctx.amount_due, bold=True)])
        bold_rows.append(len(rows) - 1)
    if ctx.costs is not None and announced:
        rows.append([labels["costs_announced"], "", "", money(ctx.costs)])
    widths = [TEXT_WIDTH * f for f in (0.34, 0.22, 0.22, 0.22)]
    table = Table(rows, colWidths=widths, hAlign="LEFT", repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 9),
        ("ALIGN", (3, 0), (3, 0), "RIGHT"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
        ("LINEABOVE", (0, len(ctx.invoices) + 1), (-1, len(ctx.invoices) + 1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    for row in bold_rows:
        style.append(("FONT", (0, row), (2, row), "Helvetica-Bold", 9))
        style.append(("LINEABOVE", (0, row), (-1, row), 0.6, colors.black))
    table.setStyle(TableStyle(style))
    return table


def _payment_block(ctx: MessageContext, labels: Mapping[str, str], language: str) -> Flowable:
    creditor = ctx.creditor
    lines = [
        f"<b>{_markup(labels['payment_heading'])}</b>",
        f"{_markup(labels['amount'])}: <b>{_markup(format_money(ctx.amount_due, language))}</b>",
        f"{_markup(labels['iban'])}: {_markup(group_reference(creditor.iban))}",
    ]
    if creditor.bic:
        lines.append(f"{_markup(labels['bic'])}: {_markup(creditor.bic)}")
    lines.append(f"{_markup(labels['beneficiary'])}: {_markup(creditor.name)}")
    if ctx.payment_reference:
        reference = group_reference(ctx.payment_reference)
        lines.append(f"{_markup(labels['reference'])}: <b>{_markup(reference)}</b>")
    else:
        numbers = ", ".join(i.invoice_number for i in ctx.invoices)
        lines.append(f"{_markup(labels['description'])}: {_markup(numbers)}")
    lines.append(f"{_markup(labels['pay_online'])}: {_markup(links_shown(ctx, 'letter')[0])}")
    details = Paragraph("<br/>".join(lines), _BODY)
    cells: list = [details]
    widths = [TEXT_WIDTH]
    if ctx.amount_due.currency == "EUR":
        qr = [
            _QrFlowable(epc_payload_for(ctx), QR_SIZE),
            Paragraph(_markup(labels["qr_caption"]), _CAPTION),
        ]
        cells.append(qr)
        widths = [TEXT_WIDTH - QR_SIZE - 8 * mm, QR_SIZE + 8 * mm]
    table = Table([cells], colWidths=widths, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
                ("TOPPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return KeepTogether([Spacer(1, 3 * mm), table])


def render_letter_pdf(ctx: MessageContext, rendered: RenderedMessage) -> bytes:
    """The letter as an A4 PDF: letterhead, window address, body, invoices, payment and QR."""
    if len(ctx.address_lines) + 1 > MAX_ADDRESS_LINES:
        raise ValueError(
            f"customer {ctx.customer_id}: address has {len(ctx.address_lines) + 1} lines; "
            f"the envelope window holds {MAX_ADDRESS_LINES}"
        )
    language = rendered.language or ctx.language
    labels = message_labels(language)
    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        title=rendered.subject or "",
        author=ctx.creditor.name,
        leftMargin=LEFT,
        rightMargin=RIGHT_MARGIN,
    )

    def first_page(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        _letterhead(canvas, ctx, labels)
        _marks(canvas)
        _address_field(canvas, ctx)
        _info_block(canvas, ctx, labels, language)
        _footer(canvas, ctx, labels)

    def later_page(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        canvas.setFont("Helvetica", 8)
        header = (
            f"{ctx.creditor.name} · {ctx.customer_name} · {labels['page']} {canvas.getPageNumber()}"
        )
        canvas.drawString(LEFT, _top(15 * mm), header)
        _footer(canvas, ctx, labels)

    first_height = PAGE_HEIGHT - FIRST_PAGE_BODY_TOP - BODY_BOTTOM
    later_height = PAGE_HEIGHT - 25 * mm - BODY_BOTTOM
    doc.addPageTemplates(
        [
            PageTemplate(
                id="first",
                frames=[Frame(LEFT, BODY_BOTTOM, TEXT_WIDTH, first_height, id="first")],
                onPage=first_page,
                autoNextPageTemplate="later",
            ),
            PageTemplate(
                id="later",
                frames=[Frame(LEFT, BODY_BOTTOM, TEXT_WIDTH, later_height, id="later")],
                onPage=later_page,
            ),
        ]
    )
    doc.build(_story(ctx, rendered, labels, language))
    return buffer.getvalue()


def _story(
    ctx: MessageContext, rendered: RenderedMessage, labels: Mapping[str, str], language: str
) -> list[Flowable]:
    blocks = [b.strip() for b in rendered.text.split("\n\n") if b.strip()]
    # the invoice table goes just before the paragraph with the pay link, else
    # before the closing and signature
    closing_from = max(1, len(blocks) - 2)  # closing and signature stay on one page
    shown = links_shown(ctx, rendered.channel or "letter")[0]
    at = next((i for i, b in enumerate(blocks) if shown in b), closing_from)
    at = min(at, closing_from)
    story: list[Flowable] = []
    if rendered.subject:
        story.append(Paragraph(_markup(rendered.subject), _SUBJECT))
        story.append(Spacer(1, 2 * mm))
    for i, block in enumerate(blocks[:closing_from]):
        if i == at and ctx.invoices:
            story.extend([_invoice_table(ctx, rendered, labels, language), Spacer(1, 4 * mm)])
        story.append(Paragraph(_markup(block), _BODY))
    if at == closing_from and ctx.invoices:
        story.extend([_invoice_table(ctx, rendered, labels, language), Spacer(1, 4 * mm)])
    story.append(KeepTogether([Paragraph(_markup(b), _BODY) for b in blocks[closing_from:]]))
    if rendered.asks_payment and ctx.amount_due.amount > 0:
        story.append(_payment_block(ctx, labels, language))
    return story
