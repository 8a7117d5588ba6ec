"""Adapters that write what would be sent into folders instead of calling a provider.

``SandboxAdapter`` is the default for every channel: ``<outbox>/<channel>/<action>.eml``
for e-mail, ``.json`` for sms/whatsapp/voice/push, ``.pdf`` + ``.json`` for letters.
``PrintFolderAdapter`` is the production letter channel: the PDF lands in a folder the
print shop collects from. Files are written atomically and named from the action id,
so sending the same action twice leaves one file.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from creditflow.channels.base import (
    CHANNELS,
    Channel,
    OutboundMessage,
    SendResult,
    require_channel,
    safe_file_stem,
)
from creditflow.channels.mime import build_email, email_bytes

__all__ = ["PrintFolderAdapter", "SandboxAdapter", "message_record", "sms_segments"]

_GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€\f")


def sms_segments(text: str) -> int:
    """How many SMS parts a text needs: GSM-7 160/153 characters, otherwise UCS-2 70/67."""
    if all(ch in _GSM7_BASIC or ch in _GSM7_EXTENDED for ch in text):
        units = sum(2 if ch in _GSM7_EXTENDED else 1 for ch in text)
        single, part = 160, 153
    else:
        units = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)
        single, part = 70, 67
    if units <= single:
        return 1
    return -(-units // part)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def message_record(message: OutboundMessage, provider_message_id: str) -> dict[str, Any]:
    """The JSON document a sandbox writes for a message (attachments as name, type, size)."""
    return {
        "action_id": message.action_id,
        "customer_id": message.customer_id,
        "channel": message.channel,
        "to": message.to,
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "headers": dict(message.headers),
        "metadata": dict(message.metadata),
        "status_callback_url": message.status_callback_url,
        "attachments": [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "size": len(a.data),
                "sha256": hashlib.sha256(a.data).hexdigest(),
            }
            for a in message.attachments
        ],
        "provider_message_id": provider_message_id,
    }


def _json_bytes(record: dict[str, Any]) -> bytes:
    return json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")


def _write_letter(
    folder: Path, message: OutboundMessage, provider: str, provider_id: str
) -> SendResult:
    pdfs = [a for a in message.attachments if a.content_type == "application/pdf"]
    if not pdfs:
        return SendResult.permanent(
            provider, f"letter for action {message.action_id} has no PDF attachment"
        )
    if len(pdfs) > 1:
        return SendResult.permanent(
            provider, f"letter for action {message.action_id} has {len(pdfs)} PDFs, expected one"
        )
    stem = safe_file_stem(message.action_id)
    record = message_record(message, provider_id)
    record["address_lines"] = message.to.splitlines()
    # The PDF goes last: a print shop picking up *.pdf then always finds its .json.
    _write_atomic(folder / f"{stem}.json", _json_bytes(record))
    _write_atomic(folder / f"{stem}.pdf", pdfs[0].data)
    return SendResult.sent(provider, provider_id)


def _provider_id(prefix: str, message: OutboundMessage) -> str:
    digest = hashlib.sha256(f"{message.channel}:{message.action_id}".encode()).hexdigest()
    return f"{prefix}-{digest[:20]}"


class SandboxAdapter:
    """Writes what would be sent on one channel into ``<outbox_dir>/<channel>/``."""

    provider = "sandbox"

    def __init__(
        self,
        channel: Channel,
        outbox_dir: Path | str,
        *,
        from_addr: str = "creditflow@sandbox.invalid",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if channel not in CHANNELS:
            raise ValueError(f"channel {channel!r} is not one of {', '.join(CHANNELS)}")
        self.channel = channel
        self.name = f"sandbox_{channel}"
        self.folder = Path(outbox_dir) / channel
        self.from_addr = from_addr
        self._clock = clock or (lambda: datetime.now(UTC))

    def __repr__(self) -> str:
        return f"SandboxAdapter(channel={self.channel!r}, folder={str(self.folder)!r})"

    def send(self, message: OutboundMessage) -> SendResult:
        """Write the message file(s); the provider id is derived from the action id."""
        require_channel(message, self.channel)
        provider_id = _provider_id("sandbox", message)
        stem = safe_file_stem(message.action_id)
        if self.channel == "letter":
            return _write_letter(self.folder, message, self.provider, provider_id)
        if self.channel == "email":
            msg = build_email(message, from_addr=self.from_addr, now=self._clock())
            _write_atomic(self.folder / f"{stem}.eml", email_bytes(msg))
            return SendResult.sent(self.provider, provider_id)
        record = message_record(message, provider_id)
        segments = sms_segments(message.text) if self.channel == "sms" else None
        if segments is not None:
            record["segments"] = segments
        _write_atomic(self.folder / f"{stem}.json", _json_bytes(record))
        return SendResult.sent(self.provider, provider_id, segments=segments)

    def close(self) -> None:
        """Nothing to release."""


class PrintFolderAdapter:
    """Letters for the print shop: ``<folder>/<action>.pdf`` with a ``.json`` beside it."""

    name = "print_folder"
    provider = "print_folder"

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def __repr__(self) -> str:
        return f"PrintFolderAdapter(folder={str(self.folder)!r})"

    def send(self, message: OutboundMessage) -> SendResult:
        """Drop the letter's PDF (and its address record) into the print folder."""
        require_channel(message, "letter")
        return _write_letter(self.folder, message, self.provider, _provider_id("print", message))

    def close(self) -> None:
        """Nothing to release."""
