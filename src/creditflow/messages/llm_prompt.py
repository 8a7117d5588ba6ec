"""The instructions a model gets to reword a reminder or a conversation answer."""

from __future__ import annotations

from creditflow.messages.llm_check import Facts, required_lines

__all__ = ["reply_prompt", "system_prompt"]

LANGUAGE_NAMES = {"nl": "Dutch", "en": "English"}
TONE_WORDS = {
    "friendly": "friendly and warm",
    "neutral": "neutral and businesslike",
    "firm": "firm but respectful",
}
CHANNEL_NAMES = {
    "sms": "SMS",
    "whatsapp": "WhatsApp message",
    "push": "app notification",
    "email": "e-mail",
    "chat": "chat message",
}

_RULES = """Rules:
- Keep each of these exactly as written, character for character (same spaces, same
  punctuation, links unchanged and complete):
{facts}
- Do not threaten. Never mention bailiffs, courts, lawsuits, seizure, the police,
  credit registers, employers or collection agencies.
- Add nothing that is not in the message: no new facts, amounts, dates, deadlines,
  links, phone numbers, promises or legal claims.
- Plain text only: no HTML, no Markdown, no emoji.
- {length}
- Answer with the reworded message only, without quotes or explanations."""


def _length(channel: str, max_chars: int, sms_max_segments: int) -> str:
    if channel == "sms":
        return (
            f"At most {min(max_chars, 153 * sms_max_segments)} characters, using only plain "
            "letters, digits and common punctuation (the SMS alphabet)."
        )
    return f"At most {max_chars} characters."


def _rules(facts: Facts, channel: str, max_chars: int, sms_max_segments: int) -> str:
    lines = required_lines(facts) or ["- (nothing)"]
    return _RULES.format(
        facts="\n".join(f"  {line}" for line in lines),
        length=_length(channel, max_chars, sms_max_segments),
    )


def system_prompt(
    *,
    creditor: str,
    language: str,
    tone: str,
    channel: str,
    facts: Facts,
    max_chars: int,
    sms_max_segments: int = 2,
) -> str:
    """The system message for rewording one reminder; the user message is the template text."""
    head = (
        f"You reword a {CHANNEL_NAMES.get(channel, channel)} that {creditor} sends to a "
        "customer about payment. The user message is the approved text. Rewrite it in "
        f"{LANGUAGE_NAMES.get(language, 'English')}, in a "
        f"{TONE_WORDS.get(tone, TONE_WORDS['neutral'])} tone, clearer and more personal, "
        "with the same meaning."
    )
    return f"{head}\n\n{_rules(facts, channel, max_chars, sms_max_segments)}"


def reply_prompt(
    *,
    creditor: str,
    language: str,
    channel: str,
    facts: Facts,
    max_chars: int,
    sms_max_segments: int = 2,
) -> str:
    """The system message for rewording one answer to a customer's message."""
    head = (
        f"You reword the answer {creditor} gives to a customer's {CHANNEL_NAMES.get(channel, channel)}"
        " about their invoices. The user message is the approved answer. Rewrite it in "
        f"{LANGUAGE_NAMES.get(language, 'English')}, friendly and short, with the same meaning."
    )
    return f"{head}\n\n{_rules(facts, channel, max_chars, sms_max_segments)}"
