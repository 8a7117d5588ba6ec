"""The labelled debtor replies shipped with creditflow (data/intents.csv)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

INTENTS: tuple[str, ...] = (
    "pay_link",
    "already_paid",
    "promise",
    "payment_plan",
    "dispute",
    "invoice_question",
    "invoice_copy",
    "opt_out",
    "human",
    "unknown",
)
LANGUAGES: tuple[str, ...] = ("nl", "en")
SPLITS: tuple[str, ...] = ("train", "heldout")
DATA_FILE = Path(__file__).resolve().parent / "data" / "intents.csv"
COLUMNS = ("text", "lang", "intent", "split")

Split = Literal["train", "heldout"]


class DatasetError(ValueError):
    """A row of the intents file is malformed; the message names the line and column."""


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled debtor message."""

    text: str
    lang: str
    intent: str
    split: str
    line: int


def read_examples(path: Path) -> tuple[Example, ...]:
    """Read and validate a labelled file with the columns text,lang,intent,split."""
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise DatasetError(f"{path.name}: missing column(s) {', '.join(missing)}")
        examples = []
        for row in reader:
            line = reader.line_num
            text = (row["text"] or "").strip()
            checks = (
                ("text", text, bool(text)),
                ("lang", row["lang"], row["lang"] in LANGUAGES),
                ("intent", row["intent"], row["intent"] in INTENTS),
                ("split", row["split"], row["split"] in SPLITS),
            )
            for column, value, ok in checks:
                if not ok:
                    raise DatasetError(f"{path.name} line {line}: bad {column} {value!r}")
            examples.append(Example(text, row["lang"], row["intent"], row["split"], line))
    return tuple(examples)


@lru_cache(maxsize=1)
def _shipped() -> tuple[Example, ...]:
    return read_examples(DATA_FILE)


def load_examples(split: Split | None = None) -> tuple[Example, ...]:
    """The shipped examples, optionally only one split (train or heldout)."""
    examples = _shipped()
    if split is None:
        return examples
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    return tuple(e for e in examples if e.split == split)
