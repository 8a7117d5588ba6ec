"""How a file writes its amounts and dates: decided per column, over the whole column.

The import contract is dot decimals (`1250.00`) and ISO dates (`2026-01-31`). Dutch
exports write `1.250,00` and `31-01-2026`; such a column is read as Dutch when every
value in it is in that form. Nothing is guessed:

- an amount column with decimal commas and no dot decimals is Dutch: `1.250` in it
  is 1250 (thousands), `12,50` is 12.50;
- a column with both dot and comma decimals is read as the contract says, with dots:
  the comma rows are rejected, with a warning naming `--decimal-comma`;
- a column with only whole numbers and values such as `1.250` (1250 with a decimal
  comma, 1.25 with a dot) is refused, naming the options that decide;
- a date column whose dates are all `d-m-yyyy` is read day first (Dutch exports never
  write month first); ISO and `d-m-yyyy` mixed: read as ISO, the others rejected.

`--decimal-comma`/`--decimal-dot` and `--date-format` decide for every column; values
in the other form are then rejected row by row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import polars as pl

from creditflow.ledger.validation import Column, ImportFileError

__all__ = ["DATE_FORMATS", "FileFormat", "normalise_formats"]

DATE_FORMATS = ("yyyy-mm-dd", "dd-mm-yyyy")
DUTCH_AMOUNT = "1.250,00"
DUTCH_DATE = "DD-MM-YYYY"

_DOT = r"^[+-]?\d+(\.\d+)?$"
_COMMA = r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$"
_WHOLE = r"^[+-]?\d+$"
_ISO_DATE = r"^\d{4}-\d{1,2}-\d{1,2}"
_DUTCH_DATE = r"^(\d{1,2}-\d{1,2}-\d{4})([T ].*)?$"


@dataclass(frozen=True)
class FileFormat:
    """How the user says the file is written; None leaves it to the column's values."""

    encoding: str = "utf-8"
    decimal_comma: bool | None = None
    date_format: str | None = None  # one of DATE_FORMATS

    def __post_init__(self) -> None:
        if self.date_format is not None and self.date_format not in DATE_FORMATS:
            raise ValueError(
                f"date format {self.date_format!r} is not one of {', '.join(DATE_FORMATS)}"
            )


@dataclass
class Normalised:
    """A frame with amounts and dates in the contract's form, ready for `check_frame`."""

    frame: pl.DataFrame
    columns: list[Column]
    errors: list[pl.Expr]
    warnings: list[str]


def _distinct(frame: pl.DataFrame, name: str) -> pl.DataFrame:
    """The column's distinct values: the form is judged on these (dates repeat a lot)."""
    return frame.select(pl.col(name).drop_nulls().unique())


def _first(frame: pl.DataFrame, name: str, mask: pl.Expr) -> tuple[int, str]:
    line, value = frame.filter(mask).select("line", name).row(0)
    return line, value


def _example(frame: pl.DataFrame, name: str, mask: pl.Expr) -> str:
    line, value = _first(frame, name, mask)
    return f"'{value}' (line {line})"


def _amount_form(frame: pl.DataFrame, name: str, chosen: bool | None) -> tuple[bool, str | None]:
    """Whether the column has decimal commas, and a warning; raises when it cannot tell."""
    if chosen is not None:
        return chosen, None
    value = pl.col(name)
    dot, comma, whole = (value.str.contains(p).fill_null(False) for p in (_DOT, _COMMA, _WHOLE))
    dot_only, comma_only = dot & ~comma, comma & ~dot
    either = dot & comma & ~whole  # "1.250": 1250 or 1.25
    found = (
        _distinct(frame, name)
        .select(
            dot_only.any().alias("dot"),
            comma_only.any().alias("comma"),
            either.any().alias("either"),
        )
        .row(0)
    )
    has_dot, has_comma, has_either = found
    options = "pass --decimal-comma (1.250,00) or --decimal-dot (1250.00)"
    if has_either and not has_comma and not has_dot:
        line, text = _first(frame, name, either)
        raise ImportFileError(
            f"column {name} has '{text}' (line {line}): with a decimal comma that is "
            f"{text.replace('.', '')}, with a decimal dot {text}; {options}"
        )
    if has_comma and has_dot:
        return False, (
            f"column {name} mixes decimal commas ({_example(frame, name, comma_only)}) and "
            f"dots ({_example(frame, name, dot_only)}): read with dots, the comma rows "
            "rejected; if the file writes 1.250,00, pass --decimal-comma"
        )
    return has_comma, None


