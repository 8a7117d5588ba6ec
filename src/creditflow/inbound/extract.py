"""What a debtor's message says in numbers: the amount (and, from dates.py, the date).

Amounts are read as people write them: "200", "€ 200,50", "200 euro", "EUR 1.250,00",
"1,250.00", "200,-". An amount is in euros unless the message names another
currency ("£200", "200 dollar", "GBP 200"). A number with a currency beside it is
preferred over a bare number. A bare number is not taken as an amount when it is
an invoice or reference number ("factuur 2026-0012", "INV-1001", "nr 123"), a phone
number (starts with 0 or +, or has 7 or more digits), part of a date ("de 15e",
"15 december", "15-3"), a time ("18:00", "5 uur") or a count ("3 termijnen",
"2 weken", "4 keer").
"""

from __future__ import annotations

import re
from decimal import Decimal

from creditflow.inbound.dates import extract_date, find_date_phrases
from creditflow.money import Money, parse_amount, round_amount

__all__ = ["amount_from_text", "extract_amount", "extract_date"]

CURRENCY_WORDS = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "eu": "EUR",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP", "pond": "GBP", "quid": "GBP",
    "$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
    "chf": "CHF", "frank": "CHF", "francs": "CHF",
}  # fmt: skip

_NUMBER = r"(?P<num>\d{1,3}(?:[.,]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)(?:,-|\.-)?"
_BEFORE = r"(?P<cur>€|£|\$|\b(?:eur|gbp|usd|chf)\b)\.?"
_WORD_AFTER = r"(?P<cur>€|£|\$|euros?|eur|eu|pounds?|pond|quid|gbp|dollars?|usd|chf|frank|francs)"
_MARKED = (
    re.compile(rf"{_BEFORE}\s*{_NUMBER}(?!\d)", re.IGNORECASE),
    re.compile(rf"(?<![\w.,]){_NUMBER}\s*{_WORD_AFTER}(?!\w)", re.IGNORECASE),
)
_BARE = re.compile(rf"(?<![\w#@+/.,:-]){_NUMBER}(?![\w/@%:-]|[.,]\d)", re.IGNORECASE)
_REFERENCE_BEFORE = re.compile(
    r"(?:factuur(?:nummer|nr)?|invoice(?: number| no)?|inv|nr|no|nummer|number|ref"
    r"|referentie|reference|kenmerk|klantnummer|customer number|order|bestelling|dossier"
    r"|tel|telefoon|phone|mobiel|mobile|postcode|huisnummer|#"
    r"|\w*(?:straat|laan|weg|plein|gracht|kade|dreef|singel|street|road|lane|avenue))\.?:?\s*$",
    re.IGNORECASE,
)
_COUNT_AFTER = re.compile(
    r"^\s*(?:dagen|dag|days?|weken|weeks?|maanden|months?|jaar|jaren|years?|termijnen"
    r"|termijn|instal+ments?|payments|betalingen|keer|times|x\b|uur|u\b|hours?|pm\b|am\b"
    r"|minuten|minutes|stuks|pieces|items|delen|parts|goes|procent|percent|%|e\b|ste\b"
    r"|de\b|st\b|nd\b|rd\b|th\b|facturen|factuur|invoices?|rekeningen|bills?|herinneringen"
    r"|reminders?|aanmaningen|brieven|letters?|mails?|berichten|messages?|kinderen|children)",
    re.IGNORECASE,
)


def amount_from_text(number: str, currency: str = "EUR") -> Decimal:
    """Read a written number ("1.250,00", "1,250.00", "200,5", "200,-") as a rounded amount.

    With both a dot and a comma, the last one is the decimal mark. With one of them,
    followed by exactly three digits, it separates thousands ("1.250" is 1250);
    otherwise it is the decimal mark ("200,5" is 200.50).
    """
    raw = number.strip().removesuffix(",-").removesuffix(".-")
    if "." in raw and "," in raw:
        decimal_mark = "." if raw.rfind(".") > raw.rfind(",") else ","
        thousands = "," if decimal_mark == "." else "."
        raw = raw.replace(thousands, "").replace(decimal_mark, ".")
    elif "." in raw or "," in raw:
        mark = "." if "." in raw else ","
        parts = raw.split(mark)
        if len(parts) > 2 or (len(parts) == 2 and len(parts[1]) == 3):
            raw = raw.replace(mark, "")
        else:
            raw = raw.replace(mark, ".")
    return round_amount(parse_amount(raw), currency)


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < span_end and span_start < end for span_start, span_end in spans)


def _is_bare_amount(text: str, match: re.Match[str], taken: list[tuple[int, int]]) -> bool:
    digits = match.group("num")
    if _overlaps(match.start(), match.end(), taken):
        return False
    if re.fullmatch(r"0\d+", digits) or len(re.sub(r"\D", "", digits)) >= 7:
        return False  # a phone number or a reference, not money
    before, after = text[: match.start()], text[match.end() :]
    if re.search(r"\d[ -]?$", before) or re.match(r"[ -]?\d", after):
        return False  # one group of a number written in parts: "06 123 456 78"
    if re.fullmatch(r"\d{4}", digits) and re.match(r" ?[A-Z]{2}\b", after):
        return False  # a Dutch postal code: 1234 AB
    if _REFERENCE_BEFORE.search(before):
        return False
    return not _COUNT_AFTER.match(after)


def extract_amount(text: str) -> Money | None:
    """The amount a message names, as Money with 2 decimals (EUR unless another currency is named).

    A number written with a currency wins over a bare number; among equals the first
    one in the message is taken.
    """
    dates = [(p.start, p.end) for p in find_date_phrases(text)]
    marked = []
    for pattern in _MARKED:
        for match in pattern.finditer(text):
            if not _overlaps(match.start("num"), match.end("num"), dates):
                marked.append(match)
    if marked:
        first = min(marked, key=lambda m: m.start())
        currency = CURRENCY_WORDS[first.group("cur").lower()]
        return Money(amount_from_text(first.group("num"), currency), currency)
    for match in _BARE.finditer(text):
        if _is_bare_amount(text, match, dates):
            return Money(amount_from_text(match.group("num")), "EUR")
    return None
