"""Amounts, dates and SMS lengths as the reader and the network see them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from creditflow.messages.formatting import (
    format_date,
    format_list,
    format_money,
    group_reference,
)
from creditflow.messages.sms import is_gsm7, sms_segments
from creditflow.money import Money


@pytest.mark.parametrize(
    ("amount", "language", "expected"),
    [
        ("412.50", "nl", "€ 412,50"),
        ("412.50", "en", "€412.50"),
        ("1412.5", "nl", "€ 1.412,50"),
        ("1412.5", "en", "€1,412.50"),
        ("0.005", "nl", "€ 0,01"),
        ("412.50", "de", "€412.50"),
    ],
)
def test_money_per_language(amount, language, expected):
    assert format_money(Money(Decimal(amount), "EUR"), language) == expected


@pytest.mark.parametrize(("language", "expected"), [("nl", "2 maart 2026"), ("en", "2 March 2026")])
def test_date_per_language(language, expected):
    assert format_date(date(2026, 3, 2), language) == expected


@pytest.mark.parametrize(
    ("items", "language", "expected"),
    [
        (["A"], "nl", "A"),
        (["A", "B"], "nl", "A en B"),
        (["A", "B", "C"], "nl", "A, B en C"),
        (["A", "B"], "en", "A and B"),
        ([], "en", ""),
    ],
)
def test_list_per_language(items, language, expected):
    assert format_list(items, language) == expected


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("RF712348231", "RF71 2348 231"),
        ("rf71 2348 231", "RF71 2348 231"),
        ("5000056789012345", "5000 0567 8901 2345"),
    ],
)
def test_reference_is_grouped_by_four(reference, expected):
    assert group_reference(reference) == expected


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("", 0),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # the euro sign takes two septets
        ("€" * 81, 2),
        ("a" * 158 + "€", 1),  # 160 septets
        ("a" * 159 + "€", 2),  # 161 septets
        ("ł" * 70, 1),  # not GSM-7: UCS-2
        ("ł" * 71, 2),
        ("ł" * 134, 2),
        ("ł" * 135, 3),
    ],
)
def test_sms_segments(text, segments):
    assert sms_segments(text) == segments


def test_escape_character_is_not_split_between_segments():
    # 306 septets would fit two parts of 153, but the euro sign's two septets do not
    # fit after 152 characters, so it moves to part two, which then overflows
    text = "a" * 152 + "€" + "a" * 152
    assert sms_segments(text) == 3


@pytest.mark.parametrize(("text", "gsm"), [("Beste Zoë, € 12", False), ("Café € 12,50 [x]", True)])
def test_gsm7_alphabet(text, gsm):
    assert is_gsm7(text) is gsm


def test_a_name_ending_in_a_period_ends_the_sentence_once():
    from creditflow.messages.formatting import single_periods

    assert single_periods("open with Bakkerij B.V..") == "open with Bakkerij B.V."
    assert single_periods("open with Bakkerij B.V.. Pay now.") == "open with Bakkerij B.V. Pay now."
    assert single_periods("Wait...") == "Wait..."
