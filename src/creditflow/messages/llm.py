"""Optional LLM phrasing of reminders and conversation answers (off by default).

Any OpenAI-compatible chat completions endpoint may reword a rendered message in the
customer's language and tone. The template's text is the baseline: the model gets it
with the facts that must stay exact, and its answer is used only when
`check_text` finds no problem (amount, due date, links, invoice numbers, no threats,
no new links or amounts, no markup, length). Otherwise, and whenever the endpoint is
slow, failing or off, the template text is sent unchanged. Legal letters are never
sent to a model: their wording is fixed by law.

```toml
[llm]
enabled = false
base_url = "http://127.0.0.1:11434"    # POST {base_url}/v1/chat/completions
model = "llama3.1"
api_key_env = "CREDITFLOW_LLM_API_KEY" # Bearer key, from this environment variable
timeout_seconds = 10
temperature = 0.3
channels = ["sms", "whatsapp", "push"] # which outbound channels are reworded
replies = true                         # conversation answers too
sms_max_segments = 2
[llm.max_chars]
whatsapp = 1000
```
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from creditflow.config import ConfigError, Settings
from creditflow.messages.context import MessageContext
from creditflow.messages.llm_check import (
    DEFAULT_MAX_CHARS,
    DEFAULT_SMS_SEGMENTS,
    Facts,
    check_text,
    message_facts,
    reply_facts,
)
from creditflow.messages.llm_client import ChatClient, LlmError
from creditflow.messages.llm_prompt import reply_prompt, system_prompt
from creditflow.messages.render import RenderedMessage

__all__ = [
    "FIXED_REPLIES",
    "LEGAL_TEMPLATES",
    "NEVER_PERSONALISED",
    "PERSONALISABLE_CHANNELS",
    "REPLY_CHANNELS",
    "Completer",
    "LlmSettings",
    "PersonalisedMessage",
    "PhrasedText",
    "llm_client",
    "llm_settings",
    "personalise_message",
    "phrase_reply",
]

log = logging.getLogger(__name__)

LEGAL_TEMPLATES = frozenset({"fourteen_day_letter", "final_notice_business"})
# Legal wording, a login code, and an answer that is phrased already.
NEVER_PERSONALISED = LEGAL_TEMPLATES | {"access_code", "conversation_reply"}
# Channels whose message is one plain text (email keeps its HTML layout, a letter its
# PDF, a robocall its script); conversation answers go out on these.
PERSONALISABLE_CHANNELS = ("sms", "whatsapp", "push")
REPLY_CHANNELS = ("sms", "whatsapp", "email", "chat")
# The confirmation of an opt-out is a compliance message: its wording stays.
FIXED_REPLIES = frozenset({"opt_out"})
_KNOWN = {
    "enabled",
    "base_url",
    "model",
    "api_key_env",
    "timeout_seconds",
    "temperature",
    "max_chars",
    "channels",
    "replies",
    "sms_max_segments",
}


class Completer(Protocol):
    """What personalise_message needs of a client: one chat completion."""

    def complete(self, system: str, user: str, *, max_tokens: int) -> str:
        """The model's answer to the system and user messages."""
        ...


@dataclass(frozen=True)
class LlmSettings:
    """The `[llm]` section: endpoint, model and limits (the key stays in the environment)."""

    enabled: bool = False
    base_url: str = ""
    model: str = ""
    api_key_env: str = ""
    timeout_seconds: float = 10.0
    temperature: float = 0.3
    max_chars: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_MAX_CHARS))
    channels: tuple[str, ...] = PERSONALISABLE_CHANNELS
    replies: bool = True
    sms_max_segments: int = DEFAULT_SMS_SEGMENTS


@dataclass(frozen=True)
class PersonalisedMessage(RenderedMessage):
    """A rendered message after the optional phrasing step, with why the template was kept."""

    personalised: bool = False
    fallback_reason: str | None = None


@dataclass(frozen=True)
class PhrasedText:
    """A conversation answer after the optional phrasing step."""

    text: str
    personalised: bool = False
    fallback_reason: str | None = None


