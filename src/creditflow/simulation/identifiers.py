"""Vectorised generators of valid identifiers: IBANs, phone numbers, postal codes, references.

Each function takes a numpy Generator and a row count (or the numbers to encode) and
returns a Polars String Series, so a million values cost one pass of array arithmetic.
"""

from __future__ import annotations

import numpy as np
import polars as pl

# Dutch banks as they appear in IBANs, with BIC and a rough market share.
NL_BANKS: tuple[tuple[str, str, float], ...] = (
    ("INGB", "INGBNL2A", 0.34),
    ("RABO", "RABONL2U", 0.30),
    ("ABNA", "ABNANL2A", 0.20),
    ("SNSB", "SNSBNL2A", 0.06),
    ("ASNB", "ASNBNL21", 0.03),
    ("TRIO", "TRIONL2U", 0.02),
    ("KNAB", "KNABNL2H", 0.02),
    ("BUNQ", "BUNQNL2A", 0.03),
)
BE_BANK_CODES: tuple[int, ...] = (1, 68, 310, 363, 734, 735, 143)

_NL_LETTERS = "ABCDEGHJKLMNPRSTVWXZ"  # letters used in Dutch postal codes
_POSTAL_FORBIDDEN = {"SA", "SD", "SS"}


def letters_as_number(text: str) -> int:
    """ISO 7064 digits of an alphanumeric text (A=10 ... Z=35) as one integer."""
    return int("".join(str(int(char, 36)) for char in text))


def _iban_check_digits(bban_mod97: np.ndarray, country: str) -> np.ndarray:
    """Check digits from the BBAN's value mod 97 (ISO 13616: append country + "00")."""
    tail = letters_as_number(country + "00")
    width = len(str(tail))
    remainder = (bban_mod97 * pow(10, width, 97) + tail % 97) % 97
    return 98 - remainder


def _digits_text(values: np.ndarray, width: int) -> pl.Series:
    """Integers as zero-padded decimal text."""
    return pl.Series(values, dtype=pl.Int64).cast(pl.String).str.zfill(width)


def eleven_proof_accounts(rng: np.random.Generator, n: int) -> np.ndarray:
    """Ten-digit Dutch account numbers that pass the old "elfproef" (weights 10..1)."""
    digits = rng.integers(0, 10, size=(n, 10), dtype=np.int64)
    weights = np.arange(10, 0, -1, dtype=np.int64)
    partial = (digits[:, :9] * weights[:9]).sum(axis=1)
    last = (-partial) % 11
    # A last digit of 10 is impossible: bump the digit with weight 2 and recompute.
    bad = last == 10
    old = digits[bad, 8]
    digits[bad, 8] = (old + 1) % 10
    partial[bad] += np.where(old == 9, -18, 2)
    digits[:, 9] = (-partial) % 11
    return (digits * (10 ** np.arange(9, -1, -1, dtype=np.int64))).sum(axis=1)


def nl_ibans(rng: np.random.Generator, n: int) -> tuple[pl.Series, pl.Series]:
    """Valid Dutch IBANs (mod-97 check digits, elfproef account) and the matching BICs."""
    shares = np.array([share for _, _, share in NL_BANKS])
    bank_index = rng.choice(len(NL_BANKS), size=n, p=shares / shares.sum())
    bank_mod = np.array([letters_as_number(code) % 97 for code, _, _ in NL_BANKS])[bank_index]
    accounts = eleven_proof_accounts(rng, n)
    bban_mod97 = (bank_mod * pow(10, 10, 97) + accounts % 97) % 97
    check = _iban_check_digits(bban_mod97, "NL")
    codes = pl.Series([code for code, _, _ in NL_BANKS]).gather(bank_index)
    bics = pl.Series([bic for _, bic, _ in NL_BANKS]).gather(bank_index)
    frame = pl.DataFrame(
        {"check": _digits_text(check, 2), "bank": codes, "account": _digits_text(accounts, 10)}
    )
    ibans = frame.select(pl.concat_str([pl.lit("NL"), "check", "bank", "account"])).to_series()
    return ibans.alias("iban"), bics.alias("bic")


def be_ibans(rng: np.random.Generator, n: int) -> pl.Series:
    """Valid Belgian IBANs: bank code, account, national mod-97 check, IBAN check digits."""
    banks = np.array(BE_BANK_CODES, dtype=np.int64)[rng.integers(0, len(BE_BANK_CODES), n)]
    first_ten = banks * 10**7 + rng.integers(0, 10**7, n, dtype=np.int64)
    national = first_ten % 97
    national = np.where(national == 0, 97, national)
    bban = first_ten * 100 + national
    check = _iban_check_digits(bban % 97, "BE")
    frame = pl.DataFrame({"check": _digits_text(check, 2), "bban": _digits_text(bban, 12)})
    return frame.select(pl.concat_str([pl.lit("BE"), "check", "bban"])).to_series().alias("iban")


