"""The shipped data set and the quality of the intent model on the held-out split."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from creditflow.inbound.dataset import (
    INTENTS,
    LANGUAGES,
    DatasetError,
    Example,
    load_examples,
    read_examples,
)
from creditflow.inbound.evaluate import evaluate
from creditflow.inbound.model import intent_model, train_intent_model

MIN_HELDOUT_ACCURACY = 0.90


def test_every_intent_has_enough_examples_in_both_languages() -> None:
    counts = Counter((e.intent, e.lang, e.split) for e in load_examples())
    for intent in INTENTS:
        for lang in LANGUAGES:
            assert counts[(intent, lang, "train")] >= 60, (intent, lang)
            assert counts[(intent, lang, "heldout")] >= 25, (intent, lang)


def _words(text: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", text.lower()))


def test_heldout_messages_are_not_copies_of_training_messages() -> None:
    train = load_examples("train")
    train_texts = {" ".join(e.text.lower().split()) for e in train}
    for example in load_examples("heldout"):
        assert " ".join(example.text.lower().split()) not in train_texts, example.text
    # Nor a training line with one word changed: no pair shares more than 2/3 of its words.
    train_words = [(_words(e.text), e.text) for e in train]
    for example in load_examples("heldout"):
        words = _words(example.text)
        for other, text in train_words:
            if len(words) >= 3 and words | other:
                overlap = len(words & other) / len(words | other)
                assert overlap <= 2 / 3, (example.text, text)


def test_heldout_accuracy_per_language_is_at_least_90_percent() -> None:
    report = evaluate()
    for lang in LANGUAGES:
        scores = report["languages"][lang]
        assert scores["examples"] >= 250
        assert scores["accuracy"] >= MIN_HELDOUT_ACCURACY, (lang, scores, report["confusions"])


def test_the_evaluation_catches_a_wrong_model() -> None:
    heldout = load_examples("heldout")
    shifted = {a: b for a, b in zip(INTENTS, INTENTS[1:] + INTENTS[:1], strict=True)}
    mislabelled = [Example(e.text, e.lang, shifted[e.intent], e.split, e.line) for e in heldout]
    report = evaluate(mislabelled)
    assert all(report["languages"][lang]["accuracy"] < 0.2 for lang in LANGUAGES)
    assert report["confusions"][0]["count"] > 1


def test_language_detection_is_reported_and_good() -> None:
    report = evaluate()
    for lang in LANGUAGES:
        assert report["languages"][lang]["language_detection"] >= 0.95


def test_training_is_deterministic() -> None:
    train = load_examples("train")
    texts = ["ik betaal vrijdag", "what is this invoice for", "stuur link"]
    first = train_intent_model(train).predict_many(texts)
    second = train_intent_model(train).predict_many(texts)
    assert first == second


def test_the_model_is_trained_once_per_process() -> None:
    assert intent_model() is intent_model()


def test_a_bad_row_in_the_data_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "intents.csv"
    path.write_text(
        "text,lang,intent,split\nik betaal vrijdag,nl,promise,train\nhallo,nl,groet,train\n",
        encoding="utf-8",
    )
    with pytest.raises(DatasetError, match=r"line 3: bad intent 'groet'"):
        read_examples(path)


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    path = tmp_path / "intents.csv"
    path.write_text("text,lang,intent\nik betaal vrijdag,nl,promise\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="missing column"):
        read_examples(path)


def test_an_unknown_split_is_refused() -> None:
    with pytest.raises(ValueError, match="split"):
        load_examples("test")  # type: ignore[arg-type]
