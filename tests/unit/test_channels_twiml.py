"""TwiML for reminder calls: structure, languages, escaping of user text."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from creditflow.channels.twiml import (
    gather_choice,
    gather_result_twiml,
    machine_message_twiml,
    reminder_call_twiml,
    say_language,
)


def test_reminder_call_gathers_one_digit_after_the_message():
    xml = reminder_call_twiml(
        "Goedemiddag, er staat 412,50 euro open.", "nl", "https://cf.example.nl/g/A-1?x=1&y=2"
    )
    root = ET.fromstring(xml)
    assert root.tag == "Response"
    gather = root.find("Gather")
    assert gather is not None
    assert gather.get("numDigits") == "1"
    assert gather.get("action") == "https://cf.example.nl/g/A-1?x=1&y=2"
    says = gather.findall("Say")
    assert says[0].text == "Goedemiddag, er staat 412,50 euro open."
    assert all(say.get("language") == "nl-NL" for say in says)
    assert "Toets 1" in (says[1].text or "") and "Toets 2" in (says[1].text or "")
    fallback = root.findall("Say")
    assert len(fallback) == 1  # said when no key is pressed


def test_english_menu():
    root = ET.fromstring(reminder_call_twiml("Hello.", "en", "https://x/g"))
    menu = root.find("Gather/Say[2]")
    assert menu is not None and menu.get("language") == "en-GB"
    assert "Press 1" in (menu.text or "")


def test_user_text_is_escaped_not_injected():
    hostile = 'Jan </Say><Dial>+900123</Dial><Say> & "co"'
    xml = reminder_call_twiml(hostile, "nl", "https://x/g")
    root = ET.fromstring(xml)
    assert root.find(".//Dial") is None
    assert root.find("Gather/Say").text == hostile  # type: ignore[union-attr]


@pytest.mark.parametrize("builder", [machine_message_twiml, gather_result_twiml])
def test_single_message_then_hang_up(builder):
    root = ET.fromstring(builder("U ontvangt de betaallink per sms.", "nl-NL"))
    assert [child.tag for child in root] == ["Say", "Hangup"]
    assert root[0].get("language") == "nl-NL"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nl", "nl-NL"), ("NL", "nl-NL"), ("nl_BE", "nl-NL"), ("en", "en-GB"), ("en-GB", "en-GB")],
)
def test_say_language(language, expected):
    assert say_language(language) == expected


def test_unsupported_language_is_refused():
    with pytest.raises(ValueError, match="no voice language for 'de'"):
        say_language("de")


@pytest.mark.parametrize(
    ("digits", "choice"),
    [("1", "pay_link_sms"), ("2", "callback"), (" 1 ", "pay_link_sms"), ("3", None), ("", None),
     (None, None), ("12", None)],
)  # fmt: skip
def test_gather_choice(digits, choice):
    assert gather_choice(digits) == choice
