"""Twilio: SMS and WhatsApp through the Messages API, robocalls through the Calls API.

Both post form data to ``{base_url}/2010-04-01/Accounts/{sid}/...json`` with HTTP basic
auth (account sid, auth token). Status callbacks Twilio sends back are checked with
``verify_twilio_signature``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import ssl
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

import aiohttp
import httpx

from creditflow.channels.base import (
    OutboundMessage,
    SendResult,
    classify_http_status,
    require_channel,
)
from creditflow.money import InvalidAmount, Money, parse_amount

__all__ = [
    "INVALID_CONTACT_CODES",
    "TwilioMessagingAdapter",
    "TwilioVoiceAdapter",
    "sign_twilio_request",
    "verify_twilio_signature",
]

API_VERSION = "2010-04-01"
# Twilio error codes meaning the number itself cannot be reached on this channel.
INVALID_CONTACT_CODES = frozenset({21211, 21214, 21217, 21401, 21407, 21421, 21612, 21614, 63003})
_CALL_EVENTS = ("initiated", "ringing", "answered", "completed")

FormParams = list[tuple[str, str]]


def sign_twilio_request(url: str, params: Mapping[str, str], auth_token: str) -> str:
    """X-Twilio-Signature: base64 HMAC-SHA1 of the full URL + sorted names and values."""
    payload = url + "".join(name + params[name] for name in sorted(params))
    digest = hmac.new(auth_token.encode("utf-8"), payload.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_twilio_signature(
    url: str, params: Mapping[str, str], signature: str, auth_token: str
) -> bool:
    """True when ``signature`` is Twilio's signature of this request (constant-time compare)."""
    expected = sign_twilio_request(url, params, auth_token)
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace"))


def _cost(body: Mapping[str, Any]) -> Money | None:
    price, unit = body.get("price"), body.get("price_unit")
    if price in (None, "") or not unit:
        return None
    try:
        # Twilio reports what the account was charged as a negative amount.
        return Money(abs(parse_amount(str(price), allow_negative=True)), str(unit))
    except (InvalidAmount, ValueError):
        return None


def _segments(body: Mapping[str, Any]) -> int | None:
    value = body.get("num_segments")
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def result_from_response(provider: str, response: httpx.Response) -> SendResult:
    """Classify a Twilio API answer: the created resource, or Twilio's error JSON."""
    return result_from_answer(
        provider, response.status_code, response.content, response.reason_phrase
    )


def result_from_answer(provider: str, status_code: int, content: bytes, reason: str) -> SendResult:
    """Classify a Twilio API answer from its status, body and reason phrase."""
    try:
        body = json.loads(content) if content else {}
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    status = classify_http_status(status_code)
    if status == "sent":
        sid = body.get("sid")
        return SendResult.sent(
            provider, str(sid) if sid else None, cost=_cost(body), segments=_segments(body)
        )
    code = body.get("code")
    message = body.get("message") or reason
    error = f"Twilio HTTP {status_code}" + (f" code {code}" if code else "")
    error = f"{error}: {message}"
    if status == "transient_failure":
        return SendResult.transient(provider, error)
    return SendResult.permanent(provider, error, contact_invalid=code in INVALID_CONTACT_CODES)


def _network_failure(provider: str, exc: Exception) -> SendResult:
    timeout = isinstance(exc, httpx.TimeoutException | TimeoutError)
    kind = "timeout" if timeout else "network error"
    return SendResult.transient(provider, f"Twilio {kind}: {exc!r}")


def _event_loop_running() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


class _TwilioClient:
    """Shared plumbing: credentials, one keep-alive HTTP client, the account's base path."""

    provider = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        base_url: str = "https://api.twilio.com",
        *,
        timeout: float = 15.0,
    ) -> None:
        if not account_sid or not auth_token:
            raise ValueError("Twilio account_sid and auth_token are required")
        self.account_sid = account_sid
        self._auth_token = auth_token
        self.from_number = from_number
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._client: httpx.Client | None = None
        self._tls: ssl.SSLContext | None = None

    def _tls_context(self) -> ssl.SSLContext:
        """One TLS context per adapter: loading the CA bundle costs ~20 ms each time."""
        if self._tls is None:
            import certifi

            self._tls = ssl.create_default_context(cafile=certifi.where())
        return self._tls

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(account_sid={self.account_sid!r}, "
            f"from_number={self.from_number!r}, base_url={self.base_url!r})"
        )

    def _url(self, resource: str) -> str:
        return f"{self.base_url}/{API_VERSION}/Accounts/{self.account_sid}/{resource}.json"

    def _post(self, resource: str, params: FormParams) -> SendResult:
        if self._client is None:
            self._client = httpx.Client(
                auth=(self.account_sid, self._auth_token), timeout=self.timeout
            )
        try:
            response = self._client.post(self._url(resource), data=_form(params))
        except httpx.HTTPError as exc:
            return _network_failure(self.provider, exc)
        return result_from_response(self.provider, response)

    def close(self) -> None:
        """Close the keep-alive HTTP client (a later send opens a new one)."""
        if self._client is not None:
            self._client.close()
            self._client = None


