"""E-mail over SMTP: the adapter, over reused connections (the message itself: `mime.py`)."""

from __future__ import annotations

import contextlib
import logging
import smtplib
import ssl
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parseaddr
from functools import partial
from typing import Literal

from creditflow.channels.base import OutboundMessage, SendResult, send_guarded
from creditflow.channels.mime import DkimConfig, build_email, email_bytes

__all__ = ["DkimConfig", "SmtpAdapter", "SmtpSecurity", "build_email", "email_bytes"]

log = logging.getLogger(__name__)

SmtpSecurity = Literal["starttls", "ssl", "none"]

# Recipient refusals that mean the address itself is bad, not the moment.
_BAD_ADDRESS_CODES = frozenset({501, 550, 551, 553})


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
        return send_guarded(self.name, message, partial(self._send_on, connection))

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
