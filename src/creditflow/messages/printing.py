"""Print runs: many letters merged into one PDF for the print shop, with a manifest."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence

from pypdf import PdfReader, PdfWriter

from creditflow.spreadsheet import safe_cell

__all__ = ["MANIFEST_COLUMNS", "merge_letters", "page_count", "print_manifest_csv"]

MANIFEST_COLUMNS = (
    "action_id",
    "customer_id",
    "name",
    "postal_code",
    "city",
    "country",
    "pages",
    "template",
)


def page_count(pdf: bytes) -> int:
    """Number of pages of a PDF."""
    return len(PdfReader(io.BytesIO(pdf)).pages)


def merge_letters(pdfs: Sequence[bytes], *, duplex: bool = False) -> bytes:
    """One PDF with all letters in order; `duplex` pads each letter to an even page count
    so that every letter starts on the front of a sheet."""
    if not pdfs:
        raise ValueError("no letters to merge")
    writer = PdfWriter()
    for number, pdf in enumerate(pdfs, start=1):
        try:
            reader = PdfReader(io.BytesIO(pdf))
            pages = list(reader.pages)
        except Exception as exc:  # pypdf raises several types for broken files
            raise ValueError(f"letter {number} is not a readable PDF: {exc}") from exc
        for page in pages:
            writer.add_page(page)
        if duplex and len(pages) % 2:
            box = pages[-1].mediabox
            writer.add_blank_page(width=float(box.width), height=float(box.height))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def print_manifest_csv(rows: Sequence[Mapping[str, object]]) -> str:
    """CSV with one row per letter: action_id, customer_id, name, postal_code, city,
    country, pages, template."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS)
    for number, row in enumerate(rows, start=1):
        missing = [column for column in MANIFEST_COLUMNS if column not in row]
        if missing:
            raise ValueError(f"manifest row {number}: missing {', '.join(missing)}")
        pages = row["pages"]
        if not isinstance(pages, int) or isinstance(pages, bool) or pages < 1:
            raise ValueError(
                f"manifest row {number}: pages must be a positive integer, not {pages!r}"
            )
        writer.writerow(
            [safe_cell(row[c]) if c != "pages" else str(pages) for c in MANIFEST_COLUMNS]
        )
    return out.getvalue()
