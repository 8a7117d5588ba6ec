"""Classify a debtor's reply: what they want, in which language, by when and how much.

Order of decisions:
1. a message that is only an opt-out word ("STOP", "unsubscribe", "afmelden",
   the TCPA words stop/quit/end/revoke/opt out/cancel/unsubscribe) is `opt_out`
   with confidence 1.0, whatever the model thinks: consent must never be missed;
2. otherwise the intent model decides; below its confidence floor the intent is
   `unknown` (a person reads it);
3. the date is read for intents that carry one: `promise`, `payment_plan` (first
   instalment) and `human` (when to call) look forward from the message day,
   `already_paid` looks back; the amount for every intent but `opt_out`/`unknown`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from creditflow.inbound.dates import Direction, extract_date
from creditflow.inbound.extract import extract_amount
from creditflow.inbound.language import check_language, detect_language
from creditflow.inbound.model import CONFIDENCE_FLOOR, IntentGuess, intent_model

OPT_OUT_PHRASES = frozenset(
    {
        "stop", "stopp", "stop all", "stopall", "stop alles", "stop alle berichten",
        "stop sms", "stop whatsapp", "stop texts", "stop messages", "stoppen",
        "quit", "end", "revoke", "cancel", "opt out", "optout", "opt-out",
        "unsubscribe", "afmelden", "uitschrijven", "uitschrijven aub", "afmelden aub",
    }
)  # fmt: skip
DATE_DIRECTION: dict[str, Direction] = {
    "promise": "future",
    "payment_plan": "future",
    "human": "future",
    "already_paid": "past",
}
NO_AMOUNT_INTENTS = frozenset({"opt_out", "unknown"})

_PUNCTUATION = re.compile(r"[^\w\s-]+")


@dataclass(frozen=True, slots=True)
class Classification:
    """What a debtor's message means: intent, language, date and amount (with its currency)."""

    text: str
    intent: str
    lang: str
    date: dt.date | None
    amount: Decimal | None
    confidence: float
    currency: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The public JSON form: text, intent, date, amount (EUR amounts only), in that order."""
        amount = str(self.amount) if self.amount is not None and self.currency == "EUR" else None
        return {
            "text": self.text,
            "intent": self.intent,
            "date": self.date.isoformat() if self.date else None,
            "amount": amount,
        }


def opt_out_rule(text: str) -> bool:
    """True when the whole message is an opt-out word or phrase ("STOP", "Afmelden!")."""
    words = _PUNCTUATION.sub(" ", text.lower()).split()
    if not words:
        return False
    return " ".join(words) in OPT_OUT_PHRASES or set(words) == {"stop"}


def decide_intents(texts: Sequence[str]) -> list[IntentGuess]:
    """The intent of each message: the opt-out rule first, then the model with its floor."""
    decided: dict[int, IntentGuess] = {}
    for i, text in enumerate(texts):
        if not text.strip():
            decided[i] = IntentGuess("unknown", 1.0)
        elif opt_out_rule(text):
            decided[i] = IntentGuess("opt_out", 1.0)
    rest = [i for i in range(len(texts)) if i not in decided]
    for i, guess in zip(rest, intent_model().predict_many([texts[i] for i in rest]), strict=True):
        floor = guess.confidence < CONFIDENCE_FLOOR
        decided[i] = IntentGuess("unknown", guess.confidence) if floor else guess
    return [decided[i] for i in range(len(texts))]


def decide_intent(text: str) -> IntentGuess:
    """The intent of one message (see `decide_intents`)."""
    return decide_intents([text])[0]


def classify(text: str, *, lang: str | None = None, now: dt.datetime) -> Classification:
    """Classify one debtor message received at `now` (its date is relative to that moment).

    `lang` ("nl" or "en") skips language detection when the channel already knows it.
    """
    if not isinstance(now, dt.datetime):
        raise TypeError(f"now must be a datetime (the time the message arrived), not {now!r}")
    language = check_language(lang) if lang is not None else detect_language(text)
    guess = decide_intent(text)
    direction = DATE_DIRECTION.get(guess.intent)
    when = extract_date(text, now=now, lang=language, prefer=direction) if direction else None
    money = None if guess.intent in NO_AMOUNT_INTENTS else extract_amount(text)
    return Classification(
        text=text,
        intent=guess.intent,
        lang=language,
        date=when,
        amount=money.amount if money else None,
        confidence=round(guess.confidence, 4),
        currency=money.currency if money else None,
    )
