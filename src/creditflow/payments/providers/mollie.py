"""Mollie: the Payments API (`POST /v2/payments`) or payment links (`/v2/payment-links`).

Amounts go as strings with the currency's exact decimals ("250.00"). Dutch customers
are sent straight to iDEAL (`method`, configurable per country). Webhooks POST only an
`id`; creditflow then fetches `GET /v2/payments/{id}` (or `/v2/payment-links/{id}`) and
believes that answer alone. Configuration::

    [providers.mollie]
    api_key_env = "MOLLIE_API_KEY"
    base_url = "https://api.mollie.com/v2"      # default
    api = "payments"                            # or "payment-links"
    methods = { NL = "ideal", BE = "bancontact" }
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from creditflow.money import Money
from creditflow.payments.providers.base import PaymentOrder, ProviderError, ProviderPayment

__all__ = ["DEFAULT_BASE_URL", "MollieProvider", "mollie_status"]

DEFAULT_BASE_URL = "https://api.mollie.com/v2"
_STATUS = {
    "open": "open",
    "pending": "pending",
    "authorized": "pending",
    "paid": "paid",
    "failed": "failed",
    "expired": "expired",
    "canceled": "canceled",
}
_LOCALES = {"nl": "nl_NL", "en": "en_US", "de": "de_DE", "fr": "fr_FR", "es": "es_ES"}


def mollie_status(value: str) -> str:
    """Our status for a Mollie payment status (authorized counts as pending)."""
    try:
        return _STATUS[value]
    except KeyError as exc:
        raise ProviderError("mollie", f"unknown payment status {value!r}") from exc


def _moment(value: Any) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _amount(body: dict[str, Any]) -> Money | None:
    amount = body.get("amount")
    if not isinstance(amount, dict):
        return None
    return Money.parse(str(amount["value"]), str(amount["currency"]))


class MollieProvider:
    """Payments through Mollie's REST API (Bearer API key)."""

    name = "mollie"

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        api: str = "payments",
        methods: dict[str, Any] | None = None,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("mollie: api_key is empty")
        if api not in ("payments", "payment-links"):
            raise ValueError(f"mollie: api must be 'payments' or 'payment-links', not {api!r}")
        self.api = api
        self.methods = {k.upper(): v for k, v in (methods or {"NL": "ideal"}).items()}
        self._client = client or httpx.Client(timeout=timeout)
        self._base = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {api_key}", "Accept": "application/json"}

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            response = self._client.request(
                method, f"{self._base}{path}", json=body, headers=self._headers
            )
        except httpx.HTTPError as exc:
            raise ProviderError(self.name, f"{method} {path} failed: {exc}") from exc
        try:
            data: Any = response.json()
        except ValueError:
            data = {}
        if response.status_code >= 400:
            detail = data.get("detail") or data.get("title") if isinstance(data, dict) else None
            field = data.get("field") if isinstance(data, dict) else None
            where = f" (field {field})" if field else ""
            answer = f"{response.status_code}: {detail or response.text}{where}"
            raise ProviderError(
                self.name, f"{method} {path} answered {answer}", response.status_code
            )
        if not isinstance(data, dict):
            raise ProviderError(self.name, f"{method} {path} answered with no JSON object")
        return data

    def create_payment(self, request: PaymentOrder) -> ProviderPayment:
        """Create a Mollie payment (or payment link) and return its checkout URL."""
        body: dict[str, Any] = {
            "amount": {"currency": request.amount.currency, "value": request.amount.text()},
            "description": request.description[:255],
            "redirectUrl": request.redirect_url,
            "webhookUrl": request.webhook_url,
        }
        if self.api == "payment-links":
            if request.expires_at is not None:
                body["expiresAt"] = request.expires_at.astimezone(UTC).isoformat(timespec="seconds")
            data = self._call("POST", "/payment-links", body)
            return self._link(data)
        body["metadata"] = {
            "payment_request": request.request_id,
            "customer_id": request.customer_id,
            "reference": request.reference,
        }
        locale = _LOCALES.get(request.language)
        if locale:
            body["locale"] = locale
        method = self.methods.get(request.country.upper())
        if method:
            body["method"] = method
        return self._payment(self._call("POST", "/payments", body))

    def fetch_payment(self, provider_id: str) -> ProviderPayment:
        """The payment (tr_...) or payment link (pl_...) as Mollie reports it now."""
        if not provider_id or "/" in provider_id:
            raise ProviderError(self.name, f"invalid id {provider_id!r}")
        if provider_id.startswith("pl_"):
            return self._link(self._call("GET", f"/payment-links/{provider_id}"))
        return self._payment(self._call("GET", f"/payments/{provider_id}"))

    def _payment(self, data: dict[str, Any]) -> ProviderPayment:
        links = data.get("_links") or {}
        checkout = (links.get("checkout") or {}).get("href")
        metadata = data.get("metadata")
        return ProviderPayment(
            provider_id=str(data["id"]),
            status=mollie_status(str(data.get("status", ""))),
            amount=_amount(data),
            checkout_url=checkout,
            paid_at=_moment(data.get("paidAt")),
            method=data.get("method"),
            metadata=metadata if isinstance(metadata, dict) else {},
        )

    def _link(self, data: dict[str, Any]) -> ProviderPayment:
        links = data.get("_links") or {}
        paid_at = _moment(data.get("paidAt"))
        expires_at = _moment(data.get("expiresAt"))
        if paid_at is not None:
            status = "paid"
        elif data.get("archived"):
            status = "canceled"
        elif expires_at is not None and expires_at <= datetime.now(UTC):
            status = "expired"
        else:
            status = "open"
        return ProviderPayment(
            provider_id=str(data["id"]),
            status=status,
            amount=_amount(data),
            checkout_url=(links.get("paymentLink") or {}).get("href"),
            paid_at=paid_at,
        )
