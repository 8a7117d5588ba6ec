"""A real SMTP server on loopback (aiosmtpd) that records what arrives.

Recipients can be refused with a chosen reply (``server.refuse("x@example.nl",
"550 5.1.1 no such user")``), and every TCP connection is counted, so tests can check
that an adapter reuses one connection for many messages.
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


@dataclass(frozen=True)
class ReceivedMail:
    """One message as the server received it."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    data: bytes
    peer: Any

    def message(self) -> EmailMessage:
        """The message parsed with the stdlib e-mail parser."""
        return cast(EmailMessage, email.message_from_bytes(self.data, policy=email.policy.default))


class RecordingHandler:
    """aiosmtpd handler: refuses configured recipients, records accepted messages."""

    def __init__(self) -> None:
        self.messages: list[ReceivedMail] = []
        self.rcpt_replies: dict[str, str] = {}
        self.data_reply: str | None = None
        self.connections = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        reply = self.rcpt_replies.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.data_reply:
            return self.data_reply
        data = envelope.original_content or envelope.content
        with self.lock:
            self.messages.append(
                ReceivedMail(envelope.mail_from, tuple(envelope.rcpt_tos), data, session.peer)
            )
        return "250 Message accepted for delivery"


class _CountingSMTP(SMTP):
    def connection_made(self, transport):
        with self.event_handler.lock:
            self.event_handler.connections += 1
        super().connection_made(transport)


class _Controller(Controller):
    def factory(self):
        return _CountingSMTP(self.handler, **self.SMTP_kwargs)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpTestServer:
    """A running loopback SMTP server and what it received."""

    def __init__(
        self,
        *,
        credentials: tuple[str, str] | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.handler = RecordingHandler()
        self.host = "127.0.0.1"
        self.port = free_port()
        kwargs: dict[str, Any] = {}
        if credentials:
            kwargs["authenticator"] = self._authenticator(credentials)
            kwargs["auth_require_tls"] = tls_context is not None
        if tls_context:
            kwargs["tls_context"] = tls_context
            kwargs["require_starttls"] = True
        self._kwargs = kwargs
        self.logins: list[str] = []
        self._controller: _Controller | None = None

    def _authenticator(self, credentials: tuple[str, str]):
        user, password = credentials

        def check(server, session, envelope, mechanism, auth_data):
            ok = isinstance(auth_data, LoginPassword) and (
                auth_data.login.decode(),
                auth_data.password.decode(),
            ) == (user, password)
            if ok:
                self.logins.append(user)
            return AuthResult(success=ok, handled=False)

        return check

    def start(self) -> None:
        """Start listening (again, on the same port after ``stop``)."""
        self._controller = _Controller(
            self.handler, hostname=self.host, port=self.port, **self._kwargs
        )
        self._controller.start()
        with self.handler.lock:
            self.handler.connections = 0  # the controller's own start-up probe

    def stop(self) -> None:
        """Stop listening and drop open connections."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[ReceivedMail]:
        """Messages accepted so far."""
        with self.handler.lock:
            return list(self.handler.messages)

    @property
    def connections(self) -> int:
        """TCP connections accepted since start."""
        with self.handler.lock:
            return self.handler.connections

    def refuse(self, address: str, reply: str) -> None:
        """Answer RCPT TO for this address with ``reply`` (e.g. "550 5.1.1 unknown")."""
        self.handler.rcpt_replies[address.lower()] = reply


@contextmanager
def running_smtp_server(
    *,
    credentials: tuple[str, str] | None = None,
    tls_context: ssl.SSLContext | None = None,
) -> Iterator[SmtpTestServer]:
    """Run a recording SMTP server on 127.0.0.1 for the duration of the block."""
    server = SmtpTestServer(credentials=credentials, tls_context=tls_context)
    server.start()
    try:
        yield server
    finally:
        server.stop()
