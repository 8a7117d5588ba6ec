"""Amounts, dates and lists written the way a reader of each language expects."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from functools import lru_cache

from babel.dates import format_date as babel_format_date
from babel.lists import format_list as babel_format_list

from creditflow.money import Money

__all__ = [
    "FALLBACK_LANGUAGE",
    "LOCALES",
    "format_date",
    "format_list",
    "format_money",
    "group_reference",
    "locale_for",
    "single_periods",
]

FALLBACK_LANGUAGE = "en"

# en_IE: English as written in the euro area ("€412.50", "2 March 2026").
LOCALES = {"nl": "nl_NL", "en": "en_IE"}


def locale_for(language: str) -> str:
    """Babel locale for a message language, English when the language is not supported."""
    return LOCALES.get(language, LOCALES[FALLBACK_LANGUAGE])


# Babel parses its patterns on every call; dispatch formats the same amounts and
# dates many times per message and batch, so the results are remembered.
@lru_cache(maxsize=65_536)
def format_money(value: Money, language: str) -> str:
    """Display an amount, e.g. "€ 412,50" (nl) or "€412.50" (en).

    Babel puts a no-break space after the euro sign in Dutch; a plain space is used
    instead because SMS (GSM-7) and plain-text mail cannot carry it.
    """
    return value.format(locale_for(language)).replace("\xa0", " ").replace("\u202f", " ")


@lru_cache(maxsize=4_096)
def format_date(value: date, language: str) -> str:
    """Display a date in full, e.g. "2 maart 2026" (nl) or "2 March 2026" (en)."""
    return str(babel_format_date(value, "long", locale=locale_for(language)))


def format_list(items: Sequence[str], language: str) -> str:
    """Join items as a sentence does: "A, B en C" (nl) or "A, B and C" (en)."""
    if not items:
        return ""
    return _format_list(tuple(items), language)


@lru_cache(maxsize=65_536)
def _format_list(items: tuple[str, ...], language: str) -> str:
    return str(babel_format_list(list(items), locale=locale_for(language)))


_DOUBLED_PERIOD = re.compile(r"(?<!\.)\.\.(?!\.)")


def single_periods(text: str) -> str:
    """Write once a period doubled by a name ending in one ("Bakkerij B.V.." -> "B.V.")."""
    return _DOUBLED_PERIOD.sub(".", text)


def group_reference(reference: str) -> str:
    """Print a payment reference in groups of four, as on paper (ISO 11649 "RF71 2348 231")."""
    compact = "".join(reference.split()).upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
