"""What a missing value or a careless join leaves in a rendered message, found."""

from __future__ import annotations

import re

# What a missing value or a careless join leaves in a sentence.
ARTEFACTS = [
    (re.compile(r"[^\S\n]{2,}"), "doubled space"),
    (re.compile(r" [.,;:!?]"), "space before punctuation"),
    (re.compile(r"B\.V\.\."), "name's period doubled"),
    (re.compile(r"(?<!\.)\.\.(?!\.)"), "doubled period"),
    (re.compile(r"\b(None|Decimal\(|Money\(|datetime\.date)"), "Python repr"),
    (re.compile(r"\[\]|\{\}|\(\)"), "empty container"),
    (re.compile(r"\{\{|\{%|%\}|\}\}"), "unrendered Jinja"),
    (
        re.compile(r"\b(for|voor|of|van|about|over|met|with) (invoices|facturen)[ .,]*[.,)]"),
        "empty list",
    ),
    (re.compile(r"\b(invoices|facturen) (and|en)\b"), "empty list"),
    (re.compile(r"\b\d+ invoices (is|has)\b"), "plural with singular verb"),
    (re.compile(r"\b1 (invoices|facturen)\b"), "singular count with plural noun"),
    (re.compile(r"Payment of \d+ invoices are\b"), "plural verb on 'payment'"),
]


def artefacts(text: str) -> list[str]:
    """Every artefact found in `text`, with the words around it."""
    found = []
    for line in text.splitlines():
        for pattern, name in ARTEFACTS:
            for match in pattern.finditer(line):
                start = max(0, match.start() - 30)
                found.append(f"{name}: ...{line[start : match.end() + 30]}...")
    return found


def visible_html_text(html: str) -> str:
    """The text of an HTML e-mail as a reader sees it (tags out, entities kept)."""
    text = re.sub(r"<(style|title)[^>]*>.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<br\s*/?>|</(p|td|th|tr|table)>", "\n", text)
    text = re.sub(r"<[^>]+>", "", text)
    return "\n".join(" ".join(line.split()) for line in text.splitlines())
