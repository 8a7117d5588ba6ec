"""Optional LLM phrasing of reminders and conversation answers (off by default).

Any OpenAI-compatible chat completions endpoint may reword a rendered message in the
customer's language and tone. The template's text is the baseline: the model gets it
with the facts that must stay exact, and its answer is used only when
`check_text` finds no problem (amount, due date, links, invoice numbers, no threats,
no new links or amounts, no markup, length). Otherwise, and whenever the endpoint is
slow, failing or off, the template text is sent unchanged. Legal letters are never
sent to a model: their wording is fixed by law.

```toml
[llm]                                  # parsed once into settings.llm (creditflow.config)
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
from dataclasses import dataclass
from typing import Any, Protocol

from creditflow.config import ConfigError, Settings
from creditflow.config.sections import PERSONALISABLE_CHANNELS, LlmSettings
from creditflow.messages.context import MessageContext
from creditflow.messages.llm_check import (
    DEFAULT_MAX_CHARS,
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
    "personalise_message",
    "phrase_reply",
]

log = logging.getLogger(__name__)

LEGAL_TEMPLATES = frozenset({"fourteen_day_letter", "final_notice_business"})
# Legal wording, a login code, and an answer that is phrased already.
NEVER_PERSONALISED = LEGAL_TEMPLATES | {"access_code", "conversation_reply"}
REPLY_CHANNELS = ("sms", "whatsapp", "email", "chat")
# The confirmation of an opt-out is a compliance message: its wording stays.
FIXED_REPLIES = frozenset({"opt_out"})


class Completer(Protocol):
    """What personalise_message needs of a client: one chat completion."""

    def complete(self, system: str, user: str, *, max_tokens: int) -> str:
        """The model's answer to the system and user messages."""
        ...


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
    config = settings.llm
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
