"""The Dutch 14-day letter: delivery date, payment term, and the checks on its text."""

from datetime import date
from decimal import Decimal

import pytest

from creditflow.compliance.fourteen_day import (
    assumed_delivery_date,
    check_fourteen_day_letter,
    costs_chargeable_from,
    earliest_costs_date,
    is_working_day,
    payment_term_end,
)
from creditflow.money import Money


def eur(text: str) -> Money:
    return Money(Decimal(text), "EUR")


@pytest.mark.parametrize(
    ("sent_on", "channel", "working_days", "delivered"),
    [
        (date(2026, 3, 2), "letter", 2, date(2026, 3, 4)),  # Monday -> Wednesday
        (date(2026, 3, 6), "letter", 2, date(2026, 3, 10)),  # Friday -> Tuesday
        (date(2026, 3, 7), "post", 2, date(2026, 3, 10)),  # Saturday -> Tuesday
        # Thursday before Easter: Good Friday, weekend and Easter Monday are skipped
        (date(2026, 4, 2), "letter", 2, date(2026, 4, 8)),
        # Christmas: 25 (Fri) and 26 December and the weekend are skipped
        (date(2026, 12, 24), "letter", 2, date(2026, 12, 29)),
        (date(2026, 3, 2), "letter", 3, date(2026, 3, 5)),
        (date(2026, 3, 2), "letter", 0, date(2026, 3, 2)),
        (date(2026, 3, 7), "email", 2, date(2026, 3, 7)),  # e-mail: the day it was delivered
    ],
)
def test_assumed_delivery_date(
    sent_on: date, channel: str, working_days: int, delivered: date
) -> None:
    assert assumed_delivery_date(sent_on, channel, posting_working_days=working_days) == delivered


def test_delivery_needs_a_letter_or_email_and_a_sane_delay() -> None:
    with pytest.raises(ValueError, match="channel"):
        assumed_delivery_date(date(2026, 3, 2), "sms")
    with pytest.raises(ValueError, match="posting_working_days"):
        assumed_delivery_date(date(2026, 3, 2), "letter", posting_working_days=-1)


def test_working_days_follow_the_country() -> None:
    assert not is_working_day(date(2026, 4, 27), "NL")  # Koningsdag
    assert is_working_day(date(2026, 4, 27), "BE")
    assert not is_working_day(date(2026, 3, 7))  # Saturday


@pytest.mark.parametrize(
    ("delivered", "last_day", "unextended"),
    [
        # day 1 is the day after delivery; day 14 is delivery + 14
        (date(2026, 3, 4), date(2026, 3, 18), date(2026, 3, 18)),
        # ends on Saturday 21 March: runs on to Monday (Algemene termijnenwet)
        (date(2026, 3, 7), date(2026, 3, 23), date(2026, 3, 21)),
        # ends on Koningsdag, Monday 27 April 2026: runs on to Tuesday
        (date(2026, 4, 13), date(2026, 4, 28), date(2026, 4, 27)),
        # ends on 5 May 2026, a holiday for terms every year (not only every 5th year)
        (date(2026, 4, 21), date(2026, 5, 6), date(2026, 5, 5)),
    ],
)
def test_payment_term_end(delivered: date, last_day: date, unextended: date) -> None:
    assert payment_term_end(delivered) == last_day
    assert payment_term_end(delivered, extend_past_non_working_days=False) == unextended


def test_costs_are_chargeable_the_day_after_the_term() -> None:
    assert costs_chargeable_from(date(2026, 3, 4)) == date(2026, 3, 19)  # delivery + 15
    assert costs_chargeable_from(date(2026, 3, 7)) == date(2026, 3, 24)
    assert costs_chargeable_from(date(2026, 3, 7), extend_past_non_working_days=False) == date(
        2026, 3, 22
    )


def test_a_letter_posted_on_thursday_before_easter() -> None:
    delivered = assumed_delivery_date(date(2026, 4, 2), "letter")
    assert delivered == date(2026, 4, 8)
    assert payment_term_end(delivered) == date(2026, 4, 22)
    assert costs_chargeable_from(delivered) == date(2026, 4, 23)


GOOD_NL = (
    "Wij verzoeken u het openstaande bedrag te betalen binnen veertien dagen vanaf de dag "
    "nadat deze brief bij u is bezorgd. Betaalt u niet op tijd, dan brengen wij "
    "incassokosten van {amount} in rekening."
)
GOOD_EN = (
    "Please pay within fourteen days from the day after this letter is delivered to you. "
    "If you do not, we will charge collection costs of {amount}."
)
TERM = "does not give the term"
AMOUNT = "exact cost amount"
DATED = "from the date of the letter"


