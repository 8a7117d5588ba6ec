"""Every text in the portal templates and code has a Dutch translation."""

from __future__ import annotations

import io
from importlib import resources

from babel.messages.extract import extract

from creditflow.portal.i18n import catalog_text, gettext_for, pick_language
from creditflow.portal.routes import REFUSALS
from creditflow.portal.web import DENIAL_TEXT


def _msgids() -> set[str]:
    root = resources.files("creditflow.portal")
    found: set[str] = set(REFUSALS.values()) | set(DENIAL_TEXT.values())
    for item in (root / "templates").iterdir():
        if item.name.endswith(".html"):
            data = io.BytesIO(item.read_bytes())
            found |= {m for _, m, _, _ in extract("jinja2.ext:babel_extract", data)}
    for name in ("routes.py", "access_routes.py", "web.py"):
        data = io.BytesIO((root / name).read_bytes())
        found |= {m for _, m, _, _ in extract("python", data, keywords={"_": None})}
    return {m for m in found if isinstance(m, str)}


def test_every_portal_text_is_translated_to_dutch():
    dutch = gettext_for("nl")
    missing = sorted(
        m
        for m in _msgids()
        if dutch.gettext(m) == m and m not in {"Open", "Code", "Status", "WhatsApp", "E-mail"}
    )
    assert missing == []


def test_placeholders_survive_translation():
    dutch = gettext_for("nl")
    for msgid in _msgids():
        for placeholder in ("{date}", "{days}", "{number}", "{reference}", "{mb}"):
            if placeholder in msgid:
                assert placeholder in dutch.gettext(msgid), msgid


def test_language_choice():
    assert pick_language("EN", "nl") == "en"
    assert pick_language(None, "de", "nl") == "nl"
    assert pick_language("fr") == "nl"
    assert catalog_text("en") is None
    assert gettext_for("en").gettext("Pay now") == "Pay now"
    assert gettext_for("nl").gettext("Pay now") == "Nu betalen"
