"""E-mail over SMTP: the MIME builder (also used by the sandbox) and the SMTP adapter."""

from __future__ import annotations

import contextlib
import email
import email.policy
import logging
import smtplib
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Literal, cast

import dkim as dkimpy

from creditflow.channels.base import (
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


def email_bytes(msg: EmailMessage) -> bytes:
    """The message as it goes on the wire (CRLF line ends), the bytes DKIM signs."""
    return msg.as_bytes(policy=email.policy.SMTP)


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
) -> EmailMessage:
    """Build the MIME message: text + HTML alternative, attachments, unsubscribe headers.

    The unsubscribe links come from ``metadata["unsubscribe_url"]`` (https, one-click)
    and ``metadata["unsubscribe_mailto"]``. The Message-ID is derived from the action id,
    so a retried send carries the same id. With ``dkim`` the result is DKIM-signed.
    """
    require_channel(message, "email")
    msg = EmailMessage()
    msg["From"] = from_addr
    msg["To"] = message.to
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Subject"] = message.subject or ""
    msg["Date"] = format_datetime(now or datetime.now(UTC))
    msg["Message-ID"] = f"<{safe_file_stem(message.action_id)}@{_domain_of(from_addr)}>"
    unsubscribe, one_click = _list_unsubscribe(message)
    if unsubscribe:
        msg["List-Unsubscribe"] = unsubscribe
        if one_click:
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    for name, value in message.headers.items():
        if name.lower() in {"from", "to", "subject", "date", "message-id"}:
            raise ValueError(f"header {name!r} of action {message.action_id} is set by creditflow")
        msg[name] = value
    msg.set_content(message.text)
    if message.html:
        msg.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        msg.add_attachment(
            attachment.data,
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return _dkim_sign(msg, dkim) if dkim else msg


def _dkim_sign(msg: EmailMessage, config: DkimConfig) -> EmailMessage:
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
    signed = email.message_from_bytes(signature + raw, policy=email.policy.SMTP)
    return cast(EmailMessage, signed)


def _classify(code: int, reply: bytes | str, *, recipient: bool) -> SendResult:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    error = f"SMTP {code} {text}".strip()
    if 400 <= code < 500:
        return SendResult.transient("smtp", error)
    bad_address = recipient and (code in _BAD_ADDRESS_CODES or text.startswith("5.1."))
    return SendResult.permanent("smtp", error, contact_invalid=bad_address)


class SmtpAdapter:
    """Sends e-mail through one SMTP server, reusing one connection across sends."""

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
    ) -> None:
        if security not in ("starttls", "ssl", "none"):
            raise ValueError(f"SMTP security {security!r} is not starttls, ssl or none")
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
        self._smtp: smtplib.SMTP | None = None
        self._lock = threading.Lock()
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
        self.connections_opened += 1
        log.debug("connected to SMTP %s:%s (%s)", self.host, self.port, self.security)
        return smtp

    def _drop(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.close()
            finally:
                self._smtp = None

    def send(self, message: OutboundMessage) -> SendResult:
        """Send one e-mail; SMTP 4xx and network errors are transient, 5xx permanent."""
        msg = build_email(
            message,
            from_addr=self.from_addr,
            reply_to=self.reply_to,
            dkim=self.dkim,
            now=self._clock(),
        )
        raw = email_bytes(msg)
        message_id = str(msg["Message-ID"])
        with self._lock:
            for attempt in (1, 2):
                reused = self._smtp is not None
                try:
                    if self._smtp is None:
                        self._smtp = self._connect()
                    self._smtp.sendmail(_envelope_address(self.from_addr), [message.to], raw)
                except smtplib.SMTPServerDisconnected as exc:
                    self._drop()
                    if reused and attempt == 1:
                        continue  # an idle connection the server closed: reconnect once
                    return SendResult.transient("smtp", f"SMTP server disconnected: {exc}")
                except smtplib.SMTPRecipientsRefused as exc:
                    code, reply = next(iter(exc.recipients.values()))
                    return _classify(code, reply, recipient=True)
                except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
                    return _classify(exc.smtp_code, exc.smtp_error, recipient=False)
                except smtplib.SMTPResponseException as exc:
                    self._drop()
                    return _classify(exc.smtp_code, exc.smtp_error, recipient=False)
                except (OSError, smtplib.SMTPException) as exc:
                    self._drop()
                    return SendResult.transient(
                        "smtp", f"SMTP {self.host}:{self.port} unreachable: {exc!r}"
                    )
                return SendResult.sent("smtp", message_id)
        raise AssertionError("unreachable")  # pragma: no cover

    def close(self) -> None:
        """Quit the SMTP connection if one is open."""
        with self._lock:
            if self._smtp is not None:
                with contextlib.suppress(OSError, smtplib.SMTPException):
                    self._smtp.quit()
                self._drop()


def _envelope_address(from_addr: str) -> str:
    return parseaddr(from_addr)[1] or from_addr
