"""Dutch statutory interest (art. 6:119 and 6:119a BW) from a dated rate table.

The rates are data (`data/statutory_interest.csv`), not a formula; a caller may give
its own table file with the same columns: valid_from (ISO date), consumer and
commercial (yearly percentages with a decimal dot), and optional source (where the
figures were published) and note (e.g. "unverified").
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

from creditflow.money import Money

__all__ = [
    "InterestKind",
    "InterestPeriod",
    "InterestResult",
    "RateRow",
    "RateTable",
    "commercial_default_date",
    "statutory_interest",
]

InterestKind = Literal["consumer", "commercial"]
KINDS: tuple[str, ...] = ("consumer", "commercial")
DAYS_IN_YEAR = Decimal(365)
COMMERCIAL_TERM_WITHOUT_AGREEMENT = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class RateRow:
    """The yearly rates (percent) in force from `valid_from` until the next row."""

    valid_from: date
    consumer: Decimal
    commercial: Decimal
    note: str = ""
    source: str = ""

    def rate(self, kind: str) -> Decimal:
        """The percentage of this row for "consumer" or "commercial"."""
        return self.consumer if kind == "consumer" else self.commercial


def _parse_percent(text: str | None, where: str) -> Decimal:
    raw = (text or "").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{where}: {raw!r} is not a percentage like 6 or 12.25") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{where}: {raw!r} is not a percentage like 6 or 12.25")
    return value


def _parse_rows(text: str, source: str) -> tuple[RateRow, ...]:
    reader = csv.DictReader(io.StringIO(text))
    missing = {"valid_from", *KINDS} - set(reader.fieldnames or [])
    if missing:
        raise ValueError(f"{source}: missing column(s) {', '.join(sorted(missing))}")
    rows: list[RateRow] = []
    for record in reader:
        where = f"{source} line {reader.line_num}"
        raw_date = (record.get("valid_from") or "").strip()
        try:
            valid_from = date.fromisoformat(raw_date)
        except ValueError:
            raise ValueError(f"{where}: valid_from {raw_date!r} is not a date YYYY-MM-DD") from None
        if rows and valid_from <= rows[-1].valid_from:
            raise ValueError(f"{where}: valid_from {valid_from} is not after the previous row")
        rows.append(
            RateRow(
                valid_from=valid_from,
                consumer=_parse_percent(record.get("consumer"), f"{where} consumer"),
                commercial=_parse_percent(record.get("commercial"), f"{where} commercial"),
                note=(record.get("note") or "").strip(),
                source=(record.get("source") or "").strip(),
            )
        )
    if not rows:
        raise ValueError(f"{source}: the rate table has no rows")
    return tuple(rows)


@dataclass(frozen=True, slots=True)
class RateTable:
    """A dated table of statutory interest rates, oldest first."""

    rows: tuple[RateRow, ...]

    @classmethod
    def load(cls, path: Path | None = None) -> RateTable:
        """Read the table from `path`, or the one shipped with creditflow when None."""
        if path is None:
            return _shipped_table()
        return cls(_parse_rows(Path(path).read_text(encoding="utf-8"), str(path)))

    def rate_on(self, day: date, kind: str) -> Decimal:
        """The yearly percentage in force on `day` for the kind of interest."""
        _check_kind(kind)
        found: RateRow | None = None
        for row in self.rows:
            if row.valid_from > day:
                break
            found = row
        if found is None:
            raise ValueError(
                f"no {kind} interest rate for {day}: the table starts on {self.rows[0].valid_from}"
            )
        return found.rate(kind)

    def changes(self, kind: str) -> list[date]:
        """The dates on which the rate for the kind changes (rows with an equal rate merge)."""
        _check_kind(kind)
        dates: list[date] = []
        previous: Decimal | None = None
        for row in self.rows:
            if row.rate(kind) != previous:
                dates.append(row.valid_from)
                previous = row.rate(kind)
        return dates


@dataclass(frozen=True, slots=True)
class InterestPeriod:
    """One stretch with one rate and one base; `start` and `end` are both interest days."""

    start: date
    end: date
    days: int
    rate: Decimal
    base: Money
    amount: Money


@dataclass(frozen=True, slots=True)
class InterestResult:
    """The interest over the whole time, and the periods it is made of."""

    total: Money
    periods: list[InterestPeriod] = field(default_factory=list)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind: expected 'consumer' or 'commercial', got {kind!r}")


def _anniversary(start: date, years: int) -> date:
    """The same calendar day `years` later; 29 February becomes 28 February."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def commercial_default_date(received_on: date, agreed_due: date | None = None) -> date:
    """The default date for commercial interest: the agreed due date, else receipt + 30 days."""
    if agreed_due is not None:
        return agreed_due
    return received_on + COMMERCIAL_TERM_WITHOUT_AGREEMENT


def statutory_interest(
    principal: Money,
    default_date: date,
    until: date,
    kind: InterestKind | str,
    table: RateTable,
) -> InterestResult:
    """Statutory interest on `principal` from the day after `default_date` up to `until`.

    Conventions (as in the common Dutch rekenmodule practice):
    - interest days are default_date + 1 up to and including `until`;
    - day count actual days / 365, also in leap years;
    - a rate change starts a new period on the day the new rate is in force;
    - yearly compounding (art. 6:119 lid 2): after each full year counted from the
      default date (the anniversary of `default_date`) the interest of that year is added
      to the base, which is used from the day after the anniversary;
    - each period's interest is rounded half-up to cents, and the total is their sum.
    """
    _check_kind(kind)
    if principal.amount < 0:
        raise ValueError(f"principal: must not be negative, got {principal}")
    zero = Money.zero(principal.currency)
    if until <= default_date:
        return InterestResult(total=zero, periods=[])
    first_day = default_date + timedelta(days=1)
    table.rate_on(first_day, kind)  # raises when the table does not reach back far enough

    compounding_starts: set[date] = set()
    years = 1
    while (next_base_day := _anniversary(default_date, years) + timedelta(days=1)) <= until:
        compounding_starts.add(next_base_day)
        years += 1
    rate_starts = {day for day in table.changes(kind) if first_day < day <= until}
    starts = sorted({first_day} | compounding_starts | rate_starts)

    periods: list[InterestPeriod] = []
    base = principal
    accrued = zero
    for index, start in enumerate(starts):
        end = starts[index + 1] - timedelta(days=1) if index + 1 < len(starts) else until
        if start in compounding_starts:
            base = base + accrued
            accrued = zero
        rate = table.rate_on(start, kind)
        days = (end - start).days + 1
        amount = Money(base.amount * rate / 100 * days / DAYS_IN_YEAR, base.currency).rounded()
        periods.append(InterestPeriod(start, end, days, rate, base, amount))
        accrued = accrued + amount

    total = zero
    for period in periods:
        total = total + period.amount
    return InterestResult(total=total, periods=periods)


@cache
def _shipped_table() -> RateTable:
    """The table shipped with creditflow, read once per process (it is immutable)."""
    shipped = resources.files("creditflow.compliance") / "data" / "statutory_interest.csv"
    return RateTable(_parse_rows(shipped.read_text(encoding="utf-8"), "statutory_interest.csv"))
