"""Portal translations: gettext catalogs (.po) shipped in the package, read with Babel.

The templates and the code are written in English; `translations/<lang>/LC_MESSAGES/
messages.po` holds the other languages. The .po file is compiled in memory on first
use (no build step), so an edited catalog is picked up on restart.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from importlib import resources
from io import BytesIO

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LANGUAGES = ("nl", "en")
SOURCE_LANGUAGE = "en"


def pick_language(*candidates: str | None) -> str:
    """The first supported language among the candidates (query, customer, default)."""
    for candidate in candidates:
        code = (candidate or "").strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return LANGUAGES[0]


def catalog_text(lang: str) -> str | None:
    """The .po source of a language, None for the source language or an unknown one."""
    if lang == SOURCE_LANGUAGE or lang not in LANGUAGES:
        return None
    path = (
        resources.files("creditflow.portal") / "translations" / lang / "LC_MESSAGES" / "messages.po"
    )
    return path.read_text(encoding="utf-8")


@lru_cache(maxsize=len(LANGUAGES))
def translations(lang: str) -> gettext.NullTranslations:
    """Babel Translations for a language (identity for English)."""
    text = catalog_text(lang)
    if text is None:
        return NullTranslations()
    catalog = read_po(BytesIO(text.encode("utf-8")), locale=lang)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def gettext_for(lang: str) -> gettext.NullTranslations:
    """Shorthand used by routes and the pipeline: `gettext_for("nl").gettext("Pay")`."""
    return translations(pick_language(lang))
