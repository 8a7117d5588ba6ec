"""The Dutch 14-day letter (art. 6:96 lid 6 BW; HR 25-11-2016, ECLI:NL:HR:2016:2704).

A consumer owes collection costs only after a letter, sent after default, that gives
14 days to pay counted from the day after the debtor received it and states the exact
cost amount. These functions compute the dates and check a rendered letter's text.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

import holidays
from babel.numbers import get_currency_symbol

from creditflow.money import Money

__all__ = [
    "EN_TERM_PHRASE",
    "NL_TERM_PHRASE",
    "TERM_DAYS",
    "assumed_delivery_date",
    "check_fourteen_day_letter",
    "costs_chargeable_from",
    "earliest_costs_date",
    "is_working_day",
    "payment_term_end",
]

TERM_DAYS = 14
NL_TERM_PHRASE = "binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd"
EN_TERM_PHRASE = "within fourteen days from the day after this letter is delivered to you"
LETTER_CHANNELS = frozenset({"letter", "post"})
ELECTRONIC_CHANNELS = frozenset({"email"})
CASE_LAW = "HR 25-11-2016, ECLI:NL:HR:2016:2704"

_TERM_PATTERNS = (
    re.compile(r"binnen (?:veertien|14) dagen vanaf de dag nadat deze brief bij u is bezorgd"),
    re.compile(
        r"within (?:fourteen|14) days (?:from|of) the day after this letter "
        r"(?:is|was|has been) delivered to you"
    ),
)
_DATE_OF_LETTER_PATTERNS = (
    re.compile(r"\b(?:na|vanaf|van) (?:de )?dagtekening\b"),
    re.compile(r"\b(?:after|from) the date of (?:this|the) letter\b"),
)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2007]+")


@lru_cache(maxsize=64)
def _public_holidays(country: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, years=year)


def is_working_day(day: date, country: str = "NL") -> bool:
    """True on a weekday that is not a public holiday in the country (`holidays` package)."""
    return day.weekday() < 5 and day not in _public_holidays(country, day.year)


def _is_term_holiday(day: date, country: str) -> bool:
    """A day on which a statutory term may not end (Algemene termijnenwet art. 1 and 3)."""
    if not is_working_day(day, country):
        return True
    # The Algemene termijnenwet names 5 May every year; `holidays` only has it every 5th.
    return country == "NL" and (day.month, day.day) == (5, 5)


def assumed_delivery_date(
    sent_on: date, channel: str, *, posting_working_days: int = 2, country: str = "NL"
) -> date:
    """The day a 14-day letter is taken to have reached the debtor.

    A letter ("letter" or "post") is delivered `posting_working_days` working days after
    it is posted, skipping weekends and the country's public holidays. An e-mail is
    delivered the day it was delivered: pass that day as `sent_on`.
    """
    if posting_working_days < 0:
        raise ValueError(f"posting_working_days: must not be negative, got {posting_working_days}")
    if channel in ELECTRONIC_CHANNELS:
        return sent_on
    if channel not in LETTER_CHANNELS:
        raise ValueError(f"channel: a 14-day letter goes by letter or email, got {channel!r}")
    day = sent_on
    counted = 0
    while counted < posting_working_days:
        day += timedelta(days=1)
        if is_working_day(day, country):
            counted += 1
    return day


def payment_term_end(
    delivered_on: date, *, extend_past_non_working_days: bool = True, country: str = "NL"
) -> date:
    """The last day the debtor may pay: 14 days counted from the day after delivery.

    Day 1 is the day after delivery, so the term ends on delivery + 14 days. The term is
    set by law, so by the Algemene termijnenwet a term ending on a Saturday, Sunday or
    public holiday runs on to the next working day; this is the default, and the safe
    side, since charging a day late never forfeits the costs and a day early does.
    """
    end = delivered_on + timedelta(days=TERM_DAYS)
    if extend_past_non_working_days:
        while _is_term_holiday(end, country):
            end += timedelta(days=1)
    return end


def costs_chargeable_from(
    delivered_on: date, *, extend_past_non_working_days: bool = True, country: str = "NL"
) -> date:
    """The first day collection costs may be charged: the day after the payment term."""
    end = payment_term_end(
        delivered_on, extend_past_non_working_days=extend_past_non_working_days, country=country
    )
    return end + timedelta(days=1)


def earliest_costs_date(sent_on: date, channel: str, *, country: str = "NL") -> date:
    """The first day a consumer may be charged the costs a 14-day letter stated.

    `sent_on` is the day the letter was posted (or the e-mail delivered), never the day
    it was decided: delivery is assumed `posting + 2 working days` for a letter, then
    the debtor has 14 full days from the day after delivery.
    """
    delivered = assumed_delivery_date(sent_on, channel, country=country)
    return costs_chargeable_from(delivered, country=country)


def _amount_pattern(cost_amount: Money) -> re.Pattern[str]:
    """The cost amount after its currency sign or code, in Dutch or English notation."""
    rounded = cost_amount.rounded()
    whole, _, cents = rounded.text().partition(".")
    grouped = f"{int(whole):,}"
    numbers = {f"{whole},{cents}", f"{grouped.replace(',', '.')},{cents}"}
    numbers |= {f"{whole}.{cents}", f"{grouped}.{cents}"}
    if not cents:
        numbers = {whole, grouped, grouped.replace(",", ".")}
    markers = {re.escape(rounded.currency)}
    symbol = get_currency_symbol(rounded.currency, locale="nl_NL")
    markers.add(re.escape(symbol))
    number_part = "|".join(re.escape(n) for n in sorted(numbers, key=len, reverse=True))
    marker_part = "|".join(sorted(markers))
    return re.compile(rf"(?<![\w])(?:{marker_part}) ?(?:{number_part})(?![.,]?\d)")


def check_fourteen_day_letter(text: str, cost_amount: Money) -> list[str]:
    """The problems in a 14-day letter's text that would forfeit the collection costs.

    Checked: the term phrase (Dutch: NL_TERM_PHRASE, English: EN_TERM_PHRASE, "14" may
    stand for the word), the exact cost amount after its currency sign or code ("€ 150,00",
    "EUR 150,00", "€150,00"; "€ 150.00" in English letters), and no term counted from the
    date of the letter ("na dagtekening"). An empty list means none of these were found.
    """
    flat = _SPACES.sub(" ", text or "")
    lowered = flat.lower()
    problems: list[str] = []
    if not any(pattern.search(lowered) for pattern in _TERM_PATTERNS):
        problems.append(
            f"the letter does not give the term as {NL_TERM_PHRASE!r} (English: "
            f"{EN_TERM_PHRASE!r}); without it the costs are forfeited ({CASE_LAW})"
        )
    if not _amount_pattern(cost_amount).search(flat):
        shown = cost_amount.format("nl_NL").replace("\u00a0", " ")
        problems.append(
            f"the letter does not state the exact cost amount {shown} "
            f"(written as € 150,00, EUR 150,00 or €150,00); art. 6:96 lid 6 BW requires it"
        )
    for pattern in _DATE_OF_LETTER_PATTERNS:
        found = pattern.search(lowered)
        if found:
            problems.append(
                f"the letter counts the term from the date of the letter ({found.group(0)!r}); "
                f"this forfeits all costs ({CASE_LAW})"
            )
    return problems