def _numbers_with_prefix(
    rng: np.random.Generator, prefixes: tuple[str, ...], digits: int, n: int
) -> pl.Series:
    """Phone numbers: a random prefix from the list followed by random digits."""
    prefix = pl.Series(prefixes).gather(rng.integers(0, len(prefixes), n))
    rest = _digits_text(rng.integers(0, 10**digits, n, dtype=np.int64), digits)
    return pl.DataFrame({"p": prefix, "r": rest}).select(pl.concat_str(["p", "r"])).to_series()


def mobile_numbers(rng: np.random.Generator, country: str, n: int) -> pl.Series:
    """Valid E.164 mobile numbers for NL (+316...), BE, DE or US (geographic, NY area)."""
    if country == "NL":
        return _numbers_with_prefix(rng, ("+3161", "+3162", "+3163", "+3164", "+3165"), 7, n)
    if country == "BE":
        return _numbers_with_prefix(rng, ("+32470", "+32475", "+32486", "+32495"), 6, n)
    if country == "DE":
        return _numbers_with_prefix(rng, ("+49151", "+49152", "+49172", "+49176"), 8, n)
    if country == "US":
        exchange = _digits_text(rng.integers(200, 1000, n, dtype=np.int64), 3)
        area = pl.Series(("+1212", "+1646", "+1917", "+1718", "+1347")).gather(
            rng.integers(0, 5, n)
        )
        line = _digits_text(rng.integers(0, 10_000, n, dtype=np.int64), 4)
        frame = pl.DataFrame({"a": area, "e": exchange, "l": line})
        return frame.select(pl.concat_str(["a", "e", "l"])).to_series()
    raise ValueError(f"country {country!r}: no phone number plan (expected NL, BE, DE or US)")


def nl_postal_letters(rng: np.random.Generator, n: int) -> pl.Series:
    """The two letters of Dutch postal codes, avoiding F I O Q U Y and SA/SD/SS."""
    alphabet = pl.Series(list(_NL_LETTERS))
    first = alphabet.gather(rng.integers(0, len(_NL_LETTERS), n))
    second = alphabet.gather(rng.integers(0, len(_NL_LETTERS), n))
    pair = pl.DataFrame({"a": first, "b": second}).select(pl.concat_str(["a", "b"])).to_series()
    return pair.replace({bad: bad[0] + "T" for bad in _POSTAL_FORBIDDEN})


def betalingskenmerken(numbers: np.ndarray) -> pl.Series:
    """16-digit Dutch payment references: check digit + the number as 15 digits.

    Weights 2,4,8,5,10,9,7,3,6,1 from the right, repeating; C = 11 - (sum mod 11),
    with 10 written as 1 and 11 as 0.
    """
    cycle = np.array([2, 4, 8, 5, 10, 9, 7, 3, 6, 1], dtype=np.int64)
    remaining = numbers.astype(np.int64).copy()
    total = np.zeros(len(remaining), dtype=np.int64)
    for position in range(15):
        total += (remaining % 10) * cycle[position % 10]
        remaining //= 10
    check = 11 - total % 11
    check = np.where(check == 10, 1, np.where(check == 11, 0, check))
    frame = pl.DataFrame({"c": _digits_text(check, 1), "n": _digits_text(numbers, 15)})
    return frame.select(pl.concat_str(["c", "n"])).to_series().alias("payment_reference")


def minor_units_text(minor: pl.Expr, digits: int | pl.Expr) -> pl.Expr:
    """Whole minor units (cents) as amount text with `digits` decimals: 41250 -> "412.50"."""
    places = pl.lit(digits, pl.Int64) if isinstance(digits, int) else digits.cast(pl.Int64)
    scale = pl.lit(10, pl.Int64).pow(places)
    whole = (minor // scale).cast(pl.String)
    fraction = (minor % scale).cast(pl.String).str.zfill(places)
    return pl.when(places == 0).then(whole).otherwise(pl.concat_str([whole, pl.lit("."), fraction]))


def text_to_minor_units(text: pl.Expr, digits: pl.Expr) -> pl.Expr:
    """Amount text ("412.5", "412.50") as whole minor units; null where it is not an amount
    with at most `digits` decimals."""
    places = digits.cast(pl.Int64)
    whole = text.str.extract(r"^(\d+)(?:\.\d+)?$", 1).cast(pl.Int64)
    fraction = text.str.extract(r"^\d+\.(\d+)$", 1).fill_null("")
    fits = fraction.str.len_chars() <= places
    minor = whole * pl.lit(10, pl.Int64).pow(places) + pl.when(places == 0).then(0).otherwise(
        fraction.str.pad_end(places, "0").cast(pl.Int64)
    )
    return pl.when(fits).then(minor)


def days_text(days_since_epoch: np.ndarray) -> pl.Series:
    """Day numbers (days since 1970-01-01) as ISO dates YYYY-MM-DD."""
    return pl.Series(days_since_epoch.astype(np.int32)).cast(pl.Date).cast(pl.String)