def _dutch_amount(frame: pl.DataFrame, col: Column) -> tuple[pl.DataFrame, Column, pl.Expr]:
    value = pl.col(col.name)
    ok = value.str.contains(_COMMA).fill_null(False)
    converted = value.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    error = pl.when(value.str.contains(_DOT) & ~ok).then(
        pl.format("{}: '{}' is not written {} (decimal comma)", pl.lit(col.name), value,
                  pl.lit(DUTCH_AMOUNT))
    )  # fmt: skip
    return _rewritten(frame, col, pl.when(ok).then(converted).otherwise(value), error, DUTCH_AMOUNT)


def _rewritten(
    frame: pl.DataFrame, col: Column, value: pl.Expr, error: pl.Expr, written: str
) -> tuple[pl.DataFrame, Column, pl.Expr]:
    """The column rewritten, its format errors kept beside it (judged on the file's text)."""
    flag = f"__format_{col.name}"
    frame = frame.with_columns(error.alias(flag), value.alias(col.name))
    return frame, replace(col, written=written), pl.col(flag)


def _date_form(frame: pl.DataFrame, name: str, chosen: str | None) -> tuple[bool, str | None]:
    """Whether the column's dates are day first, and a warning for a mixed column."""
    if chosen is not None:
        return chosen == "dd-mm-yyyy", None
    value = pl.col(name)
    iso, dutch = (value.str.contains(p).fill_null(False) for p in (_ISO_DATE, _DUTCH_DATE))
    has_iso, has_dutch = (
        _distinct(frame, name).select(iso.any().alias("iso"), dutch.any().alias("nl")).row(0)
    )
    if has_iso and has_dutch:
        return False, (
            f"column {name} mixes ISO dates ({_example(frame, name, iso)}) and day-first "
            f"dates ({_example(frame, name, dutch)}): read as ISO, the others rejected; "
            "if the file writes 31-01-2026, pass --date-format dd-mm-yyyy"
        )
    return has_dutch, None


def _dutch_date(frame: pl.DataFrame, col: Column) -> tuple[pl.DataFrame, Column, pl.Expr]:
    value = pl.col(col.name)
    day = value.str.extract(_DUTCH_DATE, 1).str.strptime(pl.Date, "%d-%m-%Y", strict=False)
    rest = value.str.extract(_DUTCH_DATE, 2).fill_null("")
    converted = pl.concat_str([day.dt.strftime("%Y-%m-%d"), rest])
    error = pl.when(value.str.contains(_ISO_DATE)).then(
        pl.format("{}: '{}' is not a date ({})", pl.lit(col.name), value, pl.lit(DUTCH_DATE))
    )
    converted = pl.when(day.is_not_null()).then(converted).otherwise(value)
    return _rewritten(frame, col, converted, error, DUTCH_DATE)


def normalise_formats(
    frame: pl.DataFrame, columns: Sequence[Column], file_format: FileFormat
) -> Normalised:
    """Amount and date columns rewritten to dot decimals and ISO dates where written Dutch.

    Raises ImportFileError for a column whose values could be read two ways.
    """
    out = Normalised(frame, list(columns), [], [])
    for index, col in enumerate(columns):
        if col.name not in frame.columns:
            continue
        if col.kind == "amount":
            comma, warning = _amount_form(frame, col.name, file_format.decimal_comma)
            if comma:
                out.frame, out.columns[index], error = _dutch_amount(out.frame, col)
                out.errors.append(error)
        elif col.kind in ("date", "datetime"):
            day_first, warning = _date_form(frame, col.name, file_format.date_format)
            if day_first:
                out.frame, out.columns[index], error = _dutch_date(out.frame, col)
                out.errors.append(error)
        else:
            continue
        if warning:
            out.warnings.append(warning)
    return out
