"""Printed letters: what the PDF says, where the address sits, and that the QR pays."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader

from creditflow.messages.letter import epc_payload_for, merge_letters, render_letter_pdf
from creditflow.messages.printing import page_count, print_manifest_csv
from creditflow.messages.render import render_message
from creditflow.messages.sample import sample_context
from creditflow.money import Money
from creditflow.payments.epc import epc_payload

FOURTEEN_DAYS_NL = "binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd"


def letter(template="fourteen_day_letter", language="nl", tone="neutral", **changes):
    ctx = sample_context(template, language, tone)
    if changes:
        ctx = replace(ctx, **changes)
    rendered = render_message(template, "letter", ctx)
    return ctx, render_letter_pdf(ctx, rendered)


def pdf_text(pdf: bytes) -> str:
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def decode_qr_codes(pdf: bytes) -> list[str]:
    document = pdfium.PdfDocument(pdf)
    found = []
    for page in document:
        image = page.render(scale=200 / 72).to_pil()
        found.extend(result.text for result in zxingcpp.read_barcodes(image))
    return found


def test_fourteen_day_letter_says_who_what_how_much_and_the_legal_sentence():
    ctx, pdf = letter()
    text = pdf_text(pdf)
    assert pdf.startswith(b"%PDF")
    assert "J. de Vries" in text
    assert "Dorpsstraat 12" in text and "3512 AB Utrecht" in text
    assert "€ 412,50" in text
    assert "€ 61,88" in text
    assert "RF69 C104 2026" in text
    assert "NL91 ABNA 0417 1643 00" in text
    assert FOURTEEN_DAYS_NL in text
    assert "dagtekening" not in text
    for invoice in ctx.invoices:
        assert invoice.invoice_number in text
    assert "Incassokosten bij niet tijdig betalen" in text
    assert "KvK 12345678" in text


def test_qr_code_in_the_letter_is_the_epc_payload_with_structured_reference():
    ctx, pdf = letter()
    expected = epc_payload(
        name="Voorbeeld Installatietechniek B.V.",
        iban="NL91ABNA0417164300",
        bic="ABNANL2A",
        amount=Money(Decimal("412.50"), "EUR"),
        reference="RF69C1042026",
    )
    assert epc_payload_for(ctx) == expected
    assert decode_qr_codes(pdf) == [expected]


def test_letter_without_reference_pays_with_customer_and_invoice_numbers():
    ctx, pdf = letter("reminder", "en", payment_reference=None)
    [payload] = decode_qr_codes(pdf)
    assert payload.split("\n")[-2:] == ["", "C-1042 INV-2026-1001, INV-2026-1002"]
    assert "INV-2026-1001, INV-2026-1002" in pdf_text(pdf)


def test_recipient_address_sits_in_the_envelope_window():
    _, pdf = letter("reminder")
    page = pdfium.PdfDocument(pdf)[0]
    text_page = page.get_textpage()
    height = page.get_height()
    mm = 72 / 25.4
    # the window of DIN 5008 form B: 20..105 mm from the left, 45..90 mm from the top
    for line in ("J. de Vries", "Dorpsstraat 12", "3512 AB Utrecht"):
        searcher = text_page.search(line)
        index, count = searcher.get_next()
        left, bottom, right, top = text_page.get_charbox(index)
        assert 20 * mm <= left and right <= 105 * mm, line
        assert 45 * mm <= height - top and height - bottom <= 90 * mm, line


def test_dispute_letter_asks_no_payment_and_has_no_qr_code():
    _, pdf = letter("dispute_received")
    assert decode_qr_codes(pdf) == []
    text = pdf_text(pdf)
    assert "GS-2026-0042" in text
    assert "Betaalgegevens" not in text


def test_hostile_customer_name_is_printed_as_text():
    _, pdf = letter("reminder", customer_name="<b>Jansen & Zn</b>")
    assert "<b>Jansen & Zn</b>" in pdf_text(pdf)


def test_address_too_long_for_the_window_is_refused():
    ctx = replace(sample_context("reminder"), address_lines=[f"regel {n}" for n in range(8)])
    rendered = render_message("reminder", "letter", ctx)
    with pytest.raises(ValueError, match="C-1042: address has 9 lines"):
        render_letter_pdf(ctx, rendered)


def test_print_run_merges_letters_and_lists_them():
    letters = [letter("reminder", "nl")[1], letter("fourteen_day_letter", "en")[1]]
    pages = [page_count(pdf) for pdf in letters]
    merged = merge_letters(letters)
    assert page_count(merged) == sum(pages)
    duplex = merge_letters(letters, duplex=True)
    assert page_count(duplex) == sum(p + p % 2 for p in pages)
    manifest = print_manifest_csv(
        [
            {
                "action_id": f"A-{n}",
                "customer_id": "C-1042",
                "name": "J. de Vries",
                "postal_code": "3512 AB",
                "city": "Utrecht",
                "country": "NL",
                "pages": count,
                "template": template,
            }
            for n, (count, template) in enumerate(
                zip(pages, ["reminder", "fourteen_day_letter"], strict=True), start=1
            )
        ]
    )
    assert manifest.splitlines()[1:] == [
        f"A-1,C-1042,J. de Vries,3512 AB,Utrecht,NL,{pages[0]},reminder",
        f"A-2,C-1042,J. de Vries,3512 AB,Utrecht,NL,{pages[1]},fourteen_day_letter",
    ]


def test_merge_refuses_nothing_and_broken_files():
    with pytest.raises(ValueError, match="no letters"):
        merge_letters([])
    with pytest.raises(ValueError, match="letter 2 is not a readable PDF"):
        merge_letters([letter("reminder")[1], b"not a pdf"])
