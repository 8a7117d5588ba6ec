"""The workbench's words: the staff pages' texts plus one `words` module per page."""

from __future__ import annotations

import pkgutil
from functools import lru_cache
from importlib import import_module

from creditflow.staff.texts import TEXTS as STAFF_TEXTS


@lru_cache(maxsize=1)
def texts() -> dict[str, dict[str, str]]:
    """Every workbench text with its translations (English is the source)."""
    from creditflow.workbench import words

    merged = dict(STAFF_TEXTS)
    for module in pkgutil.iter_modules(words.__path__):
        merged.update(import_module(f"{words.__name__}.{module.name}").TEXTS)
    return merged


def translate(lang: str, text: str) -> str:
    """The text in the language; the English source when there is no translation."""
    return texts().get(text, {}).get(lang, text)
