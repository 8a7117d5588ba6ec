"""Set-based validation of import files: every row gets all its errors, each naming the field.

Files are read as text only (no type guessing), then each column is checked with
Polars expressions; checks that need a library (IBAN, phone, e-mail) run once per
distinct value. The result is the clean rows and the rejected rows with `line` and
`error`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import multiprocessing
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import polars as pl

from creditflow.money import AMOUNT_PATTERN, check_currency, minor_digits

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"


class ImportFileError(ValueError):
    """The file as a whole cannot be read (encoding, format, no header)."""


@dataclass(frozen=True)
class Column:
    """One column of an import file: whether it is required and how it is checked."""

    name: str
    required: bool = False
    kind: str = "text"  # text date datetime amount currency enum value
    choices: tuple[str, ...] = ()
    max_length: int = 400
    check_value: Callable[[str], str] | None = None  # returns normalised value or raises


@dataclass
class Checked:
    """Outcome of validating a file: good rows, rejected rows and warnings."""

    good: pl.DataFrame
    rejected: pl.DataFrame
    warnings: list[str] = field(default_factory=list)


def read_table(path: Path) -> pl.DataFrame:
    """Read a CSV (UTF-8, header row) or XLSX file as text columns plus `line`."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from exc
    if not text.strip():
        raise ImportFileError(f"{path.name}: the file is empty")
    fast = _read_csv_fast(text)
    if fast is not None:
        return fast
    reader = csv.reader(io.StringIO(text, newline=""))
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
    return _frame(header, rows, lines)


def _read_csv_fast(text: str) -> pl.DataFrame | None:
    """Polars' CSV reader when every record is one physical line (so lines are exact).

    Returns None (the caller then reads with the csv module, which counts lines in
    quoted multi-line fields and reports malformed files) when that does not hold.
    """
    first = next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
    header = [h.strip().lower() for h in first]
    if not header or len(set(header)) != len(header) or "" in header:
        return None
    try:
        frame = pl.read_csv(io.BytesIO(text.encode()), infer_schema=False, has_header=True)
    except pl.exceptions.PolarsError:
        return None
    physical = text.count("\n") + (0 if text.endswith("\n") else 1)
    if physical != frame.height + 1 or frame.width != len(header):
        return None
    frame.columns = header
    frame = frame.with_columns(
        pl.col(c).str.strip_chars().replace("", None) for c in header
    ).with_row_index("line", offset=2)
    frame = frame.with_columns(pl.col("line").cast(pl.Int64))
    return frame.filter(~pl.all_horizontal(pl.col(header).is_null())).select(*header, "line")


def _read_xlsx(path: Path) -> pl.DataFrame:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
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
    return frame.with_columns(pl.Series("line", lines, dtype=pl.Int64))


PARALLEL_THRESHOLD = 50_000


def _checked(check: Callable[..., Any], value: Any) -> tuple[Any, str | None]:
    try:
        return (check(*value) if isinstance(value, tuple) else check(value)), None
    except ValueError as exc:
        return None, str(exc)


def check_values(check: Callable[..., Any], values: list[Any]) -> list[tuple[Any, str | None]]:
    """Run a per-value library check (IBAN, phone, e-mail) over distinct values.

    Each result is (normalised value, None) or (None, reason). Large sets are spread
    over all cores in fresh worker processes (forkserver: no database handles are
    inherited).
    """
    cores = os.cpu_count() or 1
    if len(values) < PARALLEL_THRESHOLD or cores < 2:
        return [_checked(check, v) for v in values]
    context = multiprocessing.get_context("forkserver")
    try:
        with ProcessPoolExecutor(max_workers=cores, mp_context=context) as pool:
            return list(pool.map(partial(_checked, check), values, chunksize=2_000))
    except BrokenProcessPool:
        # e.g. a calling script without an `if __name__ == "__main__"` guard
        return [_checked(check, v) for v in values]


def _value_check(frame: pl.DataFrame, col: Column) -> tuple[pl.Expr, pl.Expr]:
    assert col.check_value is not None
    distinct = frame.get_column(col.name).drop_nulls().unique().to_list()
    normal: dict[str, str] = {}
    errors: dict[str, str] = {}
    for value, (result, problem) in zip(
        distinct, check_values(col.check_value, distinct), strict=True
    ):
        if problem is None:
            normal[value] = result
        else:
            errors[value] = f"{col.name}: {problem}"
    source = pl.col(col.name)
    err = source.replace_strict(errors, default=None, return_dtype=pl.Utf8)
    value = source.replace_strict(normal, default=None, return_dtype=pl.Utf8)
    return err, value