@pytest.mark.parametrize(
    ("text", "cost", "problems"),
    [
        (GOOD_NL.format(amount="€ 150,00"), "150", []),
        (GOOD_NL.format(amount="EUR 150,00"), "150", []),
        (GOOD_NL.format(amount="€150,00"), "150", []),
        (GOOD_NL.format(amount="€\u00a0150,00"), "150", []),  # non-breaking space
        (GOOD_NL.format(amount="€ 1.234,56"), "1234.56", []),
        (GOOD_NL.format(amount="€ 1234,56"), "1234.56", []),
        (GOOD_EN.format(amount="€150.00"), "150", []),
        (GOOD_EN.format(amount="EUR 1,234.56"), "1234.56", []),
        (GOOD_NL.replace("veertien", "14").format(amount="€ 150,00"), "150", []),
        (  # the letter is fine but wraps the phrase over two lines
            GOOD_NL.replace("de dag nadat", "de dag\n  nadat").format(amount="€ 150,00"),
            "150",
            [],
        ),
        (GOOD_NL.format(amount="€ 150,00"), "391.70", [AMOUNT]),  # another amount
        (GOOD_NL.format(amount="€ 1150,00"), "150", [AMOUNT]),  # not the exact amount
        (GOOD_NL.format(amount="€ 150,001"), "150", [AMOUNT]),
        (GOOD_NL.format(amount="150,00"), "150", [AMOUNT]),  # no currency
        (GOOD_NL.format(amount="€ 150"), "150", [AMOUNT]),  # no cents
        (
            "Betaal binnen 14 dagen na dagtekening, anders kost het € 150,00.",
            "150",
            [TERM, DATED],
        ),
        (
            GOOD_NL.format(amount="€ 150,00") + " Dus uiterlijk 14 dagen na dagtekening.",
            "150",
            [DATED],
        ),
        ("Betaal binnen 14 dagen vanaf dagtekening: € 150,00.", "150", [TERM, DATED]),
        ("Please pay within 14 days after the date of this letter: €150.00.", "150", [TERM, DATED]),
        ("Betaal snel.", "150", [TERM, AMOUNT]),
    ],
)
def test_check_fourteen_day_letter(text: str, cost: str, problems: list[str]) -> None:
    found = check_fourteen_day_letter(text, eur(cost))
    assert len(found) == len(problems), found
    for message, expected in zip(found, problems, strict=True):
        assert expected in message


def test_a_missing_amount_message_shows_the_amount() -> None:
    (message,) = check_fourteen_day_letter(GOOD_NL.format(amount="€ 40,00"), eur("391.70"))
    assert "€ 391,70" in message


@pytest.mark.parametrize(
    ("sent_on", "channel", "first_day"),
    [
        # posted Thursday, delivered Monday 19/1 (2 working days), 14 days to Monday 2/2
        (date(2026, 1, 15), "letter", date(2026, 2, 3)),
        # posted Friday, delivered Tuesday 20/1
        (date(2026, 1, 16), "letter", date(2026, 2, 4)),
        # posted Thursday before Easter: Good Friday and Easter Monday are no working days
        (date(2026, 4, 2), "post", date(2026, 4, 23)),
        # posted on Christmas Eve: delivered Tuesday 29/12, term into the new year
        (date(2026, 12, 24), "letter", date(2027, 1, 13)),
        # an e-mail is delivered the day it was sent: term to Monday 16/3
        (date(2026, 3, 2), "email", date(2026, 3, 17)),
        # an e-mail on a Saturday: the term ends on a Saturday and runs on to Monday 23/3
        (date(2026, 3, 7), "email", date(2026, 3, 24)),
        # the term would end on King's Day (Monday 27/4) and runs on to Tuesday
        (date(2026, 4, 13), "email", date(2026, 4, 29)),
    ],
)
def test_costs_count_from_the_day_the_letter_was_sent(
    sent_on: date, channel: str, first_day: date
) -> None:
    assert earliest_costs_date(sent_on, channel) == first_day


def test_no_costs_date_for_a_letter_that_was_not_sent_on_paper_or_by_email() -> None:
    with pytest.raises(ValueError, match="letter or email"):
        earliest_costs_date(date(2026, 3, 2), "sms")
