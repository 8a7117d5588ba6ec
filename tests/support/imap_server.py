"""A real IMAP server on loopback (pymap, in-memory "dict" backend) with STARTTLS.

with imap_server(tmp_path, "debiteuren", "s3cret") as server:
    server.append(raw_rfc822_bytes)          # a reply arrives in INBOX
    server.provider_settings()               # the [providers.imap] section for the poller
    server.unseen()                          # raw messages still without \\Seen

The server runs in its own process (pymap's command line) with a self-signed
certificate for 127.0.0.1, so the poller talks to it exactly as to a real mailbox:
TCP, STARTTLS with certificate verification, LOGIN, SELECT, UID SEARCH/FETCH/STORE.
"""

from __future__ import annotations

import imaplib
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from creditflow.inbound.imap import mailbox_name
from tests.support.keys import self_signed_localhost
from tests.support.smtp_server import free_port

START_TIMEOUT_SECONDS = 15.0


@dataclass
class ImapTestServer:
    """A running pymap server: where it listens, who may log in, and a client to inspect it."""

    host: str
    port: int
    cafile: Path
    username: str
    password: str
    process: subprocess.Popen[bytes]
    log: Path

    def provider_settings(self, **overrides: Any) -> dict[str, Any]:
        """The `[providers.imap]` section that points the poller at this server."""
        section: dict[str, Any] = {
            "host": self.host,
            "port": self.port,
            "security": "starttls",
            "cafile": str(self.cafile),
            "username": self.username,
            "password": self.password,
            "folder": "INBOX",
            "timeout": 10,
        }
        section.update(overrides)
        return section

    @contextmanager
    def client(self) -> Iterator[imaplib.IMAP4]:
        """A logged-in client over STARTTLS that trusts only the test certificate."""
        imap = imaplib.IMAP4(self.host, self.port, timeout=10)
        try:
            imap.starttls(ssl_context=ssl.create_default_context(cafile=str(self.cafile)))
            imap.login(self.username, self.password)
            yield imap
        finally:
            imap.logout()

    def create_folder(self, folder: str) -> None:
        """Create a mailbox (folder) for the test user."""
        with self.client() as imap:
            status, data = imap.create(mailbox_name(folder))
            assert status == "OK", f"CREATE {folder!r} refused: {data!r}"

    def append(self, raw: bytes, folder: str = "INBOX", flags: str = "") -> None:
        """Deliver one RFC 822 message into the folder (optionally with flags, e.g. \\Seen)."""
        with self.client() as imap:
            status, data = imap.append(
                mailbox_name(folder), f"({flags})" if flags else None, None, raw
            )
            assert status == "OK", f"APPEND to {folder!r} refused: {data!r}"

    def flags(self, folder: str = "INBOX") -> list[str]:
        """The FLAGS list of every message in the folder, in UID order."""
        with self.client() as imap:
            status, _ = imap.select(mailbox_name(folder), readonly=True)
            assert status == "OK", f"cannot select {folder!r}"
            status, data = imap.uid("FETCH", "1:*", "(FLAGS)")
            assert status == "OK"
            return [item.decode() for item in data if isinstance(item, bytes)]

    def unseen(self, folder: str = "INBOX") -> list[bytes]:
        """The raw messages in the folder that are not marked \\Seen."""
        with self.client() as imap:
            status, _ = imap.select(mailbox_name(folder), readonly=True)
            assert status == "OK", f"cannot select {folder!r}"
            _, found = imap.uid("SEARCH", "UNSEEN")
            messages: list[bytes] = []
            for uid in (found[0] or b"").split():
                _, parts = imap.uid("FETCH", uid.decode(), "(BODY.PEEK[])")
                messages.extend(part[1] for part in parts if isinstance(part, tuple))
            return messages

    def count(self, folder: str = "INBOX") -> int:
        """How many messages the folder holds (seen or not)."""
        return len(self.flags(folder))


def _wait_until_ready(server: ImapTestServer) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while True:
        if server.process.poll() is not None:
            log = server.log.read_text(encoding="utf-8", errors="replace")
            raise RuntimeError(f"pymap exited with {server.process.returncode}: {log}")
        try:
            with server.client():
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextmanager
def imap_server(folder: Path, username: str, password: str) -> Iterator[ImapTestServer]:
    """Start pymap on 127.0.0.1 with an empty in-memory mailbox for one user; stop it after."""
    pytest.importorskip("pymap", reason="the pymap package (test IMAP server) is not installed")
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = self_signed_localhost(folder)
    port = free_port()
    command = [
        sys.executable, "-c", "from pymap.main import main; main()",
        "--host", "127.0.0.1", "--port", str(port), "--cert", str(cert), "--key", str(key),
        "dict", "--demo-user", username, "--demo-password", password,
    ]  # fmt: skip
    log = folder / "pymap.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)
    server = ImapTestServer("127.0.0.1", port, cert, username, password, process, log)
    try:
        _wait_until_ready(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
