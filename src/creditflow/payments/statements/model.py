"""What a parsed bank statement is: a statement of one account with its entries."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from creditflow.money import Money

__all__ = [
    "EntryRejected",
    "Statement",
    "StatementEntry",
    "StatementError",
    "StatementFormat",
    "entry_keys",
]

StatementFormat = Literal["camt.053", "camt.054", "mt940"]


class StatementError(ValueError):
    """A statement file cannot be read; the message names the place and the reason."""


class EntryRejected(StatementError):
    """One entry cannot be taken (an amount beyond MAX_AMOUNT); the others can."""


@dataclass(frozen=True, slots=True)
class StatementEntry:
    """One booked (or pending) movement on the account, as the bank reported it.

    `amount` is always positive; `credit` says the direction (money in when True).
    `entry_key` is stable across re-imports of the same file, so importing twice
    books nothing twice.
    """

    entry_key: str
    account_iban: str | None
    booking_date: date
    value_date: date | None
    amount: Money
    credit: bool
    reversal: bool = False
    status: str | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    end_to_end_id: str | None = None
    remittance_text: str | None = None
    structured_reference: str | None = None
    reference_type: Literal["SCOR", "CUR"] | None = None
    bank_transaction_code: str | None = None
    return_reason: str | None = None


@dataclass(frozen=True, slots=True)
class Statement:
    """A bank statement (or notification) of one account in one currency."""

    format: StatementFormat
    statement_id: str
    account_iban: str | None
    currency: str
    entries: list[StatementEntry] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # "line N: reason" per entry left out


def entry_keys(prefix: str, identities: list[tuple[object, ...]]) -> list[str]:
    """Stable keys for entries the bank gave no unique reference for.

    Each key is a sha256 of the entry's identifying fields; identical entries in one
    file are told apart by their occurrence number, so a re-import yields the same keys.
    """
    seen: Counter[str] = Counter()
    keys = []
    for identity in identities:
        text = "\x1f".join("" if part is None else str(part) for part in identity)
        seen[text] += 1
        digest = hashlib.sha256(f"{text}\x1e{seen[text]}".encode()).hexdigest()
        keys.append(f"{prefix}:{digest[:32]}")
    return keys
