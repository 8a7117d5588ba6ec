"""Set-based validation of import files: every row gets all its errors, each naming the field.

Files are read as text only (no type guessing), then each column is checked with
Polars expressions; checks that need a library (IBAN, phone, e-mail) run once per
distinct value. The result is the clean rows and the rejected rows with `line` and
`error`.
"""

from __future__ import annotations

import datetime as dt
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

from creditflow.ledger.tables import ImportFileError, read_table, sniff_separator
from creditflow.money import (
    AMOUNT_PATTERN,
    MAX_AMOUNT,
    amount_too_large_expr,
    check_currency,
    minor_digits,
)
from creditflow.spreadsheet import safe_cell

__all__ = [
    "Checked",
    "Column",
    "ImportFileError",
    "check_frame",
    "check_values",
    "read_table",
    "write_rejects",
]

DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
# C0 controls but tab, line feed and carriage return (which a quoted CSV cell may hold), and DEL
CONTROL_CHARACTER = r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]"


@dataclass(frozen=True)
class Column:
    """One column of an import file: whether it is required and how it is checked."""

    name: str
    required: bool = False
    kind: str = "text"  # text date datetime amount currency enum value
    choices: tuple[str, ...] = ()
    max_length: int = 400
    check_value: Callable[[str], str] | None = None  # returns normalised value or raises
    written: str | None = None  # how the file writes a date or amount, when not the contract's


@dataclass
class Checked:
    """Outcome of validating a file: good rows, rejected rows and warnings."""

    good: pl.DataFrame
    rejected: pl.DataFrame
    warnings: list[str] = field(default_factory=list)


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


def _moment_errors(frame: pl.DataFrame, name: str) -> dict[str, str]:
    """Date-times that have the ISO shape but no such moment (2026-13-45, 25:00)."""
    errors: dict[str, str] = {}
    shaped = frame.get_column(name).drop_nulls().unique()
    for value in shaped.filter(shaped.str.contains(DATETIME_PATTERN)).to_list():
        try:
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError as exc:
            errors[value] = f"{name}: '{value}' is not a date or ISO date-time ({exc})"
    return errors


def _amount_checks(col: Column) -> list[pl.Expr]:
    source = pl.col(col.name)
    present = source.is_not_null()
    comma = present & source.str.contains(",", literal=True) & pl.lit(col.written is None)
    bad = present & ~comma & ~source.str.contains(AMOUNT_PATTERN)
    negative = present & ~bad & source.str.starts_with("-")
    shown = f" ({col.written})" if col.written else ""
    return [
        pl.when(comma).then(
            pl.format(
                "{}: '{}' uses a comma; write decimals with a dot (12.50)", pl.lit(col.name), source
            )
        ),
        pl.when(bad).then(
            pl.format("{}: '{}' is not a number{}", pl.lit(col.name), source, pl.lit(shown))
        ),
        pl.when(negative).then(pl.format("{}: '{}' is negative", pl.lit(col.name), source)),
        pl.when(present & ~bad & ~comma & amount_too_large_expr(source)).then(
            pl.format(
                "{}: '{}' is too large (max {})", pl.lit(col.name), source, pl.lit(str(MAX_AMOUNT))
            )
        ),  # fmt: skip
    ]


def _column_checks(frame: pl.DataFrame, col: Column) -> tuple[list[pl.Expr], pl.Expr]:
    source = pl.col(col.name)
    present = source.is_not_null()
    errors: list[pl.Expr] = []
    if frame.select(source.str.join("").str.contains(CONTROL_CHARACTER)).item():
        control = source.str.extract(f"({CONTROL_CHARACTER})", 1)
        errors.append(
            pl.when(control.is_not_null()).then(
                pl.format(
                    "{}: contains the control character 0x{} (a NUL or similar byte); remove it",
                    pl.lit(col.name),
                    control.str.encode("hex"),
                )
            )
        )
    value = source
    if col.required:
        errors.append(pl.when(~present).then(pl.lit(f"{col.name}: required value is empty")))
    if col.kind == "date":
        parsed = source.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        bad = present & (~source.str.contains(DATE_PATTERN) | parsed.is_null())
        errors.append(
            pl.when(bad).then(
                pl.format(
                    "{}: '{}' is not a date ({})",
                    pl.lit(col.name),
                    source,
                    pl.lit(col.written or "YYYY-MM-DD"),
                )
            )
        )
        value = pl.when(bad).then(None).otherwise(parsed)
    elif col.kind == "datetime":
        bad = present & ~source.str.contains(DATETIME_PATTERN)
        written = f" ({col.written})" if col.written else ""
        errors.append(
            pl.when(bad).then(
                pl.format(
                    "{}: '{}' is not a date or ISO date-time{}",
                    pl.lit(col.name),
                    source,
                    pl.lit(written),
                )
            )
        )
        moments = _moment_errors(frame, col.name)
        errors.append(source.replace_strict(moments, default=None, return_dtype=pl.Utf8))
    elif col.kind == "amount":
        errors.extend(_amount_checks(col))
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
    original: pl.DataFrame | None = None,
) -> Checked:
    """Validate every column; reject rows with any error; later duplicates of `key` too.

    `file_columns` are the columns as read from the file (the caller may have added
    helper columns); rejected rows are written with exactly those plus line and error,
    their values taken from `original` (the file as read) when the caller rewrote some.
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
    original = (frame if original is None else original).select(["line", *in_file])
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
    """Write rejected rows beside the input as `<name>.rejects.csv` (line and error added).

    Always UTF-8, separated as the input is (`;` for a Dutch Excel export, else `,`;
    `,` for a workbook), so the file opens in the same spreadsheet and imports back
    as it is; cells that a spreadsheet would run as a formula are escaped
    (`creditflow.spreadsheet.safe_cell`), and the importers read them back.
    """
    target = path.with_name(path.name + ".rejects.csv")
    columns = [c for c in rejected.columns if c not in ("line", "error")]
    rejected.select([*columns, "line", "error"]).with_columns(
        pl.col(pl.Utf8).map_elements(safe_cell, return_dtype=pl.Utf8, skip_nulls=True)
    ).write_csv(target, separator=input_separator(path))
    return target


def input_separator(path: Path) -> str:
    """The separator of an input file's header line (`,` for a workbook or an unreadable file)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return ","
    try:
        with path.open("rb") as handle:
            header = handle.readline(1 << 20)
    except OSError:
        return ","
    return sniff_separator(header.decode("utf-8-sig", errors="replace"))


@lru_cache(maxsize=64)
def currency_digits(currency: str) -> int:
    """Minor-unit digits of a validated currency code."""
    return minor_digits(currency)
