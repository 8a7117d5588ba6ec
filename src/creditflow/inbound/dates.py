"""Dates in debtor messages, relative to the moment the message arrived.

Phrases are found with patterns for Dutch and English ("vrijdag", "volgende week
dinsdag", "de 15e", "on the 15th", "15 december", "next friday", "morgen",
"over 2 weken", "eind van de maand", "15-3"). Relative words and durations are
resolved by `dateparser` against the message time; weekdays, days of the month and
day-month dates are resolved here so that the rule is exact:

- looking forward (promises): the next occurrence on or after the message day;
  "next friday" / "volgende vrijdag" is the first Friday after today, and
  "volgende week vrijdag" / "friday next week" is the Friday of next calendar week;
- looking back (payments made): the last occurrence on or before the message day.

A date that lies on the wrong side of the message day ("15-01-2025" in a promise)
is skipped, and the next phrase in the message is tried.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

import dateparser

Direction = Literal["future", "past"]

WEEKDAYS = {
    "maandag": 0, "dinsdag": 1, "woensdag": 2, "donderdag": 3, "vrijdag": 4,
    "zaterdag": 5, "zondag": 6, "monday": 0, "tuesday": 1, "tues": 1,
    "wednesday": 2, "weds": 2, "thursday": 3, "thurs": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sunday": 6,
}  # fmt: skip
MONTHS = {
    "januari": 1, "january": 1, "jan": 1, "februari": 2, "february": 2, "feb": 2,
    "maart": 3, "march": 3, "mrt": 3, "mar": 3, "april": 4, "apr": 4, "mei": 5,
    "may": 5, "juni": 6, "june": 6, "jun": 6, "juli": 7, "july": 7, "jul": 7,
    "augustus": 8, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "october": 10, "okt": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
NUMBER_WORDS = {
    "een": "1", "één": "1", "a": "1", "an": "1", "one": "1", "twee": "2", "two": "2",
    "drie": "3", "three": "3", "vier": "4", "four": "4", "vijf": "5", "five": "5",
    "zes": "6", "six": "6", "zeven": "7", "seven": "7", "acht": "8", "eight": "8",
    "negen": "9", "nine": "9", "tien": "10", "ten": "10", "a couple of": "2",
}  # fmt: skip


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_WD = rf"(?P<wd>{_alternation(WEEKDAYS)})"
_MONTH = rf"(?P<m>{_alternation(MONTHS)})"
_COUNT = rf"(?P<n>\d+|{_alternation(NUMBER_WORDS)})"
_UNIT = r"(?P<unit>dagen|dag|weken|week|maanden|maand|days?|weeks?|months?)"
_ORDINAL_NOT_A_DATE = (
    r"(?!\s*(?:termijn|keer|maand|week|herinnering|aanmaning|factuur|rekening|betaling|dag"
    r"|instal|payment|time|reminder|invoice|month|week|day|notice))"
)
_NEXT_MONTH = r"(?P<next>\s+(?:van\s+(?:de\s+)?volgende\s+maand|of\s+(?:the\s+)?next\s+month))?"
_UNIT_AFTER = r"(?!\s*(?:dagen|dag|days?|weken|weeks?|keer|x\b|termijnen|uur|hours?))"

# Relative words that dateparser understands once normalised to its vocabulary.
_RELATIVE_WORDS = {
    "morgenochtend": "morgen", "morgenmiddag": "morgen", "morgenavond": "morgen",
    "morgen vroeg": "morgen", "vanavond": "vandaag", "vanmiddag": "vandaag",
    "vanochtend": "vandaag", "vanmorgen": "vandaag", "vannacht": "vandaag",
    "gisteravond": "gisteren", "gistermiddag": "gisteren", "gisterochtend": "gisteren",
    "tonight": "today", "this morning": "today", "this afternoon": "today",
    "this evening": "today", "last night": "yesterday", "komende week": "volgende week",
    "afgelopen week": "vorige week",
}  # fmt: skip
_RELATIVE = (
    r"\b(?:overmorgen|morgen(?:ochtend|middag|avond| vroeg)?|vandaag|vanavond|vanmiddag"
    r"|vanochtend|vanmorgen|vannacht|eergisteren|gister(?:en|avond|middag|ochtend)"
    r"|(?:volgende|komende|vorige|afgelopen) week|(?:the )?day after tomorrow"
    r"|(?:the )?day before yesterday|tomorrow|today|tonight|this (?:morning|afternoon|evening)"
    r"|yesterday|last night|next week|last week)\b"
)


@dataclass(frozen=True, slots=True)
class DatePhrase:
    """A piece of a message that names a date, with where it stands in the text."""

    start: int
    end: int
    text: str
    rule: str


@dataclass(frozen=True, slots=True)
class _Context:
    today: date
    now: datetime
    direction: Direction
    languages: list[str]

    def fits(self, day: date) -> bool:
        return day >= self.today if self.direction == "future" else day <= self.today


Resolver = Callable[["re.Match[str]", _Context], date | None]


def _weekday(match: re.Match[str]) -> int:
    return WEEKDAYS[match.group("wd").lower()]


def _on_or_after(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _on_or_before(day: date, weekday: int) -> date:
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def _plain_weekday(m: re.Match[str], ctx: _Context) -> date | None:
    if ctx.direction == "future":
        return _on_or_after(ctx.today, _weekday(m))
    return _on_or_before(ctx.today, _weekday(m))


def _next_weekday(m: re.Match[str], ctx: _Context) -> date | None:
    return _on_or_after(ctx.today + timedelta(days=1), _weekday(m))


def _previous_weekday(m: re.Match[str], ctx: _Context) -> date | None:
    return _on_or_before(ctx.today - timedelta(days=1), _weekday(m))


def _monday(ctx: _Context, weeks: int) -> date:
    return ctx.today - timedelta(days=ctx.today.weekday()) + timedelta(weeks=weeks)


def _weekday_next_week(m: re.Match[str], ctx: _Context) -> date | None:
    return _monday(ctx, 1) + timedelta(days=_weekday(m))


def _weekday_last_week(m: re.Match[str], ctx: _Context) -> date | None:
    return _monday(ctx, -1) + timedelta(days=_weekday(m))


def _add_months(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def _day_of_month(m: re.Match[str], ctx: _Context) -> date | None:
    day = int(m.group("d"))
    if not 1 <= day <= 31:
        return None
    next_month = bool(m.group("next"))
    first = 1 if next_month else 0
    step = -1 if ctx.direction == "past" and not next_month else 1
    for offset in range(first, first + 13 * step, step):
        year, month = _add_months(ctx.today.year, ctx.today.month, offset)
        if day > calendar.monthrange(year, month)[1]:
            continue  # "the 31st" skips months without one
        candidate = date(year, month, day)
        if next_month or ctx.fits(candidate):
            return candidate
    return None


def _calendar_date(day: int, month: int, year: int | None, ctx: _Context) -> date | None:
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return None
    if year is not None:
        try:
            return date(year + 2000 if year < 100 else year, month, day)
        except ValueError:
            return None
    step = 1 if ctx.direction == "future" else -1
    for candidate_year in range(ctx.today.year, ctx.today.year + 5 * step, step):
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue  # 29 February outside a leap year
        if ctx.fits(candidate):
            return candidate
    return None


def _day_month(m: re.Match[str], ctx: _Context) -> date | None:
    year = int(m.group("y")) if m.group("y") else None
    return _calendar_date(int(m.group("d")), MONTHS[m.group("m").lower()], year, ctx)


def _numeric(m: re.Match[str], ctx: _Context) -> date | None:
    year = int(m.group("y")) if m.group("y") else None
    return _calendar_date(int(m.group("d")), int(m.group("mo")), year, ctx)


def _end_of_month(_m: re.Match[str], ctx: _Context) -> date | None:
    last = calendar.monthrange(ctx.today.year, ctx.today.month)[1]
    return date(ctx.today.year, ctx.today.month, last)


def _start_next_month(_m: re.Match[str], ctx: _Context) -> date | None:
    year, month = _add_months(ctx.today.year, ctx.today.month, 1)
    return date(year, month, 1)


def _after_weekend(_m: re.Match[str], ctx: _Context) -> date | None:
    return _on_or_after(ctx.today + timedelta(days=1), 0)


def _dateparser(phrase: str, ctx: _Context, languages: list[str]) -> date | None:
    settings = {
        "RELATIVE_BASE": ctx.now.replace(tzinfo=None),
        "PREFER_DATES_FROM": ctx.direction,
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    parsed = dateparser.parse(phrase, languages=languages, settings=settings)  # type: ignore[arg-type]
    return parsed.date() if parsed else None


def _relative(m: re.Match[str], ctx: _Context) -> date | None:
    phrase = " ".join(m.group(0).lower().split())
    return _dateparser(_RELATIVE_WORDS.get(phrase, phrase), ctx, ctx.languages)


_UNITS_IN_ENGLISH = {
    "dag": "day", "dagen": "days", "week": "week", "weken": "weeks",
    "maand": "month", "maanden": "months",
}  # fmt: skip


def _duration(m: re.Match[str], ctx: _Context) -> date | None:
    count = NUMBER_WORDS.get(m.group("n").lower(), m.group("n"))
    unit = _UNITS_IN_ENGLISH.get(m.group("unit").lower(), m.group("unit").lower())
    ago = m.group(0).lower().endswith(("geleden", "ago"))
    return _dateparser(f"{count} {unit} ago" if ago else f"in {count} {unit}", ctx, ["en"])


_PATTERNS: tuple[tuple[str, str, Resolver], ...] = (
    ("weekday next week", rf"\b(?:volgende|komende) week (?:op )?{_WD}\b", _weekday_next_week),
    ("weekday next week", rf"\bnext week (?:on )?{_WD}\b", _weekday_next_week),
    ("weekday next week", rf"\b{_WD} (?:volgende|komende|next) week\b", _weekday_next_week),
    ("weekday last week", rf"\b(?:vorige|afgelopen) week (?:op )?{_WD}\b", _weekday_last_week),
    ("weekday last week", rf"\blast week (?:on )?{_WD}\b", _weekday_last_week),
    ("weekday last week", rf"\b{_WD} (?:vorige|last) week\b", _weekday_last_week),
    ("next weekday", rf"\b(?:volgende|next) {_WD}\b", _next_weekday),
    ("previous weekday", rf"\b(?:vorige|afgelopen|last|past) {_WD}\b", _previous_weekday),
    (
        "weekday",
        rf"\b(?:aanstaande |komende |deze |this coming |this |coming )?{_WD}\b",
        _plain_weekday,
    ),
    (
        "day month",
        rf"\b(?:op |on )?(?:de |the )?(?P<d>\d{{1,2}})(?:e|ste|de|st|nd|rd|th)?"
        rf"\s+(?:of\s+|van\s+)?{_MONTH}\.?(?:\s+(?P<y>\d{{4}}))?\b",
        _day_month,
    ),
    (
        "month day",
        rf"\b{_MONTH}\.?\s+(?:the\s+)?(?P<d>\d{{1,2}})(?:st|nd|rd|th)?"
        rf"(?:,?\s+(?P<y>\d{{4}}))?\b(?![.,:/-]?\d)",
        _day_month,
    ),
    (
        "day of month",
        rf"\b(?:op |on )?(?:de |the )?(?P<d>\d{{1,2}})(?:e|ste|de|st|nd|rd|th)\b"
        rf"{_NEXT_MONTH}{_ORDINAL_NOT_A_DATE}",
        _day_of_month,
    ),
    ("iso date", r"\b(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})\b", _numeric),
    (
        "numeric date",
        rf"(?<![\w#/.,-])(?P<d>\d{{1,2}})([/-])(?P<mo>\d{{1,2}})"
        rf"(?:\2(?P<y>\d{{4}}|\d{{2}}))?(?![\w/.,-]){_UNIT_AFTER}",
        _numeric,
    ),
    (
        "numeric date",
        r"(?<![\w#/.,-])(?P<d>\d{1,2})\.(?P<mo>\d{1,2})\.(?P<y>\d{4}|\d{2})\b",
        _numeric,
    ),
    (
        "end of month",
        r"\b(?:aan het )?eind(?:e)? (?:van )?(?:de |deze )?maand\b"
        r"|\beind v/d maand\b|\bend of (?:the |this )?month\b|\bmonth end\b",
        _end_of_month,
    ),
    (
        "start of next month",
        r"\bbegin (?:van )?(?:de )?volgende maand\b"
        r"|\b(?:early|beginning of|start of|the start of) next month\b",
        _start_next_month,
    ),
    ("after the weekend", r"\bna het weekend\b|\bafter the weekend\b", _after_weekend),
    ("duration", rf"\b(?:over|binnen|in|within) {_COUNT} {_UNIT}\b", _duration),
    ("duration", rf"\b{_COUNT} {_UNIT} (?:geleden|ago)\b", _duration),
    ("relative", _RELATIVE, _relative),
)
_COMPILED = tuple((rule, re.compile(p, re.IGNORECASE), f) for rule, p, f in _PATTERNS)
_GREETING_MORGEN = re.compile(r"^\s*morgen\s*[,!.]+\s*\w", re.IGNORECASE)


def _matches(text: str) -> list[tuple[re.Match[str], str, Resolver]]:
    found = []
    for rule, pattern, resolver in _COMPILED:
        for match in pattern.finditer(text):
            if rule == "relative" and match.start() == 0 and _GREETING_MORGEN.match(text):
                continue  # "Morgen, ..." is a greeting (short for goedemorgen)
            found.append((match, rule, resolver))
    found.sort(key=lambda item: (item[0].start(), -(item[0].end() - item[0].start())))
    chosen: list[tuple[re.Match[str], str, Resolver]] = []
    for item in found:
        if not chosen or item[0].start() >= chosen[-1][0].end():
            chosen.append(item)
    return chosen


def find_date_phrases(text: str) -> list[DatePhrase]:
    """Every piece of the text that names a date, in order, without overlaps."""
    return [DatePhrase(m.start(), m.end(), m.group(0), rule) for m, rule, _ in _matches(text)]


def extract_date(
    text: str, *, now: datetime, lang: str | None = None, prefer: Direction = "future"
) -> date | None:
    """The first date the message names, relative to `now` (the message time).

    With prefer="future" the date is on or after the message day (promises); with
    prefer="past" on or before it (a payment already made).
    """
    if prefer not in ("future", "past"):
        raise ValueError(f"prefer must be 'future' or 'past', not {prefer!r}")
    languages = [lang, *(x for x in ("nl", "en") if x != lang)] if lang else ["nl", "en"]
    ctx = _Context(now.date(), now, prefer, languages)
    for match, _rule, resolver in _matches(text):
        found = resolver(match, ctx)
        if found is not None and ctx.fits(found):
            return found
    return None
