"""E-mail replies by IMAP: poll unseen messages, parse them, hand them to the pipeline.

Settings, `[providers.imap]`: host, port (993 for SSL, 143 for STARTTLS), username,
password or password_env, security ("ssl" default, or "starttls"), folder ("INBOX"),
cafile (extra trusted certificate), timeout (seconds, default 30).
A message is marked \\Seen only after the pipeline handled it, so a crash retries it;
the pipeline is idempotent by Message-ID (a digest of the message when it has none).
"""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import imaplib
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage, MIMEPart
from email.utils import parseaddr
from html.parser import HTMLParser
from itertools import groupby
from typing import Any

from sqlalchemy import Engine

from creditflow.config import ConfigError, Settings, secret_from
from creditflow.db import transaction

_QUOTE_HEADER = re.compile(
    r"^\s*(On .{0,200} wrote:|Op .{0,200} schreef .{0,80}:|-{2,}\s*Original Message\s*-{2,}|"
    r"-{2,}\s*Oorspronkelijk bericht\s*-{2,}|From:\s.*|Van:\s.*)\s*$",
    re.IGNORECASE,
)
PROVIDER_ID_LENGTH = 128  # ConversationMessage.provider_id


@dataclass(frozen=True)
class InboundMail:
    """The parts of an e-mail the pipeline needs."""

    sender: str
    subject: str
    text: str
    message_id: str | None


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("br", "p", "div"):
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """Visible text of an HTML body (scripts and styles dropped)."""
    parser = _TextOnly()
    parser.feed(html)
    return "".join(parser.parts)


def reply_text(subject: str, body: str) -> str:
    """The debtor's own words: the body without quoted history and signature; else the subject."""
    lines = []
    for line in body.replace("\r\n", "\n").split("\n"):
        if line.lstrip().startswith(">") or _QUOTE_HEADER.match(line):
            break
        if line.strip() == "--":
            break
        lines.append(line)
    text = "\n".join(lines).strip()
    if text:
        return text
    return re.sub(r"^\s*((re|aw|fw|fwd|antw)\s*:\s*)+", "", subject, flags=re.IGNORECASE).strip()


def parse_email(raw: bytes) -> InboundMail:
    """Sender address, subject, plain text (from text/plain, else HTML) and Message-ID."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    sender = parseaddr(str(message.get("From", "")))[1].lower()
    body = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        content = _body_text(body)
        text = html_to_text(content) if body.get_content_subtype() == "html" else content
    message_id = str(message.get("Message-ID", "")).strip() or None
    # PostgreSQL refuses NUL in text columns; no mail client means one.
    subject = str(message.get("Subject", "")).replace("\x00", "")
    return InboundMail(sender, subject, text.replace("\x00", ""), message_id)


def _body_text(body: MIMEPart) -> str:
    """The decoded text of a body part; an unknown charset is read as UTF-8 (lossy)."""
    try:
        return str(body.get_content())
    except LookupError:
        payload = body.get_payload(decode=True)
        return payload.decode("utf-8", errors="replace") if isinstance(payload, bytes) else ""


def message_key(mail: InboundMail, raw: bytes) -> str:
    """The id a message is handled once by: its Message-ID, else a digest of the message.

    A Message-ID longer than the column is replaced by its digest too, so that a
    message is never refused (or silently truncated into another's id).
    """
    if mail.message_id and len(mail.message_id) <= PROVIDER_ID_LENGTH - len(":reply"):
        return mail.message_id
    source = mail.message_id.encode() if mail.message_id else raw
    return "sha256:" + hashlib.sha256(source).hexdigest()


def mailbox_name(folder: str) -> str:
    """A folder name as an IMAP argument: modified UTF-7 (RFC 3501 5.1.3), quoted.

    imaplib sends arguments as they are, so "Debiteuren 2026" or "Débiteuren" would
    otherwise be refused by the server or by imaplib itself.
    """
    encoded: list[str] = []
    for printable, run in groupby(folder, key=lambda char: 0x20 <= ord(char) <= 0x7E):
        chunk = "".join(run)
        if printable:
            encoded.append(chunk.replace("&", "&-"))
        else:
            b64 = base64.b64encode(chunk.encode("utf-16-be")).decode("ascii")
            encoded.append("&" + b64.rstrip("=").replace("/", ",") + "-")
    name = "".join(encoded)
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def connect(settings: Settings) -> imaplib.IMAP4:
    """Log in to the configured mailbox over SSL or STARTTLS (never in clear)."""
    section = settings.providers.get("imap")
    if not section or not section.get("host"):
        raise ConfigError("[providers.imap] host: not configured")
    security = section.get("security", "ssl")
    context = ssl.create_default_context()
    if section.get("cafile"):
        context.load_verify_locations(section["cafile"])
    host = str(section["host"])
    timeout = float(section.get("timeout", 30))
    client: imaplib.IMAP4
    if security == "ssl":
        client = imaplib.IMAP4_SSL(
            host, int(section.get("port", 993)), ssl_context=context, timeout=timeout
        )
    elif security == "starttls":
        client = imaplib.IMAP4(host, int(section.get("port", 143)), timeout=timeout)
        client.starttls(ssl_context=context)
    else:
        raise ConfigError(
            f"[providers.imap] security: expected 'ssl' or 'starttls', got {security!r}"
        )
    username = str(section.get("username", ""))
    try:
        client.login(username, secret_from(section, "password"))
    except imaplib.IMAP4.error as exc:
        client.shutdown()
        raise ConfigError(
            f"[providers.imap] username/password: {host} refused the login of {username!r}: {exc}"
        ) from exc
    return client


def poll_mailbox(
    engine: Engine,
    settings: Settings,
    *,
    now: Callable[[], datetime],
    client: imaplib.IMAP4 | None = None,
) -> int:
    """Handle every unseen message in the folder; returns how many were handled."""
    from creditflow.inbound.pipeline import handle_message

    imap = client or connect(settings)
    folder = str(settings.providers.get("imap", {}).get("folder", "INBOX"))
    handled = 0
    try:
        status, detail = imap.select(mailbox_name(folder))
        if status != "OK":
            raise ConfigError(f"[providers.imap] folder: cannot open {folder!r}: {_said(detail)}")
        _, data = imap.uid("SEARCH", "UNSEEN")
        for uid_bytes in (data[0] or b"").split():
            uid = uid_bytes.decode("ascii")
            _, parts = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple)), None)
            if raw is None:
                continue
            mail = parse_email(raw)
            with transaction(engine) as session:
                handle_message(
                    session,
                    settings,
                    channel="email",
                    sender=mail.sender,
                    text=reply_text(mail.subject, mail.text),
                    received_at=now(),
                    provider_id=message_key(mail, raw),
                )
            imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            handled += 1
    finally:
        if client is None:
            imap.logout()
    return handled


def _said(detail: list[Any]) -> str:
    """The server's words in a response, as text."""
    return " ".join(
        part.decode(errors="replace") if isinstance(part, bytes) else str(part)
        for part in detail
        if part is not None
    )
