"""Tikkie (ABN AMRO): payment requests paid from any Dutch banking app, EUR only.

`POST {base}/paymentrequests` with `description` (<= 35), `amountInCents`,
`expiryDate` (YYYY-MM-DD) and `referenceId` (<= 35); headers `API-Key` and
`X-App-Token`. Status from `GET {base}/paymentrequests/{token}` and, once paid, the
time from `GET .../payments`. Notifications carry a `paymentRequestToken` and no
signature, so creditflow fetches the request itself. Configuration::

    [providers.tikkie]
    api_key_env = "TIKKIE_API_KEY"
    app_token_env = "TIKKIE_APP_TOKEN"
    base_url = "https://api.abnamro.com/v2/tikkie"   # default
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from creditflow.money import Money
from creditflow.payments.providers.base import PaymentOrder, ProviderError, ProviderPayment

__all__ = ["DEFAULT_BASE_URL", "TikkieProvider", "tikkie_status"]

DEFAULT_BASE_URL = "https://api.abnamro.com/v2/tikkie"
_TEXT_LIMIT = 35


def tikkie_status(status: str, amount_in_cents: int, paid_in_cents: int) -> str:
    """Our status for a Tikkie payment request (paid once the full amount came in)."""
    if amount_in_cents > 0 and paid_in_cents >= amount_in_cents:
        return "paid"
    if status in ("OPEN",):
        return "pending" if paid_in_cents else "open"
    if status == "EXPIRED":
        return "expired"
    if status in ("CLOSED", "MAX_YES_REACHED", "MAX_AMOUNT_REACHED"):
        return "canceled"
    raise ProviderError("tikkie", f"unknown payment request status {status!r}")


def _moment(value: Any) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class TikkieProvider:
    """Payment requests through the Tikkie API v2."""

    name = "tikkie"

    def __init__(
        self,
        api_key: str,
        app_token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10.0,
        client: httpx.Client | None = None,
    ) -> None:
        if not api_key:
            raise ValueError("tikkie: api_key is empty")
        if not app_token:
            raise ValueError("tikkie: app_token is empty")
        self._client = client or httpx.Client(timeout=timeout)
        self._base = base_url.rstrip("/")
        self._headers = {"API-Key": api_key, "X-App-Token": app_token, "Accept": "application/json"}

    def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        try:
            response = self._client.request(
                method, f"{self._base}{path}", json=body, params=params, headers=self._headers
            )
        except httpx.HTTPError as exc:
            raise ProviderError(self.name, f"{method} {path} failed: {exc}") from exc
        try:
            data: Any = response.json()
        except ValueError:
            data = {}
        if response.status_code >= 400:
            errors = data.get("errors") if isinstance(data, dict) else None
            detail = (
                "; ".join(
                    f"{e.get('code')}: {e.get('message')}" for e in errors if isinstance(e, dict)
                )
                if isinstance(errors, list)
                else response.text
            )
            raise ProviderError(
                self.name,
                f"{method} {path} answered {response.status_code}: {detail}",
                response.status_code,
            )
        if not isinstance(data, dict):
            raise ProviderError(self.name, f"{method} {path} answered with no JSON object")
        return data

    def create_payment(self, request: PaymentOrder) -> ProviderPayment:
        """Create a Tikkie payment request for the exact amount."""
        if request.amount.currency != "EUR":
            raise ProviderError(
                self.name, f"only EUR can be requested, not {request.amount.currency}"
            )
        if request.expires_at is None:
            raise ProviderError(self.name, "a payment request needs an expiry date")
        body = {
            "description": request.description[:_TEXT_LIMIT],
            "amountInCents": request.amount.minor,
            "expiryDate": request.expires_at.date().isoformat(),
            "referenceId": request.reference[:_TEXT_LIMIT],
        }
        return self._request(self._call("POST", "/paymentrequests", body), fetch_paid_at=False)

    def fetch_payment(self, provider_id: str) -> ProviderPayment:
        """The payment request as Tikkie reports it now (with the time it was paid)."""
        if not provider_id or "/" in provider_id:
            raise ProviderError(self.name, f"invalid payment request token {provider_id!r}")
        return self._request(
            self._call("GET", f"/paymentrequests/{provider_id}"), fetch_paid_at=True
        )

    def _request(self, data: dict[str, Any], *, fetch_paid_at: bool) -> ProviderPayment:
        token = str(data["paymentRequestToken"])
        wanted = int(data.get("amountInCents") or 0)
        paid = int(data.get("totalAmountPaidInCents") or 0)
        status = tikkie_status(str(data.get("status", "")), wanted, paid)
        paid_at = None
        if status == "paid" and fetch_paid_at:
            payments = (
                self._call(
                    "GET",
                    f"/paymentrequests/{token}/payments",
                    params={"pageNumber": 0, "pageSize": 100},
                ).get("payments")
                or []
            )
            moments = [m for m in (_moment(p.get("createdDateTime")) for p in payments) if m]
            paid_at = max(moments) if moments else None
        return ProviderPayment(
            provider_id=token,
            status=status,
            amount=Money.of_minor(paid if status == "paid" else wanted, "EUR"),
            checkout_url=data.get("url"),
            paid_at=paid_at,
            method="tikkie" if status == "paid" else None,
            metadata={"reference": data.get("referenceId")},
        )
