"""An outbound message to hand to a channel adapter in a test."""

from __future__ import annotations

from creditflow.channels.base import OutboundMessage


def outbound_message(channel: str, **overrides: object) -> OutboundMessage:
    """A Dutch reminder for customer C001 on `channel`; keyword arguments replace fields."""
    fields: dict[str, object] = {
        "action_id": f"2026-03-02/C001/{channel}",
        "customer_id": "C001",
        "channel": channel,
        "to": "+31612345678",
        "text": "Er staat € 412,50 open. Betaal via https://pay.example.nl/p/1",
        "metadata": {"template": "reminder", "language": "nl"},
    }
    fields.update(overrides)
    return OutboundMessage(**fields)  # type: ignore[arg-type]
