"""E-mail replies by IMAP: poll unseen messages, parse them, hand them to the pipeline.

Settings, `[providers.imap]`: host, port (993 for SSL, 143 for STARTTLS), username,
password or password_env, security ("ssl" default, or "starttls"), folder ("INBOX").
A message is marked \\Seen only after the pipeline handled it, so a crash retries it;
the pipeline is idempotent by Message-ID.
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import re
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr
from html.parser import HTMLParser
from typing import Any

from sqlalchemy import Engine

from creditflow.config import ConfigError, Settings, secret_from
from creditflow.db import transaction

_QUOTE_HEADER = re.compile(
    r"^\s*(On .{0,200} wrote:|Op .{0,200} schreef .{0,80}:|-{2,}\s*Original Message\s*-{2,}|"
    r"-{2,}\s*Oorspronkelijk bericht\s*-{2,}|From:\s.*|Van:\s.*)\s*$",
    re.IGNORECASE,
)


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
        content = body.get_content()
        text = html_to_text(content) if body.get_content_subtype() == "html" else content
    message_id = str(message.get("Message-ID", "")).strip() or None
    return InboundMail(sender, str(message.get("Subject", "")), text, message_id)


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
    client: imaplib.IMAP4
    if security == "ssl":
        client = imaplib.IMAP4_SSL(host, int(section.get("port", 993)), ssl_context=context)
    elif security == "starttls":
        client = imaplib.IMAP4(host, int(section.get("port", 143)))
        client.starttls(ssl_context=context)
    else:
        raise ConfigError(
            f"[providers.imap] security: expected 'ssl' or 'starttls', got {security!r}"
        )
    client.login(str(section.get("username", "")), secret_from(section, "password"))
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
        imap.select(folder)
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
                    provider_id=mail.message_id,
                )
            imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
            handled += 1
    finally:
        if client is None:
            imap.logout()
    return handled


def mailbox_name(folder: str) -> str:
    return chr(34) + folder + chr(34)
