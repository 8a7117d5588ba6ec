"""A local server speaking Twilio's documented Messages and Calls REST endpoints.

- ``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` and ``.../Calls.json`` with
  form data and HTTP basic auth (account sid, auth token); 201 with Twilio-shaped JSON
  (sid ``SM...``/``CA...``, status ``queued``, ``num_segments``), or Twilio's error JSON
  ``{"code", "message", "more_info", "status"}``: 401/20003 for bad credentials,
  400/21211 for an invalid 'To' number, 400/21614 for a number that cannot receive SMS.
- ``fail_next(n)`` makes the next n requests answer 500 (code 20500).
- With ``StatusCallback`` it POSTs signed status callbacks (``X-Twilio-Signature``):
  queued -> sent -> delivered, or -> undelivered (30003) / failed (30008) for numbers
  in ``undeliverable`` / ``failing``; calls report initiated -> ringing -> in-progress
  -> completed.

Run alone (for the bench): ``python -m tests.support.twilio_emulator --port 0``
prints the port it listens on.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import re
import secrets
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import httpx
import uvicorn

from creditflow.channels.sandbox import sms_segments
from creditflow.channels.twilio import sign_twilio_request

_ROUTE = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC\w+)/(?P<kind>Messages|Calls)\.json$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_MORE_INFO = "https://www.twilio.com/docs/errors/{code}"


@dataclass
class Callback:
    """A status callback the emulator delivered."""

    url: str
    params: dict[str, str]
    signature: str
    response_status: int | None


@dataclass
class TwilioEmulator:
    """The emulator's ASGI app and state; serve it with ``running_twilio_emulator``."""

    account_sid: str = "AC" + "0" * 32
    auth_token: str = "test-auth-token"
    price: str | None = None
    price_unit: str = "USD"
    undeliverable: set[str] = field(default_factory=set)
    failing: set[str] = field(default_factory=set)
    landlines: set[str] = field(default_factory=set)
    record: bool = True
    requests: list[dict[str, str]] = field(default_factory=list)
    callbacks: list[Callback] = field(default_factory=list)
    _failures_left: int = 0
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def fail_next(self, count: int) -> None:
        """Answer the next ``count`` API requests with HTTP 500."""
        self._failures_left = count

    def wait_for_callbacks(self, count: int, timeout: float = 5.0) -> list[Callback]:
        """Wait until ``count`` callbacks were delivered; fail the test otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(self.callbacks) >= count:
                return list(self.callbacks)
            time.sleep(0.01)
        raise AssertionError(f"expected {count} callbacks, got {len(self.callbacks)}")

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        status, payload = self.handle(scope["method"], scope["path"], headers, body)
        data = json.dumps(payload).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(data)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": data})

    def _error(self, status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
        more_info = _MORE_INFO.format(code=code)
        return status, {"code": code, "message": message, "more_info": more_info, "status": status}

    def _authorised(self, headers: dict[str, str]) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return headers.get("authorization") == f"Basic {expected}"

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, Any]]:
        """Answer one API request (status, JSON body)."""
        match = _ROUTE.match(path)
        if method != "POST" or not match:
            return self._error(404, 20404, f"The requested resource {path} was not found")
        if not self._authorised(headers) or match["sid"] != self.account_sid:
            return self._error(401, 20003, "Authenticate")
        form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        multi = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        if self.record:
            self.requests.append({"_resource": match["kind"], **form})
        if self._failures_left > 0:
            self._failures_left -= 1
            return self._error(500, 20500, "Internal Server Error")
        to, sender = form.get("To", ""), form.get("From", "")
        number = to.removeprefix("whatsapp:")
        if not to:
            return self._error(400, 21604, "A 'To' phone number is required.")
        if not sender:
            return self._error(400, 21603, "A 'From' phone number is required.")
        if not _E164.match(number):
            return self._error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if match["kind"] == "Calls":
            return self._create_call(form, [v for k, v in multi if k == "StatusCallbackEvent"])
        if number in self.landlines:
            return self._error(400, 21614, f"'To' number {to} is not a valid mobile number")
        if to.startswith("whatsapp:") != sender.startswith("whatsapp:"):
            return self._error(400, 21910, "Invalid From and To pair.")
        if not form.get("Body") and not form.get("ContentSid"):
            return self._error(400, 21602, "Message body is required.")
        return self._create_message(form)

    def _create_message(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        sid = "SM" + secrets.token_hex(16)
        text = form.get("Body", "")
        resource = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": form["To"],
            "from": form["From"],
            "body": text,
            "status": "queued",
            "num_segments": str(sms_segments(text) if text else 1),
            "num_media": "0",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "price": self.price,
            "price_unit": self.price_unit,
            "error_code": None,
            "error_message": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
        }
        callback = form.get("StatusCallback")
        if callback:
            number = form["To"].removeprefix("whatsapp:")
            if number in self.failing:
                statuses = [("queued", None), ("failed", "30008")]
            elif number in self.undeliverable:
                statuses = [("queued", None), ("sent", None), ("undelivered", "30003")]
            else:
                statuses = [("queued", None), ("sent", None), ("delivered", None)]
            base = {"MessageSid": sid, "SmsSid": sid, "AccountSid": self.account_sid}
            base |= {"From": form["From"], "To": form["To"], "ApiVersion": "2010-04-01"}
            events = []
            for status, error in statuses:
                params = base | {"MessageStatus": status, "SmsStatus": status}
                if error:
                    params["ErrorCode"] = error
                events.append(params)
            self._schedule(callback, events)
        return 201, resource

    def _create_call(self, form: dict[str, str], events: list[str]) -> tuple[int, dict[str, Any]]:
        if not form.get("Url") and not form.get("Twiml"):
            return self._error(400, 21205, "Url parameter is required.")
        sid = "CA" + secrets.token_hex(16)
        resource = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": form["To"],
            "from": form["From"],
            "status": "queued",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "price": None,
            "price_unit": self.price_unit,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{sid}.json",
        }
        callback = form.get("StatusCallback")
        if callback:
            wanted = events or ["completed"]
            progress = {"initiated": "initiated", "ringing": "ringing", "answered": "in-progress"}
            progress["completed"] = "completed"
            base = {"CallSid": sid, "AccountSid": self.account_sid, "From": form["From"]}
            base |= {"To": form["To"], "Direction": "outbound-api", "ApiVersion": "2010-04-01"}
            calls = [base | {"CallStatus": progress[event]} for event in wanted]
            if form.get("MachineDetection"):
                calls = [params | {"AnsweredBy": "human"} for params in calls]
            self._schedule(callback, calls)
        return 201, resource

    def _schedule(self, url: str, events: list[dict[str, str]]) -> None:
        task = asyncio.get_running_loop().create_task(self._deliver(url, events))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, url: str, events: list[dict[str, str]]) -> None:
        async with httpx.AsyncClient(timeout=5.0) as client:
            for params in events:
                signature = sign_twilio_request(url, params, self.auth_token)
                try:
                    response = await client.post(
                        url, data=params, headers={"X-Twilio-Signature": signature}
                    )
                    status: int | None = response.status_code
                except httpx.HTTPError:
                    status = None
                self.callbacks.append(Callback(url, params, signature, status))


class EmulatorServer:
    """A running emulator: its base URL and the emulator's state."""

    def __init__(self, emulator: TwilioEmulator, server: uvicorn.Server, port: int) -> None:
        self.emulator = emulator
        self.server = server
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"


