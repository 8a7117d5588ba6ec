"""Dates and amounts read from debtor messages, relative to a fixed message time."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from creditflow.inbound.dates import extract_date, find_date_phrases
from creditflow.inbound.extract import amount_from_text, extract_amount

# Wednesday 4 March 2026, 10:00 in Amsterdam.
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ik betaal vrijdag", date(2026, 3, 6)),
        ("Vrijdag betaal ik", date(2026, 3, 6)),
        ("ik betaal woensdag", date(2026, 3, 4)),  # today is Wednesday: today counts
        ("maandag heb je je geld", date(2026, 3, 9)),
        ("morgen", date(2026, 3, 5)),
        ("ik betaal morgenochtend", date(2026, 3, 5)),
        ("overmorgen maak ik het over", date(2026, 3, 6)),
        ("vanavond betaal ik", date(2026, 3, 4)),
        ("ik betaal volgende week dinsdag", date(2026, 3, 10)),
        ("dinsdag volgende week", date(2026, 3, 10)),
        ("volgende vrijdag", date(2026, 3, 6)),
        ("aanstaande vrijdag", date(2026, 3, 6)),
        ("de 15e betaal ik", date(2026, 3, 15)),
        ("ik maak het de 1e over", date(2026, 4, 1)),  # the 1st has passed this month
        ("de 1e van de volgende maand", date(2026, 4, 1)),
        ("ik betaal 15 december", date(2026, 12, 15)),
        ("ik betaal op 3 maart", date(2027, 3, 3)),  # yesterday's date: next year's
        ("uiterlijk 15 maart heb je het", date(2026, 3, 15)),
        ("15-3 betaal ik", date(2026, 3, 15)),
        ("over 2 weken betaal ik", date(2026, 3, 18)),
        ("binnen een week", date(2026, 3, 11)),
        ("eind van de maand betaal ik", date(2026, 3, 31)),
        ("begin volgende maand", date(2026, 4, 1)),
        ("na het weekend maak ik het over", date(2026, 3, 9)),
        ("Morgen, ik betaal vrijdag", date(2026, 3, 6)),  # "Morgen," greets
        ("i will pay on the 15th", date(2026, 3, 15)),
        ("ill pay on 15 december", date(2026, 12, 15)),
        ("ill pay next friday", date(2026, 3, 6)),
        ("friday next week", date(2026, 3, 13)),
        ("paying tomorrow", date(2026, 3, 5)),
        ("the day after tomorrow", date(2026, 3, 6)),
        ("in three days", date(2026, 3, 7)),
        ("ill pay on march 20th", date(2026, 3, 20)),
        ("paying on the 31st", date(2026, 3, 31)),
        ("end of the month", date(2026, 3, 31)),
    ],
)
def test_promise_dates_are_the_next_occurrence(text: str, expected: date) -> None:
    assert extract_date(text, now=NOW) == expected


@pytest.mark.parametrize(
    "text",
    [
        "ik betaal het zsm",
        "factuur 2026-0012 klopt niet",
        "bel me op 06-12345678",
        "de 3e termijn betaal ik ook",
        "ik betaal 200 euro",
        "15-01-2025 betaal ik",  # a promise cannot lie in the past
        "Jan",
    ],
)
def test_no_promise_date(text: str) -> None:
    assert extract_date(text, now=NOW) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("heb vrijdag betaald", date(2026, 2, 27)),
        ("gisteren overgemaakt", date(2026, 3, 3)),
        ("eergisteren betaald", date(2026, 3, 2)),
        ("betaald op 1 maart", date(2026, 3, 1)),
        ("vorige week dinsdag", date(2026, 2, 24)),
        ("2 weken geleden", date(2026, 2, 18)),
        ("paid last monday", date(2026, 3, 2)),
        ("paid on the 5th", date(2026, 2, 5)),
        ("sent it yesterday", date(2026, 3, 3)),
    ],
)
def test_payment_dates_look_back(text: str, expected: date) -> None:
    assert extract_date(text, now=NOW, prefer="past") == expected


@pytest.mark.parametrize("offset", range(7))
@pytest.mark.parametrize(
    "text",
    ["vrijdag", "maandag", "de 15e", "the 31st", "15 december", "next tuesday", "morgen"],
)
def test_a_promise_date_is_never_before_the_message_day(offset: int, text: str) -> None:
    now = NOW + timedelta(days=offset)
    found = extract_date(text, now=now)
    assert found is not None
    assert now.date() <= found <= now.date() + timedelta(days=366)


def test_the_first_date_in_the_message_is_taken() -> None:
    text = "ik betaal vrijdag de helft en de 15e de rest"
    assert [p.text for p in find_date_phrases(text)] == ["vrijdag", "de 15e"]
    assert extract_date(text, now=NOW) == date(2026, 3, 6)


def test_prefer_must_be_future_or_past() -> None:
    with pytest.raises(ValueError, match="prefer"):
        extract_date("morgen", now=NOW, prefer="soon")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "amount", "currency"),
    [
        ("200", "200.00", "EUR"),
        ("ik betaal vrijdag 200 euro", "200.00", "EUR"),
        ("€ 200,50", "200.50", "EUR"),
        ("€200", "200.00", "EUR"),
        ("ik maak vrijdag EUR 1.250,00 over", "1250.00", "EUR"),
        ("ill transfer EUR 1,250.00 on friday", "1250.00", "EUR"),
        ("ik kan 200,- betalen", "200.00", "EUR"),
        ("ik kan 12,5 betalen", "12.50", "EUR"),
        ("ik kan 1.250 betalen", "1250.00", "EUR"),
        ("50 per maand", "50.00", "EUR"),
        ("3 termijnen van 80", "80.00", "EUR"),
        ("factuur 123 van 50 euro", "50.00", "EUR"),
        ("de 15e betaal ik 300", "300.00", "EUR"),
        ("15 december betaal ik 300", "300.00", "EUR"),
        ("£200 on friday", "200.00", "GBP"),
        ("i can pay 200 pounds", "200.00", "GBP"),
        ("USD 99.5", "99.50", "USD"),
    ],
)
def test_amounts(text: str, amount: str, currency: str) -> None:
    money = extract_amount(text)
    assert money is not None
    assert (money.text(), money.currency) == (amount, currency)
    assert str(money.amount) == amount


@pytest.mark.parametrize(
    "text",
    [
        "factuur 2026-0012 klopt niet",
        "link voor factuur INV-1001 graag",
        "kenmerk 5000056789012345",
        "bel me op 0612345678",
        "mijn nummer is +31612345678",
        "bel mij: 06 123 456 78",
        "ik betaal de 15e",
        "ik betaal 15 december",
        "15-3 betaal ik",
        "kan het in 3 termijnen",
        "over 2 weken",
        "bel me na 18:00",
        "na 5 uur bereikbaar",
        "call me at 5pm",
        "ik heb 2 facturen",
        "Kerkstraat 12, 1234 AB Utrecht",
        "nr 12345",
    ],
)
def test_not_amounts(text: str) -> None:
    assert extract_amount(text) is None


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("1.250,00", Decimal("1250.00")),
        ("1,250.00", Decimal("1250.00")),
        ("1.250", Decimal("1250.00")),
        ("200,5", Decimal("200.50")),
        ("200.555", Decimal("200555.00")),
        ("0,99", Decimal("0.99")),
        ("200,-", Decimal("200.00")),
        ("12.345.678,9", Decimal("12345678.90")),
    ],
)
def test_amount_from_text(written: str, expected: Decimal) -> None:
    assert amount_from_text(written) == expected