def _number(section: Mapping[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(f"[llm] {key}: expected a number from {low} to {high}, got {value!r}")
    return float(value)


def _max_chars(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"[llm] max_chars: expected a table of channel = number, got {value!r}")
    limits = dict(DEFAULT_MAX_CHARS)
    for channel, limit in value.items():
        if channel not in DEFAULT_MAX_CHARS:
            raise ConfigError(
                f"[llm] max_chars.{channel}: unknown channel; "
                f"expected one of {', '.join(DEFAULT_MAX_CHARS)}"
            )
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 20:
            raise ConfigError(f"[llm] max_chars.{channel}: expected a number >= 20, got {limit!r}")
        limits[channel] = limit
    return limits


def llm_settings(settings: Settings) -> LlmSettings:
    """The `[llm]` section of the configuration; absent means disabled."""
    section = settings.raw.get("llm") or {}
    if not isinstance(section, Mapping):
        raise ConfigError("[llm]: expected a table")
    unknown = set(section) - _KNOWN
    if unknown:
        raise ConfigError(f"[llm]: unknown setting(s) {', '.join(sorted(unknown))}")
    for key in ("enabled", "replies"):
        if not isinstance(section.get(key, False), bool):
            raise ConfigError(f"[llm] {key}: expected true or false")
    channels = tuple(section.get("channels", PERSONALISABLE_CHANNELS))
    wrong = [c for c in channels if c not in PERSONALISABLE_CHANNELS]
    if wrong:
        raise ConfigError(
            f"[llm] channels: {', '.join(map(str, wrong))} cannot be reworded; "
            f"expected some of {', '.join(PERSONALISABLE_CHANNELS)}"
        )
    config = LlmSettings(
        enabled=section.get("enabled", False),
        base_url=str(section.get("base_url", "")).rstrip("/"),
        model=str(section.get("model", "")),
        api_key_env=str(section.get("api_key_env", "")),
        timeout_seconds=_number(section, "timeout_seconds", 10.0, 0.05, 300.0),
        temperature=_number(section, "temperature", 0.3, 0.0, 2.0),
        max_chars=_max_chars(section.get("max_chars", {})),
        channels=channels,
        replies=section.get("replies", True),
        sms_max_segments=int(_number(section, "sms_max_segments", DEFAULT_SMS_SEGMENTS, 1, 10)),
    )
    if config.enabled:
        if not config.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"[llm] base_url: expected an http(s) URL, got {config.base_url!r}")
        if not config.model:
            raise ConfigError("[llm] model: required when [llm] enabled = true")
    return config


def llm_client(config: LlmSettings, environ: Mapping[str, str] | None = None) -> ChatClient:
    """A chat client for the endpoint, with the Bearer key from `api_key_env` (if named)."""
    env = os.environ if environ is None else environ
    key: str | None = None
    if config.api_key_env:
        key = env.get(config.api_key_env) or None
        if key is None:
            raise ConfigError(
                f"[llm] api_key_env: environment variable {config.api_key_env} is unset"
            )
    return ChatClient(
        config.base_url,
        config.model,
        api_key=key,
        timeout_seconds=config.timeout_seconds,
        temperature=config.temperature,
    )


def _max_tokens(max_chars: int) -> int:
    # A token is three to four characters of Dutch or English; leave room to finish.
    return max(64, max_chars // 2)


def _ask(
    config: LlmSettings,
    client: Completer | None,
    system: str,
    user: str,
    max_chars: int,
) -> str:
    """The model's text; raises LlmError or ConfigError (the caller falls back)."""
    if client is not None:
        return client.complete(system, user, max_tokens=_max_tokens(max_chars))
    with llm_client(config) as own:
        return own.complete(system, user, max_tokens=_max_tokens(max_chars))


def _phrase(
    config: LlmSettings,
    client: Completer | None,
    *,
    system: str,
    original: str,
    facts: Facts,
    channel: str,
    what: str,
) -> tuple[str | None, str | None]:
    """(accepted text, None) or (None, why the template text stays)."""
    max_chars = config.max_chars.get(channel, DEFAULT_MAX_CHARS["chat"])
    try:
        text = _ask(config, client, system, original, max_chars).strip()
    except (LlmError, ConfigError) as exc:
        log.warning("LLM phrasing of %s not used: %s", what, exc)
        return None, str(exc)
    problems = check_text(
        text,
        facts,
        original=original,
        channel=channel,
        max_chars=max_chars,
        sms_max_segments=config.sms_max_segments,
    )
    if problems:
        codes = sorted({problem.split(":", 1)[0] for problem in problems})
        log.warning("LLM phrasing of %s rejected by the checks: %s", what, ", ".join(codes))
        return None, "rejected: " + "; ".join(problems)
    return text, None


def _settings_or_reason(settings: Settings) -> tuple[LlmSettings | None, str | None]:
    try:
        config = llm_settings(settings)
    except ConfigError as exc:
        log.warning("LLM phrasing is off: %s", exc)
        return None, f"configuration: {exc}"
    return (config, None) if config.enabled else (None, "disabled")


def personalise_message(
    rendered: RenderedMessage,
    ctx: MessageContext,
    settings: Settings,
    *,
    client: Completer | None = None,
) -> PersonalisedMessage:
    """The rendered message, reworded by the configured model when that passes every check.

    Without `[llm] enabled = true`, for legal letters and for channels that are not
    reworded, the message comes back unchanged without any network call.
    """
    config, reason = _settings_or_reason(settings)
    if config is not None:
        if rendered.template in NEVER_PERSONALISED:
            reason = f"{rendered.template}: fixed wording, never reworded"
        elif rendered.channel not in config.channels:
            reason = f"{rendered.channel}: channel not reworded"
    if config is None or reason is not None:
        return PersonalisedMessage(**_fields(rendered), fallback_reason=reason)
    facts = message_facts(ctx, rendered.text)
    max_chars = config.max_chars.get(rendered.channel, DEFAULT_MAX_CHARS["chat"])
    system = system_prompt(
        creditor=ctx.creditor.name,
        language=rendered.language or ctx.language,
        tone=ctx.tone,
        channel=rendered.channel,
        facts=facts,
        max_chars=max_chars,
        sms_max_segments=config.sms_max_segments,
    )
    what = f"{rendered.template}/{rendered.channel}"
    text, reason = _phrase(
        config,
        client,
        system=system,
        original=rendered.text,
        facts=facts,
        channel=rendered.channel,
        what=what,
    )
    if text is None:
        return PersonalisedMessage(**_fields(rendered), fallback_reason=reason)
    return PersonalisedMessage(**(_fields(rendered) | {"text": text}), personalised=True)


def _fields(rendered: RenderedMessage) -> dict[str, Any]:
    return {
        "subject": rendered.subject,
        "text": rendered.text,
        "html": rendered.html,
        "template": rendered.template,
        "channel": rendered.channel,
        "language": rendered.language,
        "asks_payment": rendered.asks_payment,
    }


def phrase_reply(
    text: str,
    settings: Settings,
    *,
    intent: str,
    language: str,
    channel: str,
    creditor: str,
    client: Completer | None = None,
) -> PhrasedText:
    """A conversation answer, reworded by the configured model when that passes every check.

    The model sees only the answer itself (never the debtor's message); its links and
    every word with a digit in it (dates, invoice numbers, days) must stay exact.
    """
    config, reason = _settings_or_reason(settings)
    if config is not None and intent in FIXED_REPLIES:
        reason = f"{intent}: fixed wording, never reworded"
    elif config is not None and not config.replies:
        reason = "replies are not reworded"
    elif config is not None and channel not in REPLY_CHANNELS:
        reason = f"{channel}: channel not reworded"
    if config is None or reason is not None:
        return PhrasedText(text, fallback_reason=reason)
    facts = reply_facts(text)
    max_chars = config.max_chars.get(channel, DEFAULT_MAX_CHARS["chat"])
    system = reply_prompt(
        creditor=creditor,
        language=language,
        channel=channel,
        facts=facts,
        max_chars=max_chars,
        sms_max_segments=config.sms_max_segments,
    )
    phrased, reason = _phrase(
        config,
        client,
        system=system,
        original=text,
        facts=facts,
        channel=channel,
        what=f"reply {intent}/{channel}",
    )
    if phrased is None:
        return PhrasedText(text, fallback_reason=reason)
    return PhrasedText(phrased, personalised=True)