def _column_checks(frame: pl.DataFrame, col: Column) -> tuple[list[pl.Expr], pl.Expr]:
    source = pl.col(col.name)
    present = source.is_not_null()
    errors: list[pl.Expr] = []
    value = source
    if col.required:
        errors.append(pl.when(~present).then(pl.lit(f"{col.name}: required value is empty")))
    if col.kind == "date":
        parsed = source.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        bad = present & (~source.str.contains(DATE_PATTERN) | parsed.is_null())
        errors.append(
            pl.when(bad).then(
                pl.format("{}: '{}' is not a date (YYYY-MM-DD)", pl.lit(col.name), source)
            )
        )
        value = pl.when(bad).then(None).otherwise(parsed)
    elif col.kind == "datetime":
        bad = present & ~source.str.contains(DATETIME_PATTERN)
        errors.append(
            pl.when(bad).then(
                pl.format("{}: '{}' is not a date or ISO date-time", pl.lit(col.name), source)
            )
        )
    elif col.kind == "amount":
        comma = present & source.str.contains(",", literal=True)
        bad = present & ~comma & ~source.str.contains(AMOUNT_PATTERN)
        negative = present & ~bad & source.str.starts_with("-")
        errors.append(
            pl.when(comma).then(
                pl.format(
                    "{}: '{}' uses a comma; write decimals with a dot (12.50)",
                    pl.lit(col.name),
                    source,
                )
            )
        )
        errors.append(
            pl.when(bad).then(pl.format("{}: '{}' is not a number", pl.lit(col.name), source))
        )
        errors.append(
            pl.when(negative).then(pl.format("{}: '{}' is negative", pl.lit(col.name), source))
        )
    elif col.kind == "enum":
        bad = present & ~source.str.to_lowercase().is_in(list(col.choices))
        errors.append(
            pl.when(bad).then(
                pl.format(
                    "{}: '{}' is not one of {}",
                    pl.lit(col.name),
                    source,
                    pl.lit("|".join(col.choices)),
                )
            )
        )
        value = source.str.to_lowercase()
    elif col.kind == "currency" or col.check_value is not None:
        if col.kind == "currency":
            col = Column(col.name, col.required, "value", check_value=check_currency)
        err, value = _value_check(frame, col)
        errors.append(err)
    if col.kind in ("text", "value"):
        too_long = present & (source.str.len_chars() > col.max_length)
        errors.append(
            pl.when(too_long).then(pl.lit(f"{col.name}: longer than {col.max_length} characters"))
        )
    return errors, value.alias(col.name)


def check_frame(
    frame: pl.DataFrame,
    columns: Sequence[Column],
    *,
    key: str,
    extra_errors: Iterable[pl.Expr] = (),
    file_columns: Sequence[str] | None = None,
) -> Checked:
    """Validate every column; reject rows with any error; later duplicates of `key` too.

    `file_columns` are the columns as read from the file (the caller may have added
    helper columns); rejected rows are written with exactly those plus line and error.
    """
    warnings: list[str] = []
    known = {c.name for c in columns}
    in_file = [c for c in (file_columns or frame.columns) if c != "line"]
    unknown = [c for c in in_file if c not in known]
    if unknown:
        warnings.append(f"ignored unknown column(s): {', '.join(unknown)}")
    missing = [c.name for c in columns if c.required and c.name not in in_file]
    for col in columns:
        if col.name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(col.name))
    original = frame.select(["line", *in_file])
    if missing:
        reason = "; ".join(f"required column {m!r} is missing from the header" for m in missing)
        rejected = original.with_columns(pl.lit(reason).alias("error"))
        return Checked(frame.clear(), rejected, warnings)
    error_exprs: list[pl.Expr] = []
    value_exprs: list[pl.Expr] = []
    for col in columns:
        errs, value = _column_checks(frame, col)
        error_exprs.extend(errs)
        value_exprs.append(value)
    first_line = pl.col("line").min().over(key)
    duplicate = pl.col(key).is_not_null() & (pl.col("line") != first_line)
    error_exprs.append(
        pl.when(duplicate).then(
            pl.format("{}: duplicate '{}' (first on line {})", pl.lit(key), pl.col(key), first_line)
        )
    )
    error_exprs.extend(extra_errors)
    error = pl.concat_str(error_exprs, separator="; ", ignore_nulls=True)
    checked = frame.with_columns(error.alias("__error"), *value_exprs)
    bad = pl.col("__error").is_not_null() & (pl.col("__error") != "")
    rejected_lines = checked.filter(bad).select("line", pl.col("__error").alias("error"))
    rejected = original.join(rejected_lines, on="line", how="inner").sort("line")
    good = checked.filter(~bad).drop("__error")
    return Checked(good, rejected, warnings)


def write_rejects(path: Path, rejected: pl.DataFrame) -> Path:
    """Write rejected rows beside the input as `<name>.rejects.csv` (line and error added)."""
    target = path.with_name(path.name + ".rejects.csv")
    columns = [c for c in rejected.columns if c not in ("line", "error")]
    rejected.select([*columns, "line", "error"]).write_csv(target)
    return target


@lru_cache(maxsize=64)
def currency_digits(currency: str) -> int:
    """Minor-unit digits of a validated currency code."""
    return minor_digits(currency)
