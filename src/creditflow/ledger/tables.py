"""Reading import files: CSV (`,` or `;`, UTF-8 or a named encoding) or XLSX, as text.

Every cell is text (no type guessing), trimmed, empty cells missing, with the file's
`line` number for each row so that every reject can name it.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

import polars as pl

from creditflow.spreadsheet import ESCAPED_FORMULA

__all__ = ["REJECT_NOTES", "ImportFileError", "read_table", "sniff_separator"]

# The columns a rejects file adds; read back (the file fixed and imported again) they are
# left out, so that a rejects file imports as it is.
REJECT_NOTES = ("line", "error")


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, format, no header)."""


def read_table(path: Path, encoding: str = "utf-8") -> pl.DataFrame:
    """Read a CSV (header row; `,` or `;` as found in the header) or XLSX file as text plus `line`.

    CSV is UTF-8 (a byte order mark is skipped) unless `encoding` names another, such
    as cp1252 for Excel exports on Windows.
    """
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _unescaped(_read_xlsx(path))
    text = _decode(path, encoding)
    if not text.strip():
        raise ImportFileError(f"{path.name}: the file is empty")
    separator = sniff_separator(text.split("\n", 1)[0])
    fast = _read_csv_fast(text, separator)
    if fast is not None:
        return _unescaped(fast)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator)
    try:
        header = [h.strip().lower() for h in next(reader)]
        rows: list[list[str]] = []
        lines: list[int] = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise ImportFileError(f"{path.name}: line {reader.line_num}: {exc}") from exc
    return _unescaped(_frame(header, rows, lines))


def _decode(path: Path, encoding: str) -> str:
    try:
        codec = codecs.lookup(encoding).name
    except LookupError as exc:
        raise ImportFileError(f"unknown encoding {encoding!r} (e.g. utf-8, cp1252)") from exc
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig" if codec == "utf-8" else codec)
    except UnicodeDecodeError as exc:
        hint = (
            "; a file saved by Excel on Windows is often cp1252: pass --encoding cp1252"
            if codec == "utf-8"
            else ""
        )
        raise ImportFileError(
            f"{path.name}: not {'UTF-8' if codec == 'utf-8' else codec} text "
            f"({exc.reason} at byte {exc.start}){hint}"
        ) from exc


def sniff_separator(header: str) -> str:
    """`;` when the header line has more semicolons than commas (Dutch Excel), else `,`."""
    quoted = False
    counts = {",": 0, ";": 0}
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    return ";" if counts[";"] > counts[","] else ","


def _unescaped(frame: pl.DataFrame) -> pl.DataFrame:
    """Cells written as `'=...` by creditflow (see `creditflow.spreadsheet`) read as `=...`."""
    texts = frame.select(pl.col(pl.Utf8).str.starts_with("'").any())
    quoted = [name for name, found in zip(texts.columns, texts.row(0), strict=True) if found]
    if not quoted:
        return frame
    return frame.with_columns(pl.col(quoted).str.replace(ESCAPED_FORMULA, "$1"))


def _read_csv_fast(text: str, separator: str) -> pl.DataFrame | None:
    """Polars' CSV reader when every record is one physical line (so lines are exact).

    Returns None (the caller then reads with the csv module, which counts lines in
    quoted multi-line fields and reports malformed files) when that does not hold.
    """
    first = next(csv.reader(io.StringIO(text.split("\n", 1)[0]), delimiter=separator), [])
    header = [h.strip().lower() for h in first]
    if not header or len(set(header)) != len(header) or "" in header:
        return None
    try:
        frame = pl.read_csv(
            io.BytesIO(text.encode()), infer_schema=False, has_header=True, separator=separator
        )
    except pl.exceptions.PolarsError:
        return None
    physical = text.count("\n") + (0 if text.endswith("\n") else 1)
    if physical != frame.height + 1 or frame.width != len(header):
        return None
    frame.columns = header
    frame = frame.drop(REJECT_NOTES, strict=False)
    header = [name for name in header if name not in REJECT_NOTES]
    frame = frame.with_columns(
        pl.col(c).str.strip_chars().replace("", None) for c in header
    ).with_row_index("line", offset=2)
    frame = frame.with_columns(pl.col("line").cast(pl.Int64))
    return frame.filter(~pl.all_horizontal(pl.col(header).is_null())).select(*header, "line")


def _read_xlsx(path: Path) -> pl.DataFrame:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(
            f"{path.name}: not an Excel workbook ({exc}); save it as .xlsx from Excel, "
            "or export it as CSV"
        ) from exc
    sheet = workbook.worksheets[0]
    values = sheet.iter_rows(values_only=True)
    try:
        header = [str(h or "").strip().lower() for h in next(values)]
    except StopIteration as exc:
        raise ImportFileError(f"{path.name}: the sheet is empty") from exc
    rows, lines = [], []
    for number, row in enumerate(values, start=2):
        cells = [_cell_text(v) for v in row]
        if any(c.strip() for c in cells):
            rows.append(cells)
            lines.append(number)
    workbook.close()
    return _frame(header, rows, lines)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value).removesuffix(".0") if value.is_integer() else repr(value)
    return str(value)


def _frame(header: list[str], rows: list[list[str]], lines: list[int]) -> pl.DataFrame:
    if not header or not any(header):
        raise ImportFileError("the file has no header row")
    seen: set[str] = set()
    for name in header:
        if name in seen and name:
            raise ImportFileError(f"column {name!r} appears twice in the header")
        seen.add(name)
    width = len(header)
    columns: dict[str, list[str | None]] = {name: [] for name in header}
    for row in rows:
        padded = (row + [""] * width)[:width]
        for name, cell in zip(header, padded, strict=True):
            stripped = cell.strip()
            columns[name].append(stripped or None)
    frame = pl.DataFrame(columns, schema={n: pl.Utf8 for n in header})
    frame = frame.drop(REJECT_NOTES, strict=False)
    return frame.with_columns(pl.Series("line", lines, dtype=pl.Int64))
