"""Render a message template for one channel, language and tone.

Templates live in `templates/` (Jinja2):

- `{lang}/{template}.j2`   the wording: macros subject(), body(), short(), spoken()
                           and `asks_payment`; tone is the variable `tone` inside them;
- `{lang}/_common.j2`      greeting, closing, invoice phrases and the `label` table;
- `channels/{channel}/{part}.{txt|html}.j2`  one layout per channel part, shared by
                           every template and language;
- `{lang}/{template}/{channel}/{part}.{txt|html}.j2`  optional: replaces the layout
                           for one template only.

On channels read from a phone screen or paper (`TYPED_LINK_CHANNELS`: SMS, WhatsApp,
letter) `pay_url` and `portal_url` are the context's short links when it has them
(/l/K7QM-4XPD), so every wording macro shows the typeable form there; e-mail keeps
the full signed links.

A template that sets `offers_opt_out = false` (a login code, the confirmation of an
opt-out) gets no "reply STOP" line and no unsubscribe footer from the layouts; one
that sets `table_total = false` (a thank-you: the invoices listed are the paid ones)
gets no "amount to pay" line under its invoice list.

An organisation overrides any of these by putting a file with the same relative path
in its override folder. HTML parts are rendered with autoescape on (wording included),
text parts with it off.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
    pass_context,
)
from jinja2.runtime import Context
from markupsafe import Markup

from creditflow.messages.context import MessageContext
from creditflow.messages.formatting import (
    FALLBACK_LANGUAGE,
    format_date,
    format_list,
    format_money,
    group_reference,
    single_periods,
)

__all__ = [
    "CHANNEL_PARTS",
    "CHANNELS",
    "TEMPLATES_DIR",
    "TONES",
    "MessageTemplateError",
    "TYPED_LINK_CHANNELS",
    "RenderedMessage",
    "available_templates",
    "links_shown",
    "message_labels",
    "render_message",
    "resolve_language",
]

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TONES = ("friendly", "neutral", "firm")
FALLBACK_TONE = "neutral"

# channel -> the parts it renders: (RenderedMessage field, file kind)
CHANNEL_PARTS: Mapping[str, tuple[tuple[str, str], ...]] = {
    "email": (("subject", "txt"), ("text", "txt"), ("html", "html")),
    "sms": (("text", "txt"),),
    "whatsapp": (("text", "txt"),),
    "voice": (("text", "txt"),),
    "push": (("subject", "txt"), ("text", "txt")),
    "letter": (("subject", "txt"), ("text", "txt")),
}
CHANNELS = tuple(CHANNEL_PARTS)
TYPED_LINK_CHANNELS = frozenset({"sms", "whatsapp", "letter"})

# What a template cannot be rendered without, beyond the context's required fields.
_REQUIRED_EXTRA: Mapping[str, tuple[str, ...]] = {
    "promise_confirmation": ("promise_date", "promise_amount"),
    "promise_broken": ("promise_date", "promise_amount"),
    "payment_plan_installment_due": (
        "installment_number",
        "installment_count",
        "installment_due_date",
    ),
    "payment_plan_missed": ("installment_number", "installment_count", "installment_due_date"),
    "dispute_received": ("dispute_reference",),
    "payment_thanks": ("paid_amount",),
    "access_code": ("code", "expires_minutes"),
    "conversation_reply": ("text",),
}


class MessageTemplateError(ValueError):
    """A message cannot be rendered: unknown template or channel, missing data, bad template."""


@dataclass(frozen=True)
class RenderedMessage:
    """A rendered message: subject (email, letter, push title), text, and html (email)."""

    subject: str | None
    text: str
    html: str | None
    template: str = ""
    channel: str = ""
    language: str = ""
    asks_payment: bool = True


@lru_cache(maxsize=64)
def _environment(override_dir: str | None, html: bool) -> Environment:
    # Two environments: the wording modules are shared by text and HTML parts, and a
    # macro from a non-escaping template called inside an escaping one returns its
    # output marked safe. So for HTML everything, wording included, is compiled with
    # autoescape on, and for text everything with it off.
    loaders = [FileSystemLoader(override_dir)] if override_dir else []
    loaders.append(FileSystemLoader(str(TEMPLATES_DIR)))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=html,  # noqa: S701 - off only for plain-text parts, see above
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # The packaged templates change only with a new release: no file check per use.
        auto_reload=override_dir is not None,
    )
    env.filters["money"] = _money_filter
    env.filters["date"] = _date_filter
    env.filters["paragraphs"] = paragraphs
    env.filters["oneline"] = oneline
    env.filters["grouped"] = group_reference
    env.filters["capitalize_first"] = capitalize_first
    env.filters["lower_first"] = lower_first
    return env


def _env(override_dir: Path | None, *, html: bool = False) -> Environment:
    return _environment(str(Path(override_dir).resolve()) if override_dir else None, html)


@pass_context
def _money_filter(context: Context, value: Any) -> str:
    return format_money(value, context["lang"])


@pass_context
def _date_filter(context: Context, value: Any) -> str:
    return format_date(value, context["lang"])


def paragraphs(text: str) -> list[str]:
    """Split text on blank lines; lines inside a paragraph are joined with spaces."""
    blocks = re.split(r"\n\s*\n", str(text).strip())
    found = [" ".join(ln.strip() for ln in b.splitlines() if ln.strip()) for b in blocks]
    if isinstance(text, Markup):  # already escaped: keep it from being escaped twice
        return [Markup(p) for p in found if p]  # noqa: S704
    return [p for p in found if p]


def oneline(text: str) -> str:
    """Collapse all whitespace to single spaces."""
    joined = " ".join(str(text).split())
    return Markup(joined) if isinstance(text, Markup) else joined  # noqa: S704


def capitalize_first(text: str) -> str:
    """Upper-case the first character only ("factuur INV-1" -> "Factuur INV-1")."""
    value = str(text)
    result = value[:1].upper() + value[1:]
    return Markup(result) if isinstance(text, Markup) else result  # noqa: S704


def lower_first(text: str) -> str:
    """Lower-case the first character only, to continue a sentence."""
    value = str(text)
    result = value[:1].lower() + value[1:]
    return Markup(result) if isinstance(text, Markup) else result  # noqa: S704


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in single_periods(text).strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


@lru_cache(maxsize=4_096)
def _exists(env: Environment, name: str) -> bool:
    """Whether a template exists (looked up once per process: Jinja only caches hits)."""
    try:
        env.get_template(name)
    except TemplateError:
        return False
    return True


def available_templates(*, override_dir: Path | None = None) -> list[str]:
    """Names of the message templates (those with English wording, the fallback language).

    Listed once per process and folder: a worker picks up edits to existing templates
    at once, and new template files (names, or channel-specific overrides) after a
    restart.
    """
    return list(_template_names(str(override_dir) if override_dir else None))


@lru_cache(maxsize=16)
def _template_names(override_dir: str | None) -> tuple[str, ...]:
    env = _env(Path(override_dir) if override_dir else None)
    prefix = f"{FALLBACK_LANGUAGE}/"
    names = {
        name[len(prefix) : -len(".j2")]
        for name in env.list_templates(extensions=["j2"])
        if name.startswith(prefix)
        and name.count("/") == 1
        and not name[len(prefix)].startswith("_")
    }
    return tuple(sorted(names))


def resolve_language(template: str, language: str, *, override_dir: Path | None = None) -> str:
    """The language a template is rendered in: the one asked for, else English."""
    env = _env(override_dir)
    return language if _exists(env, f"{language}/{template}.j2") else FALLBACK_LANGUAGE


def message_labels(language: str, *, override_dir: Path | None = None) -> Mapping[str, str]:
    """The `label` table of a language (table headings and captions, e.g. for letters)."""
    env = _env(override_dir)
    lang = language if _exists(env, f"{language}/_common.j2") else FALLBACK_LANGUAGE
    module = env.get_template(f"{lang}/_common.j2").make_module({"lang": lang})
    return dict(getattr(module, "label"))  # noqa: B009 - a template variable


def _check_data(template: str, ctx: MessageContext) -> None:
    if template == "fourteen_day_letter" and ctx.costs is None and ctx.amount_due.currency == "EUR":
        # Outside EUR no WIK costs are charged (the scale is in euros), so the letter
        # announces none; in EUR it must state the exact amount (art. 6:96 lid 6 BW).
        raise MessageTemplateError(
            "fourteen_day_letter for a EUR account needs ctx.costs: "
            "the letter must state the exact collection costs"
        )
    missing = [key for key in _REQUIRED_EXTRA.get(template, ()) if key not in ctx.extra]
    if missing:
        raise MessageTemplateError(f"{template} needs ctx.extra[{', '.join(map(repr, missing))}]")


def links_shown(ctx: MessageContext, channel: str) -> tuple[str, str]:
    """The (pay, portal) links a message on `channel` shows: short ones where typed."""
    if channel in TYPED_LINK_CHANNELS:
        return ctx.pay_short_url or ctx.pay_url, ctx.portal_short_url or ctx.portal_url
    return ctx.pay_url, ctx.portal_url


def _variables(template: str, channel: str, lang: str, tone: str, ctx: MessageContext) -> dict:
    creditor = ctx.creditor
    pay_url, portal_url = links_shown(ctx, channel)
    return {
        "ctx": ctx,
        "creditor": creditor,
        "extra": ctx.extra,
        "template": template,
        "channel": channel,
        "lang": lang,
        "tone": tone,
        "business": ctx.customer_kind == "business",
        "amount": format_money(ctx.amount_due, lang),
        "amount_nl": format_money(ctx.amount_due, "nl"),
        "open_total": format_money(ctx.open_total, lang),
        "costs": format_money(ctx.costs, lang) if ctx.costs is not None else None,
        "interest": format_money(ctx.interest, lang) if ctx.interest is not None else None,
        "today": format_date(ctx.today, lang),
        "first_due": format_date(min(i.due_date for i in ctx.invoices), lang)
        if ctx.invoices
        else "",
        "same_due": len({i.due_date for i in ctx.invoices}) <= 1,
        "invoice_numbers": [i.invoice_number for i in ctx.invoices],
        "invoice_list": format_list([i.invoice_number for i in ctx.invoices], lang),
        "count": len(ctx.invoices),
        "iban": group_reference(creditor.iban),
        "reference": group_reference(ctx.payment_reference) if ctx.payment_reference else None,
        "pay_url": pay_url,
        "portal_url": portal_url,
        "opt_out_url": ctx.opt_out_url or portal_url,
    }


def render_message(
    template: str,
    channel: str,
    ctx: MessageContext,
    *,
    override_dir: Path | None = None,
    with_html: bool = True,
) -> RenderedMessage:
    """Render `template` for `channel` in the customer's language and tone.

    `with_html=False` leaves out an e-mail's HTML alternative (the strategy simulator:
    nobody reads it; the plain text, which the checks read, is rendered all the same).
    """
    if channel not in CHANNEL_PARTS:
        raise MessageTemplateError(
            f"unknown channel {channel!r}; expected one of {', '.join(CHANNELS)}"
        )
    known = available_templates(override_dir=override_dir)
    if template not in known:
        raise MessageTemplateError(
            f"unknown message template {template!r}; available: {', '.join(known)}"
        )
    _check_data(template, ctx)
    lang = resolve_language(template, ctx.language, override_dir=override_dir)
    tone = ctx.tone if ctx.tone in TONES else FALLBACK_TONE
    variables = _variables(template, channel, lang, tone, ctx)
    parts: dict[str, str] = {}
    asks_payment = True
    scopes: dict[bool, dict[str, Any]] = {}  # the wording modules, once per escaping mode
    try:
        for part, kind in CHANNEL_PARTS[channel]:
            html = kind == "html"
            if html and not with_html:
                continue
            env = _env(override_dir, html=html)
            scope = scopes.get(html)
            if scope is None:
                scope = scopes[html] = dict(variables)
                names = {"common": f"{lang}/_common.j2", "msg": f"{lang}/{template}.j2"}
                for key, name in names.items():
                    scope[key] = env.get_template(name).make_module(scope)
            if kind != "html":
                asks_payment = bool(getattr(scope["msg"], "asks_payment", True))
            specific = f"{lang}/{template}/{channel}/{part}.{kind}.j2"
            name = specific if _exists(env, specific) else f"channels/{channel}/{part}.{kind}.j2"
            parts[part] = env.get_template(name).render(scope)
    except TemplateError as exc:
        raise MessageTemplateError(
            f"template {template!r} for {channel} ({lang}, {tone}) failed: {exc}"
        ) from exc
    subject = parts.get("subject")
    return RenderedMessage(
        subject=single_periods(oneline(subject)) if subject is not None else None,
        text=_tidy_text(parts["text"]),
        html=single_periods(parts["html"]).strip() if "html" in parts else None,
        template=template,
        channel=channel,
        language=lang,
        asks_payment=asks_payment,
    )
