"""Money: a Decimal amount that always carries its ISO 4217 currency.

Rules (DESIGN invariant 1):
- amounts are Decimal, parsed from text, never from float;
- adding or comparing amounts in different currencies raises CurrencyMismatch;
- rounding is half-up to the currency's minor unit, in `round_amount` only;
- conversion to and from integer minor units (how the database stores money)
  happens in `to_minor` / `from_minor` only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from babel.numbers import format_currency, get_currency_precision, is_currency

__all__ = [
    "MAX_AMOUNT",
    "CurrencyMismatch",
    "InvalidAmount",
    "Money",
    "amount_too_large_expr",
    "check_amount_size",
    "check_currency",
    "from_minor",
    "minor_digits",
    "minor_units_expr",
    "parse_amount",
    "round_amount",
    "to_minor",
]

_AMOUNT_TEXT = re.compile(r"^[+-]?(\d+)(\.\d+)?$")


class CurrencyMismatch(ValueError):
    """Two amounts in different currencies were combined."""


class InvalidAmount(ValueError):
    """A text is not an amount written with digits and a decimal dot."""


@lru_cache(maxsize=256)
def check_currency(code: str) -> str:
    """Return the upper-cased ISO 4217 code, or raise ValueError for an unknown one."""
    upper = (code or "").strip().upper()
    if len(upper) != 3 or not is_currency(upper):
        raise ValueError(f"unknown currency {code!r} (expected an ISO 4217 code such as EUR)")
    return upper


@lru_cache(maxsize=256)
def minor_digits(currency: str) -> int:
    """Number of decimals of the currency's minor unit (EUR 2, JPY 0, BHD 3)."""
    return int(get_currency_precision(check_currency(currency)))


def round_amount(amount: Decimal, currency: str) -> Decimal:
    """Round half-up to the currency's minor unit: the one place money is rounded."""
    exponent = Decimal(1).scaleb(-minor_digits(currency))
    return amount.quantize(exponent, rounding=ROUND_HALF_UP)


def to_minor(amount: Decimal, currency: str) -> int:
    """Convert an amount to integer minor units (cents), rounding half-up first."""
    return int(round_amount(amount, currency).scaleb(minor_digits(currency)))


def from_minor(minor: int, currency: str) -> Decimal:
    """Convert integer minor units back to a Decimal amount with the currency's decimals."""
    digits = minor_digits(currency)
    return (Decimal(int(minor)).scaleb(-digits)).quantize(Decimal(1).scaleb(-digits))


MAX_AMOUNT = Decimal(10) ** 11
"""The largest amount an import or a bank statement takes, in any currency (100000000000).

Far beyond any invoice, and its minor units stay far inside the signed 64-bit integer
the database stores money in (at most 10^15 for a currency with 4 decimals)."""


def check_amount_size(amount: Decimal) -> Decimal:
    """The amount itself, or InvalidAmount when it is beyond MAX_AMOUNT either way."""
    if abs(amount) > MAX_AMOUNT:
        raise InvalidAmount(f"amount {amount} is too large (max {MAX_AMOUNT})")
    return amount


def parse_amount(text: str, *, allow_negative: bool = False) -> Decimal:
    """Parse an amount written as digits with an optional decimal dot ("412.50").

    A decimal comma, thousands separators, exponents and words are refused: in a
    ledger "12,50" is ambiguous and must not be guessed.
    """
    raw = (text or "").strip() if isinstance(text, str) else str(text)
    if not raw:
        raise InvalidAmount("amount is empty")
    if "," in raw:
        raise InvalidAmount(f"amount {raw!r} uses a comma; write decimals with a dot (12.50)")
    if not _AMOUNT_TEXT.match(raw):
        raise InvalidAmount(f"amount {raw!r} is not a number")
    try:
        value = Decimal(raw)
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise InvalidAmount(f"amount {raw!r} is not a number") from exc
    if value < 0 and not allow_negative:
        raise InvalidAmount(f"amount {raw!r} is negative")
    return value


@dataclass(frozen=True, slots=True)
class Money:
    """An amount with its currency. Arithmetic across currencies raises."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal):
            if isinstance(self.amount, float):
                raise TypeError("Money needs a Decimal or int amount, never a float")
            object.__setattr__(self, "amount", Decimal(self.amount))
        object.__setattr__(self, "currency", check_currency(self.currency))

    @classmethod
    def parse(cls, text: str, currency: str) -> Money:
        """Money from a text amount such as "412.50"."""
        return cls(parse_amount(text, allow_negative=True), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero in the given currency."""
        return cls(Decimal(0), currency)

    @classmethod
    def of_minor(cls, minor: int, currency: str) -> Money:
        """Money from integer minor units."""
        return cls(from_minor(minor, currency), currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError(f"cannot combine Money with {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(f"{self.currency} and {other.currency} cannot be combined")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise TypeError("multiply Money by a Decimal, never a float")
        return Money(self.amount * Decimal(factor), self.currency)

    __rmul__ = __mul__

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def __gt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount > other.amount

    def __ge__(self, other: Money) -> bool:
        self._same(other)
        return self.amount >= other.amount

    def __bool__(self) -> bool:
        return self.amount != 0

    def rounded(self) -> Money:
        """This amount rounded half-up to the currency's minor unit."""
        return Money(round_amount(self.amount, self.currency), self.currency)

    @property
    def minor(self) -> int:
        """Integer minor units (cents)."""
        return to_minor(self.amount, self.currency)

    def text(self) -> str:
        """Plain amount text with the currency's decimals, e.g. "412.50" (for JSON, EPC)."""
        return str(round_amount(self.amount, self.currency))

    def format(self, locale: str = "nl_NL") -> str:
        """Localised display, e.g. "€ 412,50" for nl_NL."""
        return str(format_currency(self.rounded().amount, self.currency, locale=locale))

    def __str__(self) -> str:
        return f"{self.currency} {self.text()}"


def minor_units_expr(amount_text: Any, digits: Any) -> Any:
    """Polars expression: validated amount text ("412.5") to integer minor units.

    The set-based twin of `to_minor` for imports of millions of rows; it expects text
    already checked by `AMOUNT_PATTERN` and no more decimals than `digits`.
    """
    import polars as pl

    whole = amount_text.str.extract(r"^[+-]?(\d+)", 1).cast(pl.Int64)
    fraction = amount_text.str.extract(r"\.(\d+)$", 1).fill_null("")
    fraction_value = (
        pl.when(fraction == "").then(0).otherwise(fraction.cast(pl.Int64, strict=False))
    )
    scale = pl.lit(10, dtype=pl.Int64).pow(digits.cast(pl.Int64))
    rest_scale = pl.lit(10, dtype=pl.Int64).pow(
        (digits.cast(pl.Int64) - fraction.str.len_chars().cast(pl.Int64)).clip(lower_bound=0)
    )
    sign = pl.when(amount_text.str.starts_with("-")).then(-1).otherwise(1)
    return sign * (whole * scale + fraction_value * rest_scale)


def amount_too_large_expr(amount_text: Any) -> Any:
    """Polars expression: amount text (checked by `AMOUNT_PATTERN`) beyond MAX_AMOUNT."""
    limit = str(MAX_AMOUNT)
    whole = amount_text.str.extract(r"^[+-]?0*(\d+)", 1)
    size = whole.str.len_chars()
    fraction_above_zero = amount_text.str.contains(r"\.\d*[1-9]")
    return (size > len(limit)) | (
        (size == len(limit)) & ((whole > limit) | ((whole == limit) & fraction_above_zero))
    )


AMOUNT_PATTERN = _AMOUNT_TEXT.pattern
