"""The one interface every channel adapter has: ``send(message) -> SendResult``.

An adapter never raises for a provider's answer or a network failure: it returns a
``SendResult`` that says whether retrying can help (``transient_failure``) or not
(``permanent_failure``), and whether the contact address itself is bad
(``contact_invalid``), so dispatch can stop using that address.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, Protocol, runtime_checkable

from creditflow.money import Money

__all__ = [
    "CHANNELS",
    "Attachment",
    "Channel",
    "ChannelAdapter",
    "OutboundMessage",
    "SendResult",
    "SendStatus",
    "classify_http_status",
    "require_channel",
    "safe_file_stem",
    "send_guarded",
]

Channel = Literal["email", "sms", "whatsapp", "voice", "letter", "push"]
CHANNELS: tuple[Channel, ...] = ("email", "sms", "whatsapp", "voice", "letter", "push")
SendStatus = Literal["sent", "transient_failure", "permanent_failure"]

log = logging.getLogger(__name__)

_UNSAFE_FILE_CHARS = re.compile(r"[^A-Za-z0-9._-]")
_MAX_STEM = 80


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message (the letter PDF, an invoice copy)."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboundMessage:
    """One rendered message for one customer on one channel, ready to hand to a provider.

    ``action_id`` is the action's idempotency key; ``to`` is an e-mail address, an E.164
    phone number, or for letters the postal address lines joined by newlines. Built with
    keyword arguments only.
    """

    action_id: str
    customer_id: str
    channel: Channel
    to: str
    subject: str | None = None
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    metadata: Mapping[str, str] = field(default_factory=dict)
    status_callback_url: str | None = None

    def __post_init__(self) -> None:
        if not self.action_id:
            raise ValueError("OutboundMessage.action_id is empty (it is the idempotency key)")
        if self.channel not in CHANNELS:
            raise ValueError(
                f"OutboundMessage.channel {self.channel!r} is not one of {', '.join(CHANNELS)}"
            )
        if not self.to.strip():
            raise ValueError(f"OutboundMessage.to is empty for action {self.action_id}")
        object.__setattr__(self, "attachments", tuple(self.attachments))
        object.__setattr__(self, "headers", MappingProxyType(dict(self.headers)))
        object.__setattr__(self, "metadata", MappingProxyType(dict(self.metadata)))


@dataclass(frozen=True, slots=True)
class SendResult:
    """What a provider said about one send, classified for dispatch."""

    status: SendStatus
    provider: str
    provider_message_id: str | None = None
    cost: Money | None = None
    segments: int | None = None
    error: str | None = None
    contact_invalid: bool = False

    @property
    def ok(self) -> bool:
        """True when the provider accepted the message."""
        return self.status == "sent"

    @classmethod
    def sent(
        cls,
        provider: str,
        provider_message_id: str | None,
        *,
        cost: Money | None = None,
        segments: int | None = None,
    ) -> SendResult:
        """A message the provider accepted."""
        return cls("sent", provider, provider_message_id, cost=cost, segments=segments)

    @classmethod
    def transient(cls, provider: str, error: str) -> SendResult:
        """A failure that may pass when retried later (timeout, 429, 5xx, SMTP 4xx)."""
        return cls("transient_failure", provider, error=error)

    @classmethod
    def permanent(cls, provider: str, error: str, *, contact_invalid: bool = False) -> SendResult:
        """A failure that retrying will not fix; ``contact_invalid`` marks a bad address."""
        return cls("permanent_failure", provider, error=error, contact_invalid=contact_invalid)


@runtime_checkable
class ChannelAdapter(Protocol):
    """Sends messages on one channel through one provider."""

    name: str

    def send(self, message: OutboundMessage) -> SendResult:
        """Hand one message to the provider and classify its answer; never raises for it."""
        ...

    def close(self) -> None:
        """Release connections; the adapter may be used again afterwards (it reconnects)."""
        ...


def send_guarded(
    provider: str, message: OutboundMessage, send: Callable[[OutboundMessage], SendResult]
) -> SendResult:
    """Call `send`; an exception (an adapter bug) becomes a logged transient failure.

    So one message never stops the others of its batch.
    """
    try:
        return send(message)
    except Exception as exc:  # noqa: BLE001 - an adapter bug must not stop the batch
        log.exception("adapter %s raised for action %s", provider, message.action_id)
        return SendResult.transient(provider, f"adapter raised {exc!r}")


def classify_http_status(status_code: int) -> SendStatus:
    """Map an HTTP status to a send status: 2xx sent, 408/425/429/5xx transient, else permanent."""
    if 200 <= status_code < 300:
        return "sent"
    if status_code in (408, 425, 429) or status_code >= 500:
        return "transient_failure"
    return "permanent_failure"


def safe_file_stem(action_id: str) -> str:
    """A file name stem made of safe characters only, deterministic for the action id.

    When the id had to be changed (unsafe characters, too long) a short hash of the
    original is appended, so two different ids never share a file.
    """
    cleaned = _UNSAFE_FILE_CHARS.sub("_", action_id).lstrip(".")
    if cleaned == action_id and 0 < len(cleaned) <= _MAX_STEM:
        return cleaned
    digest = hashlib.sha256(action_id.encode("utf-8")).hexdigest()[:10]
    return f"{cleaned[: _MAX_STEM - 11]}-{digest}" if cleaned else digest


def require_channel(message: OutboundMessage, channel: str) -> None:
    """Refuse a message meant for another channel (a wiring mistake, not a provider error)."""
    if message.channel != channel:
        raise ValueError(
            f"action {message.action_id} is a {message.channel} message; "
            f"this adapter sends {channel}"
        )
