"""Which language a debtor wrote in: Dutch or English.

Method: a multinomial naive Bayes over character 1-4-grams, trained on the `lang`
column of the train split of data/intents.csv (the same messages the intent model
learns from). It is small and honest: it knows only Dutch and English, and a
message without letters ("👍", "200") or with too little evidence (probability
below 0.6, e.g. "ok") gets the caller's default language instead of a guess.
Its accuracy on the held-out split is reported by `evaluate()`.
"""

from __future__ import annotations

import threading

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import Pipeline, make_pipeline

from creditflow.inbound.dataset import LANGUAGES, load_examples
from creditflow.inbound.model import normalise

MIN_LANGUAGE_PROBABILITY = 0.6

_lock = threading.Lock()
_cached: Pipeline | None = None


def _language_model() -> Pipeline:
    global _cached
    with _lock:
        if _cached is None:
            examples = load_examples("train")
            pipeline = make_pipeline(
                TfidfVectorizer(preprocessor=normalise, analyzer="char_wb", ngram_range=(1, 4)),
                MultinomialNB(alpha=0.1),
            )
            pipeline.fit([e.text for e in examples], [e.lang for e in examples])
            _cached = pipeline
        return _cached


def check_language(lang: str) -> str:
    """Return the language code if creditflow understands it, else raise ValueError."""
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)}, not {lang!r}")
    return lang


def detect_language(text: str, *, default: str = "nl") -> str:
    """The language of a message (nl or en); `default` when the text gives too little evidence."""
    check_language(default)
    if not any(ch.isalpha() for ch in text):
        return default
    pipeline = _language_model()
    probabilities = pipeline.predict_proba([text])[0]
    best = int(probabilities.argmax())
    if probabilities[best] < MIN_LANGUAGE_PROBABILITY:
        return default
    return str(pipeline.classes_[best])
