"""Debtor replies as they arrive, and what creditflow understands from them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from creditflow.inbound import classify as classify_module
from creditflow.inbound.classify import Classification, classify, decide_intent, opt_out_rule
from creditflow.inbound.language import detect_language
from creditflow.inbound.model import CONFIDENCE_FLOOR, IntentGuess

# Wednesday 4 March 2026, 10:00 in Amsterdam.
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("stuur de link nog eens", "pay_link"),
        ("heb al betaald hoor", "already_paid"),
        ("ik betaal vrijdag", "promise"),
        ("kan ik in termijnen betalen?", "payment_plan"),
        ("die factuur klopt niet", "dispute"),
        ("waarom is het bedrag zo hoog?", "invoice_question"),
        ("kunt u de factuur nog een keer mailen", "invoice_copy"),
        ("ik wil geen sms meer ontvangen", "opt_out"),
        ("bel me maar", "human"),
        ("ok", "unknown"),
        ("send me the payment link again pls", "pay_link"),
        ("i already paid this last week", "already_paid"),
        ("ill pay on friday", "promise"),
        ("can i pay in instalments", "payment_plan"),
        ("i never ordered this", "dispute"),
        ("what is this invoice for?", "invoice_question"),
        ("can you send me a copy of the invoice", "invoice_copy"),
        ("stop texting me", "opt_out"),
        ("can someone call me", "human"),
        ("thanks", "unknown"),
    ],
)
def test_clear_messages_get_their_intent(text: str, intent: str) -> None:
    assert classify(text, now=NOW).intent == intent


def test_a_dutch_promise_comes_with_its_date_and_amount() -> None:
    result = classify("hoi, ik betaal vrijdag € 200,50. groet Jan", now=NOW)
    assert (result.intent, result.lang) == ("promise", "nl")
    assert result.date == date(2026, 3, 6)
    assert (result.amount, result.currency) == (Decimal("200.50"), "EUR")


def test_an_english_promise_on_the_15th() -> None:
    result = classify("Hi, I will pay EUR 1,250.00 on the 15th. Regards, Tom", now=NOW)
    assert (result.intent, result.lang) == ("promise", "en")
    assert (result.date, result.amount) == (date(2026, 3, 15), Decimal("1250.00"))


def test_a_promise_for_next_week_tuesday() -> None:
    result = classify("ik betaal volgende week dinsdag", lang="nl", now=NOW)
    assert (result.intent, result.date, result.amount) == ("promise", date(2026, 3, 10), None)


def test_a_payment_already_made_dates_back() -> None:
    result = classify("heb gisteren 120 euro overgemaakt", now=NOW)
    assert result.intent == "already_paid"
    assert (result.date, result.amount) == (date(2026, 3, 3), Decimal("120.00"))


def test_an_email_reply_with_greeting_and_signature() -> None:
    text = (
        "Goedemiddag,\n\nDeze factuur klopt niet, wij hebben de goederen retour gezonden.\n\n"
        "Met vriendelijke groet,\nH. Mulder\n06-12345678"
    )
    result = classify(text, now=NOW)
    assert (result.intent, result.lang, result.date, result.amount) == ("dispute", "nl", None, None)


@pytest.mark.parametrize("text", ["STOP", "stop", "Stop!!", "UNSUBSCRIBE", "afmelden", "stop stop"])
def test_an_opt_out_word_is_certain(text: str) -> None:
    assert opt_out_rule(text)
    result = classify(text, now=NOW)
    assert (result.intent, result.confidence) == ("opt_out", 1.0)
    assert result.amount is None


@pytest.mark.parametrize("text", ["stop de link in een sms", "ik betaal, stop met bellen niet"])
def test_stop_inside_a_sentence_is_left_to_the_model(text: str) -> None:
    assert not opt_out_rule(text)


def test_an_empty_message_is_unknown() -> None:
    assert decide_intent("   ").intent == "unknown"


class _FixedModel:
    """Stands in for the trained model: always the same guess."""

    def __init__(self, guess: IntentGuess) -> None:
        self.guess = guess

    def predict_many(self, texts: list[str]) -> list[IntentGuess]:
        return [self.guess for _ in texts]


@pytest.mark.parametrize(
    ("confidence", "intent"), [(0.2, "unknown"), (CONFIDENCE_FLOOR, "promise"), (0.9, "promise")]
)
def test_below_the_confidence_floor_the_intent_is_unknown(
    monkeypatch: pytest.MonkeyPatch, confidence: float, intent: str
) -> None:
    model = _FixedModel(IntentGuess("promise", confidence))
    monkeypatch.setattr(classify_module, "intent_model", lambda: model)
    assert decide_intent("ik betaal misschien ooit") == IntentGuess(intent, confidence)


@pytest.mark.parametrize(("intent", "amount"), [("unknown", None), ("promise", Decimal("200.00"))])
def test_no_amount_is_read_from_an_unknown_message(
    monkeypatch: pytest.MonkeyPatch, intent: str, amount: Decimal | None
) -> None:
    model = _FixedModel(IntentGuess(intent, 0.9))
    monkeypatch.setattr(classify_module, "intent_model", lambda: model)
    assert classify("200 euro", now=NOW).amount == amount


def test_a_pound_amount_keeps_its_currency_and_stays_out_of_the_json() -> None:
    result = classify("ill pay £200 on friday", now=NOW)
    assert (result.amount, result.currency) == (Decimal("200.00"), "GBP")
    assert result.as_json()["amount"] is None


def test_the_json_form_has_exactly_the_public_keys_in_order() -> None:
    result = classify("ik betaal morgen 75 euro", now=NOW)
    assert list(result.as_json()) == ["text", "intent", "date", "amount"]
    assert result.as_json() == {
        "text": "ik betaal morgen 75 euro",
        "intent": "promise",
        "date": "2026-03-05",
        "amount": "75.00",
    }


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("heb al betaald hoor", "nl"),
        ("kan ik in termijnen betalen", "nl"),
        ("i already paid this", "en"),
        ("can you call me tomorrow", "en"),
        ("👍", "nl"),
        ("200", "nl"),
    ],
)
def test_language_detection(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_an_explicit_language_is_used_and_checked() -> None:
    assert classify("ok", lang="en", now=NOW).lang == "en"
    with pytest.raises(ValueError, match="lang"):
        classify("ok", lang="de", now=NOW)


def test_now_must_be_a_datetime() -> None:
    with pytest.raises(TypeError, match="now"):
        classify("ik betaal morgen", now=date(2026, 3, 4))  # type: ignore[arg-type]


def test_classification_is_a_value() -> None:
    first = classify("ik betaal vrijdag", now=NOW)
    assert first == classify("ik betaal vrijdag", now=NOW)
    assert isinstance(first, Classification)
