"""TwiML documents for reminder robocalls, built as XML trees (user text is escaped)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Literal

__all__ = [
    "GatherChoice",
    "gather_choice",
    "gather_result_twiml",
    "machine_message_twiml",
    "reminder_call_twiml",
    "say_language",
]

GatherChoice = Literal["pay_link_sms", "callback"]

_SAY_LANGUAGES = {"nl": "nl-NL", "en": "en-GB"}
_MENU = {
    "nl-NL": "Toets 1 om een betaallink per sms te ontvangen. "
    "Toets 2 als u wilt worden teruggebeld door een medewerker.",
    "en-GB": "Press 1 to receive a payment link by text message. "
    "Press 2 to be called back by a person.",
}
_NO_INPUT = {
    "nl-NL": "We hebben geen keuze ontvangen. U ontvangt de gegevens ook schriftelijk. Tot ziens.",
    "en-GB": "We did not receive a choice. You will also receive the details in writing. Goodbye.",
}
_CHOICES: dict[str, GatherChoice] = {"1": "pay_link_sms", "2": "callback"}


def say_language(language: str) -> str:
    """The Twilio <Say> language for an ISO 639-1 code or a tag ("nl" -> "nl-NL")."""
    code = language.strip().replace("_", "-")
    if code in _MENU:
        return code
    base = code.split("-")[0].lower()
    if base not in _SAY_LANGUAGES:
        raise ValueError(f"no voice language for {language!r} (supported: nl, en)")
    return _SAY_LANGUAGES[base]


def _say(parent: ET.Element, text: str, language: str) -> None:
    say = ET.SubElement(parent, "Say", {"language": language})
    say.text = text


def _document(response: ET.Element) -> str:
    body = ET.tostring(response, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>{body}'


def reminder_call_twiml(say_text: str, language: str, gather_action_url: str) -> str:
    """The call script: the reminder, then a one-key menu (1 = pay link by SMS, 2 = callback)."""
    lang = say_language(language)
    response = ET.Element("Response")
    gather = ET.SubElement(
        response,
        "Gather",
        {
            "numDigits": "1",
            "action": gather_action_url,
            "method": "POST",
            "timeout": "6",
            "input": "dtmf",
        },
    )
    _say(gather, say_text, lang)
    _say(gather, _MENU[lang], lang)
    _say(response, _NO_INPUT[lang], lang)
    return _document(response)


def machine_message_twiml(text: str, language: str) -> str:
    """What to leave on an answering machine: the message, then hang up."""
    response = ET.Element("Response")
    _say(response, text, say_language(language))
    ET.SubElement(response, "Hangup")
    return _document(response)


def gather_result_twiml(text: str, language: str) -> str:
    """The answer after a key press (e.g. "the link is on its way"), then hang up."""
    return machine_message_twiml(text, language)


def gather_choice(digits: str | None) -> GatherChoice | None:
    """What the callee chose from Twilio's ``Digits`` parameter, None for anything else."""
    return _CHOICES.get((digits or "").strip())
