"""Structured payment references: ISO 11649 RF creditor references and Dutch betalingskenmerken.

Pure functions: generate the reference printed on an invoice, check one a user typed,
and find the ones a debtor wrote in the free remittance text of a bank transfer.

The betalingskenmerk (Currence / Betaalvereniging specification) has 7, 9-14 or 16 digits:
7 digits carry no check; 16 digits are a check digit C followed by 15 digits; 9-14 digits
are C, a length code L (the number of digits that follow, mod 10) and 7-12 digits. C is the
weighted modulus 11 over everything after it (L included).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

__all__ = [
    "KENMERK_PATTERN",
    "RF_PATTERN",
    "betalingskenmerk",
    "check_reference",
    "find_references",
    "is_valid_betalingskenmerk",
    "is_valid_rf",
    "normalise_reference",
    "reference_for_invoice",
    "rf_reference",
]

# Patterns shared with the matching core (also valid for the Rust regex engine Polars uses).
# Both are applied to upper-cased text; a candidate is confirmed by its check digits.
RF_PATTERN = r"RF[0-9]{2}(?: ?[0-9A-Z]){1,21}"
KENMERK_PATTERN = r"\b[0-9]{4} ?[0-9]{4} ?[0-9]{4} ?[0-9]{4}\b"

_SEED = re.compile(r"^[A-Z0-9]{1,21}$")
_DIGITS = re.compile(r"^[0-9]+$")
_RF = re.compile(RF_PATTERN)
_KENMERK = re.compile(KENMERK_PATTERN)
_WEIGHTS = (2, 4, 8, 5, 10, 9, 7, 3, 6, 1)
_KENMERK_BODY_DIGITS = 15
_LENGTH_CODED = range(9, 15)


def normalise_reference(text: str) -> str:
    """The reference without spaces, upper-cased (how references are compared)."""
    return "".join((text or "").split()).upper()


def rf_reference(seed: str) -> str:
    """ISO 11649 creditor reference: "RF" + 2 check digits + the seed (A-Z0-9, 1..21 chars)."""
    if not isinstance(seed, str) or not _SEED.match(seed):
        raise ValueError(
            f"RF seed {seed!r} must be 1 to 21 characters A-Z or 0-9 (upper case, no spaces)"
        )
    check = mod_97_10.calc_check_digits(seed + "RF")
    return f"RF{check}{seed}"


def is_valid_rf(text: str) -> bool:
    """True when the text (spaces allowed) is an ISO 11649 reference with matching check digits."""
    return _rf_problem(normalise_reference(text)) is None


def _rf_problem(compact: str) -> str | None:
    if not compact.startswith("RF"):
        return "an RF reference starts with RF"
    if not 5 <= len(compact) <= 25:
        return f"an RF reference has 5 to 25 characters, not {len(compact)}"
    if not compact[2:4].isdigit():
        return "RF must be followed by two check digits"
    if not compact.isascii() or not compact.isalnum():
        return "an RF reference has only letters A-Z and digits"
    if not iso11649.is_valid(compact):
        return "RF check digits do not match"
    return None


def _kenmerk_check_digit(body: str) -> int:
    """Weighted modulus 11 check digit over the digits after the check position."""
    total = sum(
        int(digit) * _WEIGHTS[position % len(_WEIGHTS)]
        for position, digit in enumerate(reversed(body))
    )
    check = 11 - total % 11
    return {10: 1, 11: 0}.get(check, check)


def betalingskenmerk(number: int | str) -> str:
    """The 16-digit betalingskenmerk for a number of at most 15 digits: check digit + 15 digits."""
    if isinstance(number, bool):
        raise ValueError("betalingskenmerk number must be an integer, not a boolean")
    text = str(number).strip() if isinstance(number, str) else str(int(number))
    if not _DIGITS.match(text):
        raise ValueError(f"betalingskenmerk number {number!r} must be a non-negative integer")
    if len(text.lstrip("0")) > _KENMERK_BODY_DIGITS:
        raise ValueError(f"betalingskenmerk number {number!r} has more than 15 digits")
    body = text.zfill(_KENMERK_BODY_DIGITS)[-_KENMERK_BODY_DIGITS:]
    return f"{_kenmerk_check_digit(body)}{body}"


def _kenmerk_problem(compact: str) -> str | None:
    if not _DIGITS.match(compact):
        return "a betalingskenmerk has only digits"
    length = len(compact)
    if length == 7:
        return None
    if length == 16:
        body = compact[1:]
    elif length in _LENGTH_CODED:
        body = compact[1:]
        if int(compact[1]) != (length - 2) % 10:
            return (
                f"betalingskenmerk length code {compact[1]} does not match "
                f"{length - 2} digits after it"
            )
    else:
        return f"a betalingskenmerk has 7, 9 to 14 or 16 digits, not {length}"
    if int(compact[0]) != _kenmerk_check_digit(body):
        return "betalingskenmerk check digit does not match"
    return None


def is_valid_betalingskenmerk(text: str) -> bool:
    """True for a valid betalingskenmerk of 7, 9-14 or 16 digits (spaces allowed)."""
    return _kenmerk_problem(normalise_reference(text)) is None


def reference_for_invoice(invoice_number: str, sequence: int, scheme: str = "rf") -> str:
    """The structured reference generated for an invoice that has none.

    "rf": RF from the invoice number's letters and digits upper-cased when there are
    1..21 of them, otherwise from the sequence; "betalingskenmerk": from the sequence.
    """
    if isinstance(sequence, bool) or not isinstance(sequence, int) or sequence < 0:
        raise ValueError(f"sequence {sequence!r} must be a non-negative integer")
    if scheme == "rf":
        seed = "".join(ch for ch in (invoice_number or "").upper() if ch.isascii() and ch.isalnum())
        if not 1 <= len(seed) <= 21:
            seed = str(sequence)
        return rf_reference(seed)
    if scheme == "betalingskenmerk":
        return betalingskenmerk(sequence)
    raise ValueError(f"reference scheme {scheme!r} is unknown (use 'rf' or 'betalingskenmerk')")


def reference_for_message(action_id: str, scheme: str = "rf") -> str:
    """The structured reference of a message about several invoices, derived from its id.

    "rf": RF + check digits + "M" and 12 characters of a hash of the action id;
    "betalingskenmerk": 16 digits whose 15-digit body comes from the same hash (never
    below 10^14, so it cannot meet a sequence-numbered invoice's kenmerk).
    """
    digest = int.from_bytes(hashlib.sha256(action_id.encode()).digest()[:10], "big")
    if scheme == "rf":
        alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        seed = ""
        for _ in range(12):
            digest, index = divmod(digest, len(alphabet))
            seed += alphabet[index]
        return rf_reference("M" + seed)
    if scheme == "betalingskenmerk":
        return betalingskenmerk(10**14 + digest % (9 * 10**14))
    raise ValueError(f"reference scheme {scheme!r} is unknown (use 'rf' or 'betalingskenmerk')")


def check_reference(text: str) -> str:
    """The normalised reference when it is a valid RF or betalingskenmerk, else ValueError why."""
    compact = normalise_reference(text)
    if not compact:
        raise ValueError("payment reference is empty")
    if compact.startswith("RF"):
        problem = _rf_problem(compact)
    elif compact.isdigit():
        problem = _kenmerk_problem(compact)
    else:
        problem = "not an RF reference (RF..) nor a betalingskenmerk (digits only)"
    if problem:
        raise ValueError(f"payment reference {text!r}: {problem}")
    return compact


def _longest_valid_rf(candidate: str) -> str | None:
    compact = candidate.replace(" ", "")
    for end in range(len(compact), 4, -1):
        if iso11649.is_valid(compact[:end]):
            return compact[:end]
    return None


def find_references(text: str) -> list[str]:
    """Valid RF references and 16-digit betalingskenmerken in free text, in order of appearance.

    Banks print references in groups of four separated by spaces; those spaces are allowed.
    A run of characters after an RF reference is cut back to the longest valid prefix.
    """
    upper = (text or "").upper()
    found: list[tuple[int, str]] = []
    for match in _RF.finditer(upper):
        reference = _longest_valid_rf(match.group())
        if reference:
            found.append((match.start(), reference))
    for match in _KENMERK.finditer(upper):
        compact = match.group().replace(" ", "")
        if _kenmerk_problem(compact) is None:
            found.append((match.start(), compact))
    result: list[str] = []
    for _, reference in sorted(found):
        if reference not in result:
            result.append(reference)
    return result


def betalingskenmerk16_valid_expr(text: Any) -> Any:
    """Polars expression: is a 16-digit text a valid betalingskenmerk? (set-based twin
    of `is_valid_betalingskenmerk` for the 16-digit form, for imports of millions)."""
    import polars as pl

    total: Any = pl.lit(0, dtype=pl.Int64)
    for position in range(_KENMERK_BODY_DIGITS):
        digit = text.str.slice(16 - 1 - position, 1).cast(pl.Int64, strict=False)
        total = total + digit * _WEIGHTS[position % len(_WEIGHTS)]
    check = 11 - total % 11
    check = pl.when(check == 10).then(1).when(check == 11).then(0).otherwise(check)
    return text.str.contains(r"^\d{16}$") & (
        text.str.slice(0, 1).cast(pl.Int64, strict=False) == check
    )
