"""Reading bank statements from an SFTP inbox: connect, list, fetch, move or delete.

Network only: nothing here opens a database transaction. The scheduler
(`schedule/service.py`, job "statement") decides which files are new by their
content's sha256, imports each new content once and then asks this module to move
or delete the file (`[schedule.statements_sftp] after_import`).

The server must prove itself with the configured key (`host_key`, "ssh-ed25519
AAAA...", or a `known_hosts` file); an unverified server is refused.
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import socket
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from creditflow.config.operations import StatementsSftp
from creditflow.config.ssh import server_key as ssh_server_key

__all__ = ["CONNECT_TIMEOUT", "InboxFile", "SftpInbox", "open_inbox", "server_key"]

CONNECT_TIMEOUT = 15.0  # seconds to reach the server: a bank down must not hold the worker


@dataclass(frozen=True)
class InboxFile:
    """A file in the inbox as listed: its name, size and modification time (seconds)."""

    name: str
    size: int
    mtime: int


def server_key(config: StatementsSftp) -> Any:
    """The key the server must present, from `host_key` or the `known_hosts` file."""
    return ssh_server_key(
        config.host_key, config.known_hosts, config.host, config.port, "schedule.statements_sftp"
    )


class SftpInbox:
    """An open SFTP session on the inbox folder."""

    def __init__(self, config: StatementsSftp, sftp: Any) -> None:
        self.config = config
        self.sftp = sftp

    def _path(self, name: str) -> str:
        return posixpath.join(self.config.remote_dir, name)

    def files(self) -> list[InboxFile]:
        """The inbox's plain files, by name; dot files and `.part` uploads are still arriving."""
        found = []
        for entry in self.sftp.listdir_attr(self.config.remote_dir):
            name = entry.filename
            if name.startswith(".") or name.endswith(".part"):
                continue
            if entry.st_mode is not None and not stat.S_ISREG(entry.st_mode):
                continue
            found.append(InboxFile(name, int(entry.st_size or 0), int(entry.st_mtime or 0)))
        return sorted(found, key=lambda f: f.name)

    def read(self, name: str) -> bytes:
        """The file's bytes."""
        buffer = io.BytesIO()
        self.sftp.getfo(self._path(name), buffer)
        return buffer.getvalue()

    def digest(self, name: str) -> tuple[str, bytes]:
        """(sha256, bytes) of the file."""
        data = self.read(name)
        return hashlib.sha256(data).hexdigest(), data

    def after_import(self, name: str, digest: str) -> str:
        """Move or delete an imported file as configured; says what was done."""
        mode = self.config.after_import
        if mode == "delete":
            self.sftp.remove(self._path(name))
            return "deleted from the inbox"
        if mode != "move":
            return ""
        folder = self.config.move_to
        if not folder.startswith("/"):
            folder = self._path(folder)
        try:
            self.sftp.stat(folder)
        except OSError:
            self.sftp.mkdir(folder)
        target = posixpath.join(folder, name)
        if _exists(self.sftp, target):  # a file of that name was imported before
            stem, suffix = posixpath.splitext(name)
            target = posixpath.join(folder, f"{stem}-{digest[:12]}{suffix}")
        if _exists(self.sftp, target):  # this very content was moved before: a copy
            self.sftp.remove(self._path(name))
            return f"removed (already in {folder})"
        self.sftp.rename(self._path(name), target)
        return f"moved to {target}"


def _exists(sftp: Any, path: str) -> bool:
    try:
        sftp.stat(path)
    except OSError:
        return False
    return True


@contextmanager
def open_inbox(config: StatementsSftp, password: str) -> Iterator[SftpInbox]:
    """Connect (bounded by CONNECT_TIMEOUT), verify the server's key, log in; close at the end."""
    import paramiko

    key = server_key(config)
    sock = socket.create_connection((config.host, config.port), timeout=CONNECT_TIMEOUT)
    transport = paramiko.Transport(sock)
    try:
        transport.connect(hostkey=key, username=config.username, password=password)
        sftp = paramiko.SFTPClient.from_transport(transport)
        assert sftp is not None
        sftp.get_channel().settimeout(CONNECT_TIMEOUT * 4)
        try:
            yield SftpInbox(config, sftp)
        finally:
            sftp.close()
    finally:
        transport.close()
