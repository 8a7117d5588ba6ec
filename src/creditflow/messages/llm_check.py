"""Checks on a text an LLM wrote: the facts stay exact and nothing is added.

Pure functions of the proposed text, the template's own text (the baseline) and the
facts taken from the message context. Any problem found means the template text is
sent instead. Each problem starts with a short code ("amount: ...") so that callers
can log the code without the personal data that may follow it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from creditflow.config.sections import DEFAULT_MAX_CHARS, DEFAULT_SMS_SEGMENTS
from creditflow.messages.context import MessageContext
from creditflow.messages.formatting import FALLBACK_LANGUAGE, format_date, format_money
from creditflow.messages.sms import sms_segments

__all__ = [
    "DEFAULT_MAX_CHARS",
    "ESCALATION_WORDS",
    "THREAT_WORDS",
    "Facts",
    "check_llm_text",
    "check_text",
    "find_amounts",
    "find_urls",
    "message_facts",
    "reply_facts",
]


# Never acceptable in a reminder or an answer written by a model (NL and EN).
# Dutch words are matched inside compounds ("gerechtsdeurwaarder", "loonbeslag").
THREAT_WORDS: Mapping[str, str] = {
    "deurwaarder": r"deurwaarder",
    "rechtszaak": r"rechtszaak|rechtszaken",
    "rechtbank": r"rechtbank",
    "rechter": r"\brechter",
    "dagvaarding": r"dagvaard",
    "beslag": r"beslag",
    "politie": r"politie",
    "arrestatie": r"arrest",
    "gevangenis": r"gevangenis",
    "aangifte": r"aangifte",
    "strafbaar": r"strafbaar|strafrecht",
    "bkr": r"\bbkr\b",
    "zwarte lijst": r"zwarte\s+lijst",
    "juridische stappen": r"juridische\s+stappen|gerechtelijke\s+stappen",
    "ontruiming": r"ontruim",
    "dreigen": r"\bdreig|\bbedreig",
    "werkgever": r"werkgever",
    "lawsuit": r"\blawsuits?\b",
    "sue": r"\bsu(?:e|ed|es|ing)\b",
    "court": r"\bcourts?\b",
    "bailiff": r"\bbailiffs?\b",
    "police": r"\bpolice\b",
    "jail": r"\bjail|\bprison",
    "seize": r"\bseiz(?:e|ed|es|ing|ure)",
    "garnish": r"\bgarnish",
    "repossess": r"\brepossess",
    "criminal": r"\bcriminal|\bprosecut",
    "legal action": r"\blegal\s+(?:action|proceedings|steps)",
    "judgment": r"\bjudge?ment",
    "credit record": r"\bcredit\s+(?:record|score|rating|bureau|file)",
    "blacklist": r"\bblack\s?list",
    "threat": r"\bthreat",
    "employer": r"\bemployer",
}
# Escalation the template may announce itself (never in the non-legal templates);
# a model may repeat it, never introduce it.
ESCALATION_WORDS: Mapping[str, str] = {
    "incasso": r"incasso",
    "gerechtelijk": r"gerechtelijk",
    "collection agency": r"\bcollection\s+agenc|\bdebt\s+collect",
    "collection costs": r"\bcollection\s+costs",
    "sommatie": r"\bsommatie|\bsommeren",
    "final notice": r"\bfinal\s+notice|laatste\s+aanmaning",
}
_THREATS = {word: re.compile(pattern, re.IGNORECASE) for word, pattern in THREAT_WORDS.items()}
_ESCALATIONS = {w: re.compile(p, re.IGNORECASE) for w, p in ESCALATION_WORDS.items()}

_TRAILING = ".,;:!?)]}'\"*"
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"'\[\]()]+"  # a link with a scheme or www.
    r"|[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}\b"  # an e-mail address
    r"|\b(?:[a-z0-9-]+\.)+[a-z]{2,}(?:/[^\s<>\"']*)?",  # a bare domain, with a path
    re.IGNORECASE,
)
_AMOUNT = re.compile(
    r"(?:€|EUR|\$|£|USD|GBP)\s?\d(?:[\d.,]*\d)?|\d(?:[\d.,]*\d)?\s?(?:€|EUR\b|euro\b)",
    re.IGNORECASE,
)
_MARKUP = (
    ("markup", re.compile(r"<\s*/?\s*[a-z!?]", re.IGNORECASE)),
    ("markup", re.compile(r"&(?:[a-z]+|#\d+|#x[0-9a-f]+);", re.IGNORECASE)),
    ("script", re.compile(r"\b(?:javascript|vbscript)\s*:|\bdata:[a-z]+/", re.IGNORECASE)),
    ("markup", re.compile(r"\]\(|!\[")),  # a Markdown link or image
)
# Control characters other than newline and tab, zero-width and bidi controls.
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


@dataclass(frozen=True)
class Facts:
    """What a rephrased text must keep exactly, and which links it may carry."""

    required: tuple[tuple[str, str], ...]
    allowed_urls: frozenset[str]
    invoice_count: int | None = None


def find_urls(text: str) -> list[str]:
    """Every link, bare domain and e-mail address in the text, without trailing punctuation."""
    return [match.group(0).rstrip(_TRAILING) for match in _URL.finditer(text)]


def find_amounts(text: str) -> list[str]:
    """Every amount written with a currency in the text, without spaces ("€412,50")."""
    return ["".join(match.group(0).split()) for match in _AMOUNT.finditer(text)]


def _money_strings(ctx: MessageContext) -> list[str]:
    languages = dict.fromkeys((ctx.language, FALLBACK_LANGUAGE))
    return [format_money(ctx.amount_due, language) for language in languages]


def _date_strings(ctx: MessageContext) -> list[str]:
    dates = [invoice.due_date for invoice in ctx.invoices]
    dates += [value for value in ctx.extra.values() if isinstance(value, date)]
    languages = dict.fromkeys((ctx.language, FALLBACK_LANGUAGE))
    return list(
        dict.fromkeys(format_date(d, lang) for d in sorted(set(dates)) for lang in languages)
    )


def _has_word(word: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text) is not None


def message_facts(ctx: MessageContext, original: str) -> Facts:
    """The facts of a rendered message that a rephrasing must keep (those the template shows)."""
    required: list[tuple[str, str]] = []
    for amount in _money_strings(ctx):
        if amount in original:
            required.append(("amount due", amount))
            break
    required += [("due date", text) for text in _date_strings(ctx) if text in original]
    links = {
        "pay link": ctx.pay_url,
        "portal link": ctx.portal_url,
        "opt-out link": ctx.opt_out_url or "",
    }
    shown_urls = set(find_urls(original))
    required += [(what, url) for what, url in links.items() if url and url in shown_urls]
    # short links are shown without "https://", so they are found as text
    shorts = {"pay link": ctx.pay_short_url, "portal link": ctx.portal_short_url}
    required += [(what, url) for what, url in shorts.items() if url and url in original]
    numbers = [i.invoice_number for i in ctx.invoices if _has_word(i.invoice_number, original)]
    required += [("invoice number", number) for number in numbers]
    count = len(ctx.invoices)
    invoice_count = count if not numbers and count and _has_word(str(count), original) else None
    if ctx.creditor.name in original:
        required.append(("creditor", ctx.creditor.name))
    if _has_word("STOP", original):
        required.append(("opt-out instruction", "STOP"))
    allowed = shown_urls | {url for url in links.values() if url}
    return Facts(tuple(required), frozenset(allowed), invoice_count)


def reply_facts(original: str) -> Facts:
    """The facts of a short answer: its links, and every word with a digit (dates, numbers)."""
    urls = find_urls(original)
    without_urls = original
    for url in urls:
        without_urls = without_urls.replace(url, " ")
    tokens = [t.strip(_TRAILING) for t in without_urls.split() if any(c.isdigit() for c in t)]
    required = [("link", url) for url in dict.fromkeys(urls)]
    required += [("fact", token) for token in dict.fromkeys(tokens) if token]
    return Facts(tuple(required), frozenset(urls))


def check_text(
    text: str,
    facts: Facts,
    *,
    original: str,
    channel: str,
    max_chars: int | None = None,
    sms_max_segments: int = DEFAULT_SMS_SEGMENTS,
) -> list[str]:
    """Problems with a proposed text; empty when it may be sent instead of `original`."""
    if not text.strip():
        return ["empty: the model returned no text"]
    problems: list[str] = []
    found_urls = find_urls(text)
    for what, value in facts.required:
        kept = value in found_urls if "link" in what else value in text
        if not kept:
            problems.append(f"missing: the {what} {value!r} is not in the text exactly")
    if facts.invoice_count is not None and not _has_word(str(facts.invoice_count), text):
        problems.append(f"missing: the number of invoices ({facts.invoice_count})")
    new_urls = [url for url in found_urls if url not in facts.allowed_urls]
    problems += [f"link: {url!r} is not one of the message's links" for url in new_urls]
    known_amounts = set(find_amounts(original))
    problems += [
        f"amount: {amount!r} is not an amount of the message"
        for amount in dict.fromkeys(find_amounts(text))
        if amount not in known_amounts
    ]
    problems += [f"threat: {word!r}" for word, rx in _THREATS.items() if rx.search(text)]
    problems += [
        f"threat: {word!r} is not in the template"
        for word, rx in _ESCALATIONS.items()
        if rx.search(text) and not rx.search(original)
    ]
    problems += sorted(
        {f"{code}: HTML, script or Markdown" for code, rx in _MARKUP if rx.search(text)}
    )
    if _HIDDEN.search(text):
        problems.append("hidden: control or invisible characters")
    limit = max_chars if max_chars is not None else DEFAULT_MAX_CHARS.get(channel)
    if limit is not None and len(text) > limit:
        problems.append(f"length: {len(text)} characters, at most {limit} for {channel}")
    if channel == "sms" and sms_segments(text) > sms_max_segments:
        problems.append(f"length: {sms_segments(text)} SMS segments, at most {sms_max_segments}")
    return problems


def check_llm_text(
    text: str,
    ctx: MessageContext,
    channel: str,
    *,
    original: str,
    max_chars: int | None = None,
    sms_max_segments: int = DEFAULT_SMS_SEGMENTS,
) -> list[str]:
    """Problems with a model's rephrasing of the message `original` rendered from `ctx`."""
    return check_text(
        text,
        message_facts(ctx, original),
        original=original,
        channel=channel,
        max_chars=max_chars,
        sms_max_segments=sms_max_segments,
    )


def required_lines(facts: Facts) -> Sequence[str]:
    """The facts as prompt lines: "- amount due: € 412,50"."""
    lines = [f"- {what}: {value}" for what, value in facts.required]
    if facts.invoice_count is not None:
        lines.append(f"- number of invoices: {facts.invoice_count}")
    return lines
