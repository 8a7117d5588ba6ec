"""How well the intent model does on the held-out messages it never saw in training."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from creditflow.inbound.classify import decide_intents
from creditflow.inbound.dataset import INTENTS, LANGUAGES, Example, load_examples
from creditflow.inbound.language import detect_language


def _ratio(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def evaluate(examples: Sequence[Example] | None = None) -> dict[str, Any]:
    """Accuracy per language, recall per intent and the most frequent confusions.

    By default on the held-out split of data/intents.csv; the intent is decided as in
    production (opt-out rule, model, confidence floor), the language as given in the
    data, and language detection is scored separately.
    """
    rows = list(load_examples("heldout") if examples is None else examples)
    if not rows:
        raise ValueError("evaluate needs at least one example")
    predicted = [guess.intent for guess in decide_intents([e.text for e in rows])]
    detected = [detect_language(e.text) for e in rows]
    languages: dict[str, dict[str, Any]] = {}
    for lang in LANGUAGES:
        idx = [i for i, e in enumerate(rows) if e.lang == lang]
        correct = sum(predicted[i] == rows[i].intent for i in idx)
        lang_ok = sum(detected[i] == lang for i in idx)
        languages[lang] = {
            "examples": len(idx),
            "correct": correct,
            "accuracy": _ratio(correct, len(idx)),
            "language_detection": _ratio(lang_ok, len(idx)),
        }
    per_intent: dict[str, dict[str, Any]] = {}
    for intent in INTENTS:
        idx = [i for i, e in enumerate(rows) if e.intent == intent]
        correct = sum(predicted[i] == intent for i in idx)
        per_intent[intent] = {
            "examples": len(idx),
            "correct": correct,
            "recall": _ratio(correct, len(idx)),
        }
    mistakes = Counter(
        (e.lang, e.intent, p) for e, p in zip(rows, predicted, strict=True) if e.intent != p
    )
    confusions = [
        {"lang": lang, "intent": intent, "predicted": guess, "count": count}
        for (lang, intent, guess), count in sorted(
            mistakes.items(), key=lambda item: (-item[1], item[0])
        )
    ]
    total_correct = sum(p == e.intent for e, p in zip(rows, predicted, strict=True))
    return {
        "examples": len(rows),
        "accuracy": _ratio(total_correct, len(rows)),
        "languages": languages,
        "per_intent": per_intent,
        "confusions": confusions,
    }
