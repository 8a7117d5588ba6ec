"""A real SFTP server on loopback (paramiko) serving one folder, with password login.

with sftp_server(tmp_path, "agency", "s3cret") as server:
    server.port, server.host_key_line  # "ssh-rsa AAAA..." for the client to verify
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paramiko


class _Login(paramiko.ServerInterface):
    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username, password

    def get_allowed_auths(self, username: str) -> str:
        return "password"

    def check_auth_password(self, username: str, password: str) -> int:
        if (username, password) == (self.username, self.password):
            return paramiko.AUTH_SUCCESSFUL
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind: str, chanid: int) -> int:
        if kind == "session":
            return paramiko.OPEN_SUCCEEDED
        return paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED


class _Folder(paramiko.SFTPServerInterface):
    """Serves `root`; paths outside it are refused."""

    def __init__(self, server: Any, *args: Any, root: Path, **kwargs: Any) -> None:
        super().__init__(server, *args, **kwargs)
        self.root = root.resolve()

    def _path(self, path: str) -> Path:
        full = (self.root / path.lstrip("/")).resolve()
        if full != self.root and self.root not in full.parents:
            raise PermissionError(path)
        return full

    def _guard(self, work: Any) -> Any:
        try:
            return work()
        except PermissionError:
            return paramiko.SFTP_PERMISSION_DENIED
        except OSError as exc:
            return paramiko.SFTPServer.convert_errno(exc.errno)

    def canonicalize(self, path: str) -> str:
        relative = self._path(path).relative_to(self.root).as_posix()
        return "/" if relative == "." else "/" + relative

    def list_folder(self, path: str) -> Any:
        def work() -> Any:
            folder = self._path(path)
            return [
                paramiko.SFTPAttributes.from_stat(os.stat(folder / name), filename=name)
                for name in os.listdir(folder)
            ]

        return self._guard(work)

    def stat(self, path: str) -> Any:
        return self._guard(lambda: paramiko.SFTPAttributes.from_stat(os.stat(self._path(path))))

    lstat = stat

    def open(self, path: str, flags: int, attr: Any) -> Any:
        def work() -> Any:
            fd = os.open(self._path(path), flags | getattr(os, "O_BINARY", 0), 0o644)
            mode = (
                "ab"
                if flags & os.O_APPEND
                else ("r+b" if flags & (os.O_WRONLY | os.O_RDWR) else "rb")
            )
            if flags & os.O_WRONLY and not flags & os.O_APPEND:
                mode = "wb"
            handle = paramiko.SFTPHandle(flags)
            handle.filename = str(self._path(path))  # type: ignore[attr-defined]
            stream = os.fdopen(fd, mode)
            handle.readfile = stream  # type: ignore[attr-defined]
            handle.writefile = stream  # type: ignore[attr-defined]
            return handle

        return self._guard(work)

    def remove(self, path: str) -> int:
        return self._guard(lambda: os.remove(self._path(path)) or paramiko.SFTP_OK)

    def rename(self, oldpath: str, newpath: str) -> int:
        def work() -> int:
            target = self._path(newpath)
            if target.exists():
                return paramiko.SFTP_FAILURE
            os.rename(self._path(oldpath), target)
            return paramiko.SFTP_OK

        return self._guard(work)

    def mkdir(self, path: str, attr: Any) -> int:
        return self._guard(lambda: os.mkdir(self._path(path)) or paramiko.SFTP_OK)


@dataclass
class SftpServer:
    """The running server: where it listens and the key it proves itself with."""

    root: Path
    host: str
    port: int
    host_key: paramiko.PKey
    connections: int = 0

    @property
    def host_key_line(self) -> str:
        """The public key as a known_hosts style "type base64" line."""
        return f"{self.host_key.get_name()} {self.host_key.get_base64()}"


@contextmanager
def sftp_server(
    root: Path, username: str, password: str, *, port: int = 0, key: paramiko.PKey | None = None
) -> Iterator[SftpServer]:
    """Run an SFTP server on 127.0.0.1 until the block ends.

    `port` 0 takes a free port; pass the port and key of an earlier run to start the
    same server again (as after an outage).
    """
    key = key or paramiko.RSAKey.generate(2048)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(5)
    listener.settimeout(0.2)
    server = SftpServer(root, "127.0.0.1", listener.getsockname()[1], key)
    transports: list[paramiko.Transport] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            transport = paramiko.Transport(conn)
            transport.add_server_key(key)
            transport.set_subsystem_handler("sftp", paramiko.SFTPServer, _Folder, root=root)
            # With an event, negotiation runs in the transport's own thread: a client that
            # walks away mid-handshake (a wrong host key) cannot stop this accept loop.
            try:
                transport.start_server(event=threading.Event(), server=_Login(username, password))
            except (paramiko.SSHException, EOFError, OSError):
                transport.close()
                continue
            transports.append(transport)
            server.connections += 1

    thread = threading.Thread(target=serve, name="sftp-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
        for transport in transports:
            transport.close()


def agency_settings(settings: Any, server: SftpServer, **extra: Any) -> Any:
    """`settings` with `[handover]` pointing at this server (password from AGENCY_SFTP_PASSWORD)."""
    from dataclasses import replace

    from creditflow.config.sections import parse_handover

    section = {
        "sftp_host": server.host,
        "sftp_port": server.port,
        "username": "agency",
        "password_env": "AGENCY_SFTP_PASSWORD",
        "remote_dir": "/inbox",
        "host_key": server.host_key_line,
        **extra,
    }
    return replace(settings, handover=parse_handover({"handover": section}))
