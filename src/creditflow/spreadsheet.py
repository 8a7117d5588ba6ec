"""Cells of the CSV files creditflow writes, kept from running as spreadsheet formulas.

A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return as a formula (CSV injection, OWASP). Such a cell is written with a leading
apostrophe. A plain number (`-12.50`, `+31612345678`, `-1.250,00`) cannot run
anything and is written as it is, so amounts and phone numbers stay readable and a
file of rejected rows can be imported again. The importers read an apostrophe before
one of those characters back as nothing (`ESCAPED_FORMULA`), so every escaped cell
round-trips.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence

__all__ = ["ESCAPED_FORMULA", "FORMULA_START", "csv_bytes", "safe_cell", "xlsx_bytes"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d[\d.,]*$")
ESCAPED_FORMULA = r"^'([=+\-@\t\r])"


def safe_cell(value: object) -> str:
    """The text of a cell for a CSV file, with a formula-like start neutralised."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """A table as a UTF-8 CSV file (no byte order mark), every cell made safe."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([[safe_cell(cell) for cell in row] for row in rows])
    return out.getvalue().encode("utf-8")


def xlsx_bytes(sheet: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    """A table as a one-sheet workbook: integers as numbers, everything else as safe text."""
    from openpyxl import Workbook

    book = Workbook()
    page = book.active
    assert page is not None
    page.title = sheet[:31]
    page.append(list(header))
    for row in rows:
        page.append(
            [cell if isinstance(cell, int) and not isinstance(cell, bool) else safe_cell(cell)
             for cell in row]
        )  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