def _form(params: FormParams) -> dict[str, str | list[str]]:
    form: dict[str, str | list[str]] = {}
    for name, value in params:
        if name in form:
            previous = form[name]
            form[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            form[name] = value
    return form


class TwilioMessagingAdapter(_TwilioClient):
    """SMS (or, with ``whatsapp=True``, WhatsApp) through Twilio's Messages API."""

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        base_url: str = "https://api.twilio.com",
        whatsapp: bool = False,
        *,
        timeout: float = 15.0,
    ) -> None:
        super().__init__(account_sid, auth_token, from_number, base_url, timeout=timeout)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._batch_session: aiohttp.ClientSession | None = None
        self.whatsapp = whatsapp
        self.channel = "whatsapp" if whatsapp else "sms"
        self.name = f"twilio_{self.channel}"

    def message_params(self, message: OutboundMessage) -> FormParams:
        """The form fields for one message (To, From, Body or ContentSid, StatusCallback)."""
        require_channel(message, self.channel)
        to, sender = message.to, self.from_number
        if self.whatsapp:
            to = to if to.startswith("whatsapp:") else f"whatsapp:{to}"
            sender = sender if sender.startswith("whatsapp:") else f"whatsapp:{sender}"
        params: FormParams = [("To", to), ("From", sender)]
        content_sid = message.metadata.get("content_sid")
        if self.whatsapp and content_sid:
            params.append(("ContentSid", content_sid))
            variables = message.metadata.get("content_variables")
            if variables:
                params.append(("ContentVariables", variables))
        else:
            params.append(("Body", message.text))
        if message.status_callback_url:
            params.append(("StatusCallback", message.status_callback_url))
        return params

    def send(self, message: OutboundMessage) -> SendResult:
        """Create one Twilio message; records sid, num_segments and price when returned."""
        return self._post("Messages", self.message_params(message))

    async def send_many(
        self, messages: Sequence[OutboundMessage], concurrency: int = 32
    ) -> list[SendResult]:
        """Send many messages concurrently over keep-alive connections; results in order."""
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        async with self._session(concurrency) as session:
            return await self._post_all(session, messages, concurrency)

    def send_batch(
        self, messages: Sequence[OutboundMessage], concurrency: int = 32
    ) -> list[SendResult]:
        """`send_many` for synchronous callers (dispatch), keeping its connections between batches.

        The adapter runs its own event loop, so the keep-alive connections of one batch
        serve the next; `close` ends them.
        """
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if _event_loop_running():  # an async caller: its loop cannot be left for ours
            return [self.send(message) for message in messages]
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop.run_until_complete(self._send_batch(messages, concurrency))

    async def _send_batch(
        self, messages: Sequence[OutboundMessage], concurrency: int
    ) -> list[SendResult]:
        if self._batch_session is None or self._batch_session.closed:
            self._batch_session = self._session(concurrency)
        return await self._post_all(self._batch_session, messages, concurrency)

    def _session(self, concurrency: int) -> aiohttp.ClientSession:
        """An aiohttp session (it spends a fraction of httpx's CPU per request)."""
        credentials = f"{self.account_sid}:{self._auth_token}".encode()
        return aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=concurrency, ssl=self._tls_context()),
            timeout=aiohttp.ClientTimeout(total=self.timeout),
            headers={
                "Authorization": "Basic " + base64.b64encode(credentials).decode("ascii"),
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )

    async def _post_all(
        self,
        session: aiohttp.ClientSession,
        messages: Sequence[OutboundMessage],
        concurrency: int,
    ) -> list[SendResult]:
        bodies = [urlencode(self.message_params(message)).encode() for message in messages]
        url = self._url("Messages")
        gate = asyncio.Semaphore(concurrency)

        async def post(body: bytes) -> SendResult:
            async with gate:
                try:
                    async with session.post(url, data=body) as response:
                        content = await response.read()
                        reason = response.reason or ""
                        return result_from_answer(self.provider, response.status, content, reason)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    return _network_failure(self.provider, exc)

        return list(await asyncio.gather(*(post(body) for body in bodies)))

    def close(self) -> None:
        """Close the keep-alive connections (a later send opens new ones)."""
        super().close()
        if self._loop is not None:
            if self._batch_session is not None:
                self._loop.run_until_complete(self._batch_session.close())
                self._batch_session = None
            self._loop.close()
            self._loop = None


class TwilioVoiceAdapter(_TwilioClient):
    """Robocalls through Twilio's Calls API; the TwiML comes from ``metadata["twiml_url"]``."""

    name = "twilio_voice"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str,
        base_url: str = "https://api.twilio.com",
        machine_detection: str = "DetectMessageEnd",
        *,
        timeout: float = 15.0,
    ) -> None:
        super().__init__(account_sid, auth_token, from_number, base_url, timeout=timeout)
        if machine_detection not in ("Enable", "DetectMessageEnd", ""):
            raise ValueError(
                f"machine_detection {machine_detection!r} is not Enable or DetectMessageEnd"
            )
        self.machine_detection = machine_detection

    def call_params(self, message: OutboundMessage) -> FormParams:
        """The form fields for one call (To, From, Url, MachineDetection, StatusCallback)."""
        require_channel(message, "voice")
        twiml_url = message.metadata.get("twiml_url")
        if not twiml_url:
            raise ValueError(f"action {message.action_id} has no metadata['twiml_url']")
        params: FormParams = [
            ("To", message.to),
            ("From", self.from_number),
            ("Url", twiml_url),
            ("Method", "POST"),
        ]
        if self.machine_detection:
            params.append(("MachineDetection", self.machine_detection))
        if message.status_callback_url:
            params.append(("StatusCallback", message.status_callback_url))
            params.append(("StatusCallbackMethod", "POST"))
            params.extend(("StatusCallbackEvent", event) for event in _CALL_EVENTS)
        return params

    def send(self, message: OutboundMessage) -> SendResult:
        """Place one call; the provider id is the call sid (CA...)."""
        return self._post("Calls", self.call_params(message))
