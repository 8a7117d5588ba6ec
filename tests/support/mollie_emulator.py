"""A local server speaking Mollie's documented Payments and Payment Links API (v2).

- ``POST /v2/payments`` (JSON: ``amount{currency,value}`` with the currency's exact
  decimals as a string, ``description``, ``redirectUrl``, optional ``webhookUrl``,
  ``metadata``, ``method``, ``locale``) -> 201 with a payment ``tr_...`` whose
  ``_links.checkout.href`` is the checkout; ``GET /v2/payments/{id}``.
- ``POST /v2/payment-links`` / ``GET /v2/payment-links/{id}`` (``pl_...``,
  ``_links.paymentLink.href``, ``paidAt`` once paid).
- Bearer API key; errors in Mollie's shape ``{"status", "title", "detail", "field"}``.
- The test moves a payment with ``set_status`` and delivers the webhook (a form POST
  with only ``id``) with ``deliver_webhook``; ``answer_next`` makes the next GETs of a
  payment report given statuses (a stale or reordered view of the payment).
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

_VALUE = re.compile(r"^\d+(\.\d+)?$")
_DECIMALS = {"JPY": 0, "ISK": 0}
_STATUSES = ("open", "pending", "authorized", "paid", "failed", "expired", "canceled")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _error(status: int, title: str, detail: str, field_name: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {
        "status": status,
        "title": title,
        "detail": detail,
        "_links": {
            "documentation": {"href": "https://docs.mollie.com/errors", "type": "text/html"}
        },
    }
    if field_name:
        body["field"] = field_name
    return JSONResponse(body, status, media_type="application/hal+json")


@dataclass
class MollieEmulator:
    """State of the emulated Mollie account; ``app`` is the ASGI app to serve."""

    api_key: str = "test_" + "x" * 30
    base_url: str = "http://127.0.0.1"
    payments: dict[str, dict[str, Any]] = field(default_factory=dict)
    links: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    webhook_answers: list[tuple[int, str]] = field(default_factory=list)
    _scripted: dict[str, list[str]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def app(self) -> FastAPI:
        """The emulator as an ASGI app."""
        app = FastAPI()
        app.add_api_route("/v2/payments", self._create_payment, methods=["POST"])
        app.add_api_route("/v2/payments/{pid}", self._get_payment, methods=["GET"])
        app.add_api_route("/v2/payment-links", self._create_link, methods=["POST"])
        app.add_api_route("/v2/payment-links/{pid}", self._get_link, methods=["GET"])
        return app

    # --- the test's controls -------------------------------------------------------
    def set_status(self, pid: str, status: str, method: str = "ideal") -> None:
        """Move a payment to a status (paid sets paidAt); a link is paid with 'paid'."""
        assert status in _STATUSES, status
        with self._lock:
            if pid.startswith("pl_"):
                if status == "paid":
                    self.links[pid]["paidAt"] = _now()
                if status == "canceled":
                    self.links[pid]["archived"] = True
                return
            payment = self.payments[pid]
            payment["status"] = status
            if status == "paid":
                payment["paidAt"] = _now()
                payment["method"] = method
            if status in ("failed", "expired", "canceled"):
                payment[f"{status}At"] = _now()

    def answer_next(self, pid: str, statuses: list[str]) -> None:
        """The next GETs of this payment report these statuses, in order."""
        with self._lock:
            self._scripted[pid] = list(statuses)

    def deliver_webhook(self, pid: str, timeout: float = 30.0) -> httpx.Response:
        """POST the payment's webhook as Mollie does: form data with only the id."""
        source = self.links if pid.startswith("pl_") else self.payments
        url = source[pid]["webhookUrl"]
        response = httpx.post(url, data={"id": pid}, timeout=timeout)
        with self._lock:
            self.webhook_answers.append((response.status_code, response.text))
        return response

    # --- the API -------------------------------------------------------------------
    def _authorised(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.api_key}"

    def _amount_problem(self, amount: Any) -> tuple[str, str] | None:
        if not isinstance(amount, dict):
            return "amount", "The amount is required"
        currency, value = amount.get("currency"), amount.get("value")
        if not isinstance(currency, str) or len(currency) != 3:
            return "amount.currency", "The currency is invalid"
        if not isinstance(value, str) or not _VALUE.match(value):
            return "amount.value", "The amount value must be a string"
        decimals = len(value.split(".")[1]) if "." in value else 0
        if decimals != _DECIMALS.get(currency, 2):
            return "amount.value", "The amount contains an invalid number of decimals"
        return None

    async def _create_payment(self, request: Request) -> JSONResponse:
        if not self._authorised(request):
            return _error(
                401, "Unauthorized Request", "Missing authentication, or failed to authenticate"
            )
        body = await request.json()
        self.requests.append({"path": "/v2/payments", "body": body})
        problem = self._amount_problem(body.get("amount"))
        if problem:
            return _error(422, "Unprocessable Entity", problem[1], problem[0])
        for required in ("description", "redirectUrl"):
            if not body.get(required):
                return _error(422, "Unprocessable Entity", f"The {required} is required", required)
        pid = "tr_" + secrets.token_hex(5)
        payment = {
            "resource": "payment",
            "id": pid,
            "mode": "test",
            "createdAt": _now(),
            "status": "open",
            "isCancelable": False,
            "expiresAt": (datetime.now(UTC) + timedelta(minutes=15)).isoformat(timespec="seconds"),
            "amount": body["amount"],
            "description": body["description"],
            "method": body.get("method") if isinstance(body.get("method"), str) else None,
            "metadata": body.get("metadata"),
            "locale": body.get("locale"),
            "profileId": "pfl_emulated",
            "sequenceType": "oneoff",
            "redirectUrl": body["redirectUrl"],
            "webhookUrl": body.get("webhookUrl"),
            "_links": {
                "self": {
                    "href": f"{self.base_url}/v2/payments/{pid}",
                    "type": "application/hal+json",
                },
                "checkout": {
                    "href": f"https://www.mollie.com/checkout/select-method/{pid[3:]}",
                    "type": "text/html",
                },
            },
        }
        with self._lock:
            self.payments[pid] = payment
        return JSONResponse(payment, 201, media_type="application/hal+json")

    async def _get_payment(self, pid: str, request: Request) -> JSONResponse:
        if not self._authorised(request):
            return _error(
                401, "Unauthorized Request", "Missing authentication, or failed to authenticate"
            )
        self.requests.append({"path": f"/v2/payments/{pid}", "body": None})
        with self._lock:
            payment = self.payments.get(pid)
            if payment is None:
                return _error(404, "Not Found", f"No payment exists with token {pid}.")
            answer = dict(payment)
            scripted = self._scripted.get(pid)
            if scripted:
                answer["status"] = scripted.pop(0)
                if answer["status"] != "paid":
                    answer.pop("paidAt", None)
        return JSONResponse(answer, media_type="application/hal+json")

    async def _create_link(self, request: Request) -> JSONResponse:
        if not self._authorised(request):
            return _error(
                401, "Unauthorized Request", "Missing authentication, or failed to authenticate"
            )
        body = await request.json()
        self.requests.append({"path": "/v2/payment-links", "body": body})
        problem = self._amount_problem(body.get("amount"))
        if problem:
            return _error(422, "Unprocessable Entity", problem[1], problem[0])
        if not body.get("description"):
            return _error(422, "Unprocessable Entity", "The description is required", "description")
        pid = "pl_" + secrets.token_hex(8)
        link = {
            "resource": "payment-link",
            "id": pid,
            "mode": "test",
            "description": body["description"],
            "amount": body["amount"],
            "archived": False,
            "redirectUrl": body.get("redirectUrl"),
            "webhookUrl": body.get("webhookUrl"),
            "profileId": "pfl_emulated",
            "createdAt": _now(),
            "paidAt": None,
            "expiresAt": body.get("expiresAt"),
            "_links": {
                "self": {
                    "href": f"{self.base_url}/v2/payment-links/{pid}",
                    "type": "application/hal+json",
                },
                "paymentLink": {
                    "href": f"https://payment-links.mollie.com/payment/{pid[3:]}",
                    "type": "text/html",
                },
            },
        }
        with self._lock:
            self.links[pid] = link
        return JSONResponse(link, 201, media_type="application/hal+json")

    async def _get_link(self, pid: str, request: Request) -> JSONResponse:
        if not self._authorised(request):
            return _error(
                401, "Unauthorized Request", "Missing authentication, or failed to authenticate"
            )
        with self._lock:
            link = self.links.get(pid)
            if link is None:
                return _error(404, "Not Found", f"No payment link exists with token {pid}.")
            return JSONResponse(dict(link), media_type="application/hal+json")
