"""The real `creditflow serve` in a subprocess, as a user starts it (DESIGN 5: e2e).

A fresh process imports only what `serve` imports, so what an in-process app hides
(a model nobody imported, a default that only tests set) shows here.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

CREDITFLOW = Path(sys.executable).with_name("creditflow")
STARTUP_SECONDS = 180  # the CI machine is small and shared: importing can take a while


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class ServeProcess:
    """A running `creditflow serve`: its address, its process and where it logs."""

    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """What the server printed so far (stdout and stderr)."""
        return self.log.read_text(encoding="utf-8", errors="replace")


def _wait_ready(server: ServeProcess) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"creditflow serve exited at start:\n{server.output()}")
        try:
            if httpx.get(f"{server.base_url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"creditflow serve did not answer in {STARTUP_SECONDS}s:\n{server.output()}")


def user_environment(database_url: str, folder: Path) -> dict[str, str]:
    """The environment `creditflow` runs with for a user working in `folder`: this
    database, the outbox in the folder, its creditflow.toml if there is one, and no
    other CREDITFLOW_* setting of the test run."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("CREDITFLOW_") or key == "CREDITFLOW_TEST_DATABASE_URL"
    }
    environ.update(
        CREDITFLOW_DATABASE_URL=database_url,
        CREDITFLOW_OUTBOX_DIR=str(folder / "outbox"),
    )
    if (folder / "creditflow.toml").is_file():
        environ["CREDITFLOW_CONFIG"] = str(folder / "creditflow.toml")
    return environ


@contextmanager
def serve(
    database_url: str,
    folder: Path,
    *,
    config: str | None = None,
    env: dict[str, str] | None = None,
    port: int | None = None,
) -> Iterator[ServeProcess]:
    """Start `creditflow serve` on `port` (default: a free one) with `config` as its
    creditflow.toml; a test that needs the address before (links in messages it
    dispatches first) takes `free_port()` itself."""
    folder.mkdir(parents=True, exist_ok=True)
    if config is not None:
        (folder / "creditflow.toml").write_text(config, encoding="utf-8")
    environ = {**user_environment(database_url, folder), "PYTHONUNBUFFERED": "1", **(env or {})}
    port = port or free_port()
    log = folder / f"serve-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [str(CREDITFLOW), "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=folder,
            env=environ,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = ServeProcess(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_ready(server)
        yield server
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=20)
