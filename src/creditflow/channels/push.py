"""Push notifications through the creditor's own app: a signed JSON webhook.

The receiver checks ``X-Creditflow-Signature: sha256=<hex>``, the HMAC-SHA256 of
``timestamp + "." + body`` with the shared secret, and rejects old timestamps
(``verify_push_signature``) so a captured request cannot be replayed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from creditflow.channels.base import (
    OutboundMessage,
    SendResult,
    classify_http_status,
    require_channel,
)

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "PushWebhookAdapter",
    "push_payload",
    "push_signature",
    "verify_push_signature",
]

SIGNATURE_HEADER = "X-Creditflow-Signature"
TIMESTAMP_HEADER = "X-Creditflow-Timestamp"


def push_signature(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value: ``sha256=`` + hex HMAC-SHA256 of ``timestamp.body``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify_push_signature(
    body: bytes,
    timestamp: str,
    signature: str,
    secret: str,
    *,
    now: float,
    tolerance_seconds: float = 300,
) -> bool:
    """True when the signature matches and the timestamp is within the tolerance of ``now``."""
    try:
        sent_at = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent_at) > tolerance_seconds:
        return False
    expected = push_signature(secret, timestamp, body)
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace"))


def push_payload(message: OutboundMessage) -> dict[str, Any]:
    """The JSON document posted to the app for one push message."""
    return {
        "action_id": message.action_id,
        "customer_id": message.customer_id,
        "channel": message.channel,
        "to": message.to,
        "subject": message.subject,
        "text": message.text,
        "metadata": dict(message.metadata),
        "status_callback_url": message.status_callback_url,
    }


class PushWebhookAdapter:
    """Posts push messages to the creditor's app, which delivers them to the debtor."""

    name = "webhook_push"

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"push webhook url {url!r} is not an http(s) URL")
        if not secret:
            raise ValueError("push webhook secret is empty")
        self.url = url
        self._secret = secret
        self.timeout = timeout
        self._clock = clock
        self._client: httpx.Client | None = None

    def __repr__(self) -> str:
        return f"PushWebhookAdapter(url={self.url!r})"

    def send(self, message: OutboundMessage) -> SendResult:
        """POST the signed JSON; 404/410 from the app means the debtor has no app account."""
        require_channel(message, "push")
        body = json.dumps(push_payload(message), separators=(",", ":"), sort_keys=True).encode()
        timestamp = str(int(self._clock()))
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: push_signature(self._secret, timestamp, body),
            TIMESTAMP_HEADER: timestamp,
            "Idempotency-Key": message.action_id,
        }
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout)
        try:
            response = self._client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return SendResult.transient(self.name, f"push webhook unreachable: {exc!r}")
        status = classify_http_status(response.status_code)
        if status == "sent":
            return SendResult.sent(self.name, _message_id(response) or message.action_id)
        error = f"push webhook HTTP {response.status_code}: {response.text[:200]}"
        if status == "transient_failure":
            return SendResult.transient(self.name, error)
        return SendResult.permanent(
            self.name, error, contact_invalid=response.status_code in (404, 410)
        )

    def close(self) -> None:
        """Close the keep-alive HTTP client."""
        if self._client is not None:
            self._client.close()
            self._client = None


def _message_id(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    value = body.get("id") if isinstance(body, dict) else None
    return str(value) if value else None
