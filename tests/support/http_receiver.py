"""A recording HTTP server on loopback: receives webhooks and status callbacks."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class RecordedRequest:
    """One request the receiver got: full URL as the sender used it, headers, body."""

    method: str
    url: str
    path: str
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        """The body parsed as application/x-www-form-urlencoded."""
        return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))


Responder = Callable[[RecordedRequest], tuple[int, bytes]]


class HttpReceiver:
    """A running receiver; ``respond`` decides each answer (default 200 with ``{}``)."""

    def __init__(self, respond: Responder | None = None) -> None:
        self.requests: list[RecordedRequest] = []
        self.respond: Responder = respond or (lambda request: (200, b"{}"))
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                host = self.headers.get("Host", f"127.0.0.1:{receiver.port}")
                request = RecordedRequest(
                    "POST", f"http://{host}{self.path}", self.path, dict(self.headers), body
                )
                with receiver._lock:
                    receiver.requests.append(request)
                status, payload = receiver.respond(request)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, path: str) -> str:
        """The full URL of a path on this receiver."""
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_for(self, count: int, timeout: float = 5.0) -> list[RecordedRequest]:
        """Wait until at least ``count`` requests arrived; fail the test otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.01)
        with self._lock:
            raise AssertionError(f"expected {count} requests, got {len(self.requests)}")


@contextmanager
def running_receiver(respond: Responder | None = None) -> Iterator[HttpReceiver]:
    """Run a recording HTTP receiver on 127.0.0.1 for the duration of the block."""
    receiver = HttpReceiver(respond)
    receiver._thread.start()
    try:
        yield receiver
    finally:
        receiver._server.shutdown()
        receiver._server.server_close()
