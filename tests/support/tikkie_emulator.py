"""A local server speaking the Tikkie API v2 payment request endpoints (ABN AMRO).

- ``POST /v2/tikkie/paymentrequests`` (JSON ``description`` <= 35, ``amountInCents``,
  ``expiryDate`` YYYY-MM-DD, ``referenceId`` <= 35; headers ``API-Key`` and
  ``X-App-Token``) -> 201 with ``paymentRequestToken``, ``url``, ``status`` OPEN.
- ``GET /v2/tikkie/paymentrequests/{token}`` and ``.../{token}/payments``.
- Errors in Tikkie's shape ``{"errors": [{"code", "message", "reference", "traceId",
  "status"}]}``.
- The test pays (``pay``) or expires (``expire``) a request and sends the notification
  (``notify``: JSON with ``notificationType`` PAYMENT and ``paymentRequestToken``).
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

PREFIX = "/v2/tikkie"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {
            "errors": [
                {
                    "code": code,
                    "message": message,
                    "reference": "https://developer.abnamro.com",
                    "traceId": secrets.token_hex(8),
                    "status": status,
                }
            ]
        },
        status,
    )


@dataclass
class TikkieEmulator:
    """State of the emulated Tikkie app; ``app`` is the ASGI app to serve."""

    api_key: str = "tikkie-api-key"
    app_token: str = "tikkie-app-token"
    requests_made: dict[str, dict[str, Any]] = field(default_factory=dict)
    payments: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def app(self) -> FastAPI:
        """The emulator as an ASGI app."""
        app = FastAPI()
        app.add_api_route(f"{PREFIX}/paymentrequests", self._create, methods=["POST"])
        app.add_api_route(f"{PREFIX}/paymentrequests/{{token}}", self._get, methods=["GET"])
        app.add_api_route(
            f"{PREFIX}/paymentrequests/{{token}}/payments", self._payments, methods=["GET"]
        )
        return app

    def pay(self, token: str, amount_in_cents: int | None = None) -> None:
        """A payer pays the request (the full amount unless told otherwise)."""
        with self._lock:
            request = self.requests_made[token]
            cents = request["amountInCents"] if amount_in_cents is None else amount_in_cents
            self.payments.setdefault(token, []).append(
                {
                    "paymentToken": secrets.token_hex(8),
                    "tikkieId": secrets.token_hex(4),
                    "counterPartyName": "J. de Vries",
                    "counterPartyAccountNumber": "NL01RABO0123456789",
                    "amountInCents": cents,
                    "description": request["description"],
                    "createdDateTime": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "refunds": [],
                }
            )
            request["numberOfPayments"] += 1
            request["totalAmountPaidInCents"] += cents

    def expire(self, token: str) -> None:
        """The request passes its expiry date unpaid."""
        with self._lock:
            self.requests_made[token]["status"] = "EXPIRED"

    def notify(self, url: str, token: str) -> httpx.Response:
        """Send Tikkie's payment notification for this request to `url`."""
        return httpx.post(
            url,
            json={
                "subscriptionId": "sub-emulated",
                "notificationType": "PAYMENT",
                "paymentRequestToken": token,
                "paymentToken": secrets.token_hex(8),
            },
            timeout=30,
        )

    def _authorised(self, request: Request) -> bool:
        return (
            request.headers.get("api-key") == self.api_key
            and request.headers.get("x-app-token") == self.app_token
        )

    async def _create(self, request: Request) -> JSONResponse:
        if not self._authorised(request):
            return _error(401, "ERR_2005_002", "The API Key or App Token is invalid")
        body = await request.json()
        self.bodies.append(body)
        description, reference = body.get("description"), body.get("referenceId")
        cents, expiry = body.get("amountInCents"), body.get("expiryDate")
        if not isinstance(description, str) or not 0 < len(description) <= 35:
            return _error(400, "ERR_1100_004", "description is missing or longer than 35")
        if reference is not None and (not isinstance(reference, str) or len(reference) > 35):
            return _error(400, "ERR_1100_005", "referenceId is longer than 35")
        if not isinstance(cents, int) or isinstance(cents, bool) or cents <= 0:
            return _error(400, "ERR_1100_003", "amountInCents must be a positive integer")
        if (
            not isinstance(expiry, str)
            or not _DATE.match(expiry)
            or date.fromisoformat(expiry) <= datetime.now(UTC).date()
        ):
            return _error(400, "ERR_1100_006", "expiryDate must be a date in the future")
        token = "qzdnzr8hnVWTgXXcFRLUMc" + secrets.token_hex(4)
        request_made = {
            "paymentRequestToken": token,
            "url": f"https://tikkie.me/pay/Tikkie/{token}",
            "amountInCents": cents,
            "description": description,
            "referenceId": reference,
            "createdDateTime": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "expiryDate": expiry,
            "status": "OPEN",
            "numberOfPayments": 0,
            "totalAmountPaidInCents": 0,
        }
        with self._lock:
            self.requests_made[token] = request_made
        return JSONResponse(request_made, 201)

    async def _get(self, token: str, request: Request) -> JSONResponse:
        if not self._authorised(request):
            return _error(401, "ERR_2005_002", "The API Key or App Token is invalid")
        with self._lock:
            found = self.requests_made.get(token)
            if found is None:
                return _error(404, "ERR_2200_001", "Payment request not found")
            return JSONResponse(dict(found))

    async def _payments(self, token: str, request: Request) -> JSONResponse:
        if not self._authorised(request):
            return _error(401, "ERR_2005_002", "The API Key or App Token is invalid")
        page = int(request.query_params.get("pageNumber", "0"))
        size = int(request.query_params.get("pageSize", "50"))
        with self._lock:
            if token not in self.requests_made:
                return _error(404, "ERR_2200_001", "Payment request not found")
            payments = self.payments.get(token, [])
            return JSONResponse(
                {
                    "payments": payments[page * size : (page + 1) * size],
                    "totalElementCount": len(payments),
                }
            )
