"""Channel adapters: one ``send(message) -> SendResult`` per channel and provider.

``build_adapters`` turns configuration into adapters (sandbox by default). Provider
modules (``email_smtp`` with ``mime``, ``twilio``, ``push``, ``twiml``) are imported from
their own modules.
"""

from creditflow.channels.base import (
    CHANNELS,
    Attachment,
    Channel,
    ChannelAdapter,
    OutboundMessage,
    SendResult,
)
from creditflow.channels.registry import build_adapters
from creditflow.channels.sandbox import PrintFolderAdapter, SandboxAdapter

__all__ = [
    "CHANNELS",
    "Attachment",
    "Channel",
    "ChannelAdapter",
    "OutboundMessage",
    "PrintFolderAdapter",
    "SandboxAdapter",
    "SendResult",
    "build_adapters",
]
