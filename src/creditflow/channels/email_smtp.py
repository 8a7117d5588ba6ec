"""E-mail over SMTP: the MIME builder (also used by the sandbox) and the SMTP adapter."""

from __future__ import annotations

import contextlib
import email
import email.policy
import logging
import smtplib
import ssl
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
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
from typing import Literal

import dkim as dkimpy

from creditflow.channels.base import (
    Attachment,
    OutboundMessage,
    SendResult,
    require_channel,
    safe_file_stem,
)

__all__ = ["DkimConfig", "SmtpAdapter", "SmtpSecurity", "build_email", "email_bytes"]

log = logging.getLogger(__name__)

SmtpSecurity = Literal["starttls", "ssl", "none"]

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
# Recipient refusals that mean the address itself is bad, not the moment.
_BAD_ADDRESS_CODES = frozenset({501, 550, 551, 553})


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


def _list_unsubscribe(message: OutboundMessage) -> tuple[str | None, bool]:
    """The List-Unsubscribe value and whether one-click (RFC 8058) applies."""
    url = message.metadata.get("unsubscribe_url")
    mailto = message.metadata.get("unsubscribe_mailto")
    if url and not url.startswith("https://"):
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


def _classify(code: int, reply: bytes | str, *, recipient: bool) -> SendResult:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    error = f"SMTP {code} {text}".strip()
    if 400 <= code < 500:
        return SendResult.transient("smtp", error)
    bad_address = recipient and (code in _BAD_ADDRESS_CODES or text.startswith("5.1."))
    return SendResult.permanent("smtp", error, contact_invalid=bad_address)


@dataclass
class _Connection:
    """One SMTP connection, reused across sends, used by one thread at a time."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    smtp: smtplib.SMTP | None = None


class SmtpAdapter:
    """Sends e-mail through one SMTP server over reused connections.

    ``send`` uses one connection; ``send_batch`` spreads a batch over up to
    ``max_connections`` connections at once, so the time each message waits for the
    server's replies overlaps with the others'.
    """

    name = "smtp"

    def __init__(
        self,
        host: str,
        port: int,
        security: SmtpSecurity = "starttls",
        username: str | None = None,
        password: str | None = None,
        *,
        from_addr: str,
        timeout: float = 30.0,
        reply_to: str | None = None,
        dkim: DkimConfig | None = None,
        ssl_context: ssl.SSLContext | None = None,
        clock: Callable[[], datetime] | None = None,
        max_connections: int = 4,
    ) -> None:
        if security not in ("starttls", "ssl", "none"):
            raise ValueError(f"SMTP security {security!r} is not starttls, ssl or none")
        if max_connections < 1:
            raise ValueError("SMTP max_connections must be at least 1")
        self.host = host
        self.port = port
        self.security: SmtpSecurity = security
        self.username = username
        self._password = password
        self.from_addr = from_addr
        self.timeout = timeout
        self.reply_to = reply_to
        self.dkim = dkim
        self._ssl_context = ssl_context
        self._clock = clock or (lambda: datetime.now(UTC))
        self._connections = [_Connection() for _ in range(max_connections)]
        self._senders: ThreadPoolExecutor | None = None
        self._count_lock = threading.Lock()
        self.connections_opened = 0

    def __repr__(self) -> str:
        return (
            f"SmtpAdapter(host={self.host!r}, port={self.port}, security={self.security!r}, "
            f"username={self.username!r}, from_addr={self.from_addr!r})"
        )

    def _context(self) -> ssl.SSLContext:
        return self._ssl_context or ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        smtp: smtplib.SMTP
        if self.security == "ssl":
            smtp = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=self._context()
            )
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.security == "starttls":
                smtp.ehlo()
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self._password or "")
        except BaseException:
            smtp.close()
            raise
        with self._count_lock:
            self.connections_opened += 1
        log.debug("connected to SMTP %s:%s (%s)", self.host, self.port, self.security)
        return smtp

    @staticmethod
    def _drop(connection: _Connection) -> None:
        if connection.smtp is not None:
            try:
                connection.smtp.close()
            finally:
                connection.smtp = None

    def send(self, message: OutboundMessage) -> SendResult:
        """Send one e-mail; SMTP 4xx and network errors are transient, 5xx permanent."""
        return self._send_on(self._connections[0], message)

    def send_batch(
        self, messages: Sequence[OutboundMessage], concurrency: int = 4
    ) -> list[SendResult]:
        """Send many e-mails over up to ``max_connections`` connections at once; results in order."""
        lanes = min(concurrency, len(self._connections), len(messages))
        if lanes <= 1:
            return [self._send_safely(self._connections[0], m) for m in messages]
        if self._senders is None:
            self._senders = ThreadPoolExecutor(len(self._connections), thread_name_prefix="smtp")

        def lane(number: int) -> list[tuple[int, SendResult]]:
            connection = self._connections[number]
            return [
                (i, self._send_safely(connection, messages[i]))
                for i in range(number, len(messages), lanes)
            ]

        results: list[SendResult | None] = [None] * len(messages)
        for answers in self._senders.map(lane, range(lanes)):
            for index, result in answers:
                results[index] = result
        return [r for r in results if r is not None]

    def _send_safely(self, connection: _Connection, message: OutboundMessage) -> SendResult:
        try:
            return self._send_on(connection, message)
        except Exception as exc:  # noqa: BLE001 - one bad message must not stop the batch
            log.exception("SMTP adapter raised for action %s", message.action_id)
            return SendResult.transient(self.name, f"adapter raised {exc!r}")

    def _send_on(self, connection: _Connection, message: OutboundMessage) -> SendResult:
        msg = build_email(
            message,
            from_addr=self.from_addr,
            reply_to=self.reply_to,
            dkim=self.dkim,
            now=self._clock(),
        )
        raw = email_bytes(msg)
        message_id = str(msg["Message-ID"])
        with connection.lock:
            for attempt in (1, 2):
                reused = connection.smtp is not None
                try:
                    if connection.smtp is None:
                        connection.smtp = self._connect()
                    connection.smtp.sendmail(_envelope_address(self.from_addr), [message.to], raw)
                except smtplib.SMTPServerDisconnected as exc:
                    self._drop(connection)
                    if reused and attempt == 1:
                        continue  # an idle connection the server closed: reconnect once
                    return SendResult.transient("smtp", f"SMTP server disconnected: {exc}")
                except smtplib.SMTPRecipientsRefused as exc:
                    code, reply = next(iter(exc.recipients.values()))
                    return _classify(code, reply, recipient=True)
                except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                    return _classify(exc.smtp_code, exc.smtp_error, recipient=False)
                except smtplib.SMTPResponseException as exc:
                    self._drop(connection)
                    return _classify(exc.smtp_code, exc.smtp_error, recipient=False)
                except (OSError, smtplib.SMTPException) as exc:
                    self._drop(connection)
                    return SendResult.transient(
                        "smtp", f"SMTP {self.host}:{self.port} unreachable: {exc!r}"
                    )
                return SendResult.sent("smtp", message_id)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Quit the SMTP connections that are open."""
        for connection in self._connections:
            with connection.lock:
                if connection.smtp is not None:
                    with contextlib.suppress(OSError, smtplib.SMTPException):
                        connection.smtp.quit()
                    self._drop(connection)
        if self._senders is not None:
            self._senders.shutdown()
            self._senders = None


def _envelope_address(from_addr: str) -> str:
    return parseaddr(from_addr)[1] or from_addr
