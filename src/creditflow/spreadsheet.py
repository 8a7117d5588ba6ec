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

import re

__all__ = ["ESCAPED_FORMULA", "FORMULA_START", "safe_cell"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d[\d.,]*$")
ESCAPED_FORMULA = r"^'([=+\-@\t\r])"


def safe_cell(value: object) -> str:
    """The text of a cell for a CSV file, with a formula-like start neutralised."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text
