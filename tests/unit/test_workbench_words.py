"""The workbench's words: one Dutch text per English text, whichever page module says it."""

from __future__ import annotations

import pkgutil
from importlib import import_module

from creditflow.staff.texts import TEXTS as STAFF_TEXTS
from creditflow.workbench import words


def test_no_two_page_modules_translate_the_same_text_differently():
    seen: dict[str, tuple[str, dict[str, str]]] = {k: ("staff", v) for k, v in STAFF_TEXTS.items()}
    clashes = []
    for module in pkgutil.iter_modules(words.__path__):
        texts = import_module(f"{words.__name__}.{module.name}").TEXTS
        for english, translated in texts.items():
            first = seen.setdefault(english, (module.name, translated))
            if first[1] != translated:
                clashes.append(f"{english!r}: {first[0]} {first[1]} vs {module.name} {translated}")
    assert not clashes, "\n".join(clashes)
