"""E-mail messages as MIME: text + HTML alternative, attachments, unsubscribe headers, DKIM.

Used by the SMTP adapter and by the sandbox (which writes the same bytes to a .eml file).
"""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.charset import QP, Charset
from email.encoders import encode_base64
from email.header import Header
from email.message import Message
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, parseaddr
from urllib.parse import urlsplit

import dkim as dkimpy

from creditflow.channels.base import (
    Attachment,
    OutboundMessage,
    require_channel,
    safe_file_stem,
)

__all__ = ["DkimConfig", "build_email", "email_bytes"]

# Headers covered by the DKIM signature; RFC 8058 requires both List-Unsubscribe headers.
_DKIM_HEADERS = (
    "from",
    "reply-to",
    "to",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "list-unsubscribe",
    "list-unsubscribe-post",
)


@dataclass(frozen=True, slots=True)
class DkimConfig:
    """DKIM signing settings: the DNS selector, the signing domain and the RSA key (PEM)."""

    selector: str
    domain: str
    private_key_pem: bytes = field(repr=False)


def email_bytes(msg: Message) -> bytes:
    """The message as it goes on the wire (CRLF line ends), the bytes DKIM signs."""
    return msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))


def _domain_of(address: str) -> str:
    _, addr = parseaddr(address)
    return addr.rpartition("@")[2] or "localhost"


def unsubscribe_url_ok(url: str) -> bool:
    """RFC 8058 wants an https URL; plain http only to this machine (a local trial)."""
    if url.startswith("https://"):
        return True
    host = urlsplit(url).hostname if url.startswith("http://") else None
    return host in ("127.0.0.1", "localhost", "::1")


def _list_unsubscribe(message: OutboundMessage) -> tuple[str | None, bool]:
    """The List-Unsubscribe value and whether one-click (RFC 8058) applies."""
    url = message.metadata.get("unsubscribe_url")
    mailto = message.metadata.get("unsubscribe_mailto")
    if url and not unsubscribe_url_ok(url):
        raise ValueError(
            f"metadata['unsubscribe_url'] of action {message.action_id} must be an https URL"
        )
    if mailto and not mailto.startswith("mailto:"):
        mailto = f"mailto:{mailto}"
    parts = [f"<{value}>" for value in (url, mailto) if value]
    return (", ".join(parts) if parts else None), bool(url)


def build_email(
    message: OutboundMessage,
    *,
    from_addr: str,
    reply_to: str | None = None,
    dkim: DkimConfig | None = None,
    now: datetime | None = None,
) -> Message:
    """Build the MIME message: text + HTML alternative, attachments, unsubscribe headers.

    The unsubscribe links come from ``metadata["unsubscribe_url"]`` (https, one-click)
    and ``metadata["unsubscribe_mailto"]``. The Message-ID is derived from the action id,
    so a retried send carries the same id. With ``dkim`` the result is DKIM-signed.
    """
    require_channel(message, "email")
    body = _text_part(message.text, "plain")
    if message.html:
        body = _multipart("alternative", body, _text_part(message.html, "html"))
    msg = body
    if message.attachments:
        msg = _multipart("mixed", body, *(_attachment(a) for a in message.attachments))
    headers: list[tuple[str, str | Header | None]] = [
        ("From", _address_header(from_addr)),
        ("To", _address_header(message.to)),
        ("Reply-To", _address_header(reply_to) if reply_to else None),
        ("Subject", _text_header(message.subject or "")),
        ("Date", format_datetime(now or datetime.now(UTC))),
        ("Message-ID", f"<{safe_file_stem(message.action_id)}@{_domain_of(from_addr)}>"),
    ]
    unsubscribe, one_click = _list_unsubscribe(message)
    if unsubscribe:
        headers.append(("List-Unsubscribe", unsubscribe))
        if one_click:
            headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    for name, value in message.headers.items():
        if name.lower() in {"from", "to", "subject", "date", "message-id"}:
            raise ValueError(f"header {name!r} of action {message.action_id} is set by creditflow")
        headers.append((name, _text_header(value)))
    # The addressing headers go first, as mail programs show them; then MIME's own.
    mime_headers: list[tuple[str, str | Header | None]] = list(msg.items())
    for name in {n for n, _ in mime_headers}:
        del msg[name]
    for name, header in [*headers, *mime_headers]:
        if header is not None:
            msg[name] = header  # type: ignore[assignment]  # compat32 folds Header values
    return _dkim_sign(msg, dkim) if dkim else msg


# The legacy (compat32) MIME classes build a message several times faster than
# EmailMessage's header registry, which parses every header it is given; dispatch
# builds one message per e-mail sent, so that difference is the e-mail rate.
_UTF8_QP = Charset("utf-8")
_UTF8_QP.header_encoding = QP
_UTF8_QP.body_encoding = QP


def _text_part(text: str, subtype: str) -> Message:
    if text.isascii():
        return MIMEText(text, subtype, "us-ascii")
    return MIMEText(text, subtype, _UTF8_QP)  # type: ignore[arg-type]


def _multipart(subtype: str, *parts: Message) -> Message:
    for part in parts:
        del part["MIME-Version"]  # the message carries it once, at the top
    return MIMEMultipart(subtype, _subparts=list(parts))


def _attachment(attachment: Attachment) -> Message:
    maintype, _, subtype = attachment.content_type.partition("/")
    part = MIMEBase(maintype, subtype or "octet-stream")
    part.set_payload(attachment.data)
    encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=attachment.filename)
    return part


def _text_header(value: str) -> str | Header:
    """A header value, as RFC 2047 encoded words when it is not plain ASCII."""
    if value.isascii():
        return value
    return Header(value, _UTF8_QP)


def _address_header(value: str) -> str:
    """One address with an optional display name, the name encoded when not ASCII."""
    name, address = parseaddr(value)
    if not address:
        raise ValueError(f"{value!r} is not an e-mail address")
    return formataddr((name, address), charset="utf-8")


def _dkim_sign(msg: Message, config: DkimConfig) -> Message:
    raw = email_bytes(msg)
    present = [name for name in _DKIM_HEADERS if name in msg]
    signature = dkimpy.sign(
        raw,
        config.selector.encode("ascii"),
        config.domain.encode("ascii"),
        config.private_key_pem,
        include_headers=[name.encode("ascii") for name in present],
    )
    # Re-parsing keeps the signed bytes exactly (header folding and body untouched).
    return email.message_from_bytes(signature + raw, policy=email.policy.SMTP)