def _listening_socket(port: int) -> socket.socket:
    # An explicit IPPROTO_TCP: asyncio only sets TCP_NODELAY on accepted sockets whose
    # proto says TCP; without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    return sock


@contextmanager
def running_twilio_emulator(emulator: TwilioEmulator | None = None) -> Iterator[EmulatorServer]:
    """Serve the emulator with uvicorn on 127.0.0.1 in a background thread."""
    emulator = emulator or TwilioEmulator()
    sock = _listening_socket(0)
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(emulator, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the Twilio emulator did not start")
        time.sleep(0.01)
    try:
        yield EmulatorServer(emulator, server, port)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def main() -> None:
    """Serve the emulator until killed, printing the port (used by bench/channels.py)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--account-sid", default=TwilioEmulator.account_sid)
    parser.add_argument("--auth-token", default=TwilioEmulator.auth_token)
    args = parser.parse_args()
    emulator = TwilioEmulator(args.account_sid, args.auth_token, record=False)
    sock = _listening_socket(args.port)
    print(sock.getsockname()[1], flush=True)
    config = uvicorn.Config(emulator, log_level="warning", lifespan="off", access_log=False)
    uvicorn.Server(config).run(sockets=[sock])
    sys.exit(0)


if __name__ == "__main__":
    main()
