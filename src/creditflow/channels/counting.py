"""The simulator's channel: accepts what the sandbox would accept and writes nothing.

A strategy simulation sends tens of thousands of messages nobody will read; writing
each to a folder (and typesetting every letter) was most of its time. ``CountingAdapter``
checks the message as the sandbox does (its channel, at most one PDF on a letter), counts
SMS parts, and answers "sent" with the same provider id the sandbox would give. Use it
only where nothing is to be delivered or kept: `creditflow simulate strategy`.
"""

from __future__ import annotations

import hashlib

from creditflow.channels.base import CHANNELS, Channel, OutboundMessage, SendResult, require_channel
from creditflow.channels.sandbox import sms_segments

__all__ = ["CountingAdapter", "counting_adapters"]


class CountingAdapter:
    """Accepts every valid message on one channel and keeps no copy of it."""

    provider = "simulation"

    def __init__(self, channel: Channel) -> None:
        if channel not in CHANNELS:
            raise ValueError(f"channel {channel!r} is not one of {', '.join(CHANNELS)}")
        self.channel = channel
        self.name = f"simulation_{channel}"
        self.sent = 0

    def __repr__(self) -> str:
        return f"CountingAdapter(channel={self.channel!r}, sent={self.sent})"

    def send(self, message: OutboundMessage) -> SendResult:
        """Check the message, count it, and answer sent."""
        require_channel(message, self.channel)
        pdfs = [a for a in message.attachments if a.content_type == "application/pdf"]
        if len(pdfs) > 1:
            return SendResult.permanent(
                self.provider,
                f"{self.channel} for action {message.action_id} has {len(pdfs)} PDFs, "
                "expected at most one",
            )
        digest = hashlib.sha256(f"{message.channel}:{message.action_id}".encode()).hexdigest()
        segments = sms_segments(message.text) if self.channel == "sms" else None
        self.sent += 1
        return SendResult.sent(self.provider, f"simulation-{digest[:20]}", segments=segments)

    def close(self) -> None:
        """Nothing to release."""


def counting_adapters() -> dict[str, CountingAdapter]:
    """One counting adapter per channel."""
    return {channel: CountingAdapter(channel) for channel in CHANNELS}
