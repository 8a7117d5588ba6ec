"""Moneybird REST API v2 over httpx: Bearer token, JSON, the synchronization endpoints,
payments, and the rate limit (150 requests per 5 minutes; 429 with Retry-After).

A 429 is waited out for the seconds its Retry-After asks, never longer than
`max_wait` per wait and `max_waits` times per request; then `MoneybirdError`.
The token is sent, never logged or shown in an error.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx

from creditflow.config.connectors import MoneybirdSettings

__all__ = [
    "BATCH",
    "DEFAULT_BASE_URL",
    "MoneybirdClient",
    "MoneybirdError",
    "RateLimited",
    "client_for",
]

DEFAULT_BASE_URL = "https://moneybird.com/api/v2"
BATCH = 100  # ids per POST .../synchronization (Moneybird's maximum)


class MoneybirdError(RuntimeError):
    """Moneybird answered with an error, or could not be reached."""


class RateLimited(MoneybirdError):
    """Still rate limited after the waits allowed."""


def retry_after_seconds(value: str | None, default: float = 60.0) -> float:
    """Seconds to wait from a Retry-After header (seconds; a missing or odd value: default)."""
    try:
        return max(0.0, float(value)) if value is not None else default
    except ValueError:
        return default


class MoneybirdClient:
    """One administration's API, `{base_url}/{administration_id}/...json`."""

    def __init__(
        self,
        base_url: str,
        administration_id: str,
        token: str,
        *,
        timeout: float = 30.0,
        max_wait: float = 300.0,
        max_waits: int = 5,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self._http = httpx.Client(
            base_url=f"{base_url.rstrip('/')}/{administration_id}",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=timeout,
        )
        self.max_wait = max_wait
        self.max_waits = max_waits
        self.sleep = sleep
        self.requests = 0
        self.waited: list[float] = []

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> MoneybirdClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """One call; a 429 waited out (capped); the decoded JSON, or MoneybirdError."""
        waits = 0
        while True:
            self.requests += 1
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.HTTPError as exc:
                raise MoneybirdError(f"{method} {path}: {type(exc).__name__}") from None
            if response.status_code != 429:
                break
            if waits >= self.max_waits:
                raise RateLimited(f"{method} {path}: still rate limited after {waits} waits")
            wait = min(retry_after_seconds(response.headers.get("Retry-After")), self.max_wait)
            self.waited.append(wait)
            self.sleep(wait)
            waits += 1
        if response.status_code >= 400:
            raise MoneybirdError(
                f"{method} {path}: HTTP {response.status_code} {_detail(response)}"
            )
        return response.json() if response.content else None

    def pages(self, path: str, per_page: int = 100, **params: Any) -> Iterator[dict[str, Any]]:
        """Every record of a list endpoint, page by page (`per_page`, `page`)."""
        page = 1
        while True:
            batch = self.request("GET", path, params={**params, "per_page": per_page, "page": page})
            yield from batch
            if len(batch) < per_page:
                return
            page += 1

    def versions(self, resource: str, filter_text: str | None = None) -> dict[str, int]:
        """Id -> version of every record of `resource` ("contacts", "sales_invoices"),
        limited by Moneybird's `filter` (e.g. "period:20210101..20271231") when given."""
        params = {"filter": filter_text} if filter_text else None
        listed = self.request("GET", f"/{resource}/synchronization.json", params=params)
        return {str(item["id"]): int(item["version"]) for item in listed}

    def records(self, resource: str, ids: list[str]) -> list[dict[str, Any]]:
        """The full records of these ids, fetched `BATCH` at a time."""
        found: list[dict[str, Any]] = []
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            found += self.request("POST", f"/{resource}/synchronization.json", json={"ids": chunk})
        return found

    def sales_invoice(self, invoice_id: str) -> dict[str, Any]:
        """One sales invoice, with the payments registered on it."""
        result: dict[str, Any] = self.request("GET", f"/sales_invoices/{invoice_id}.json")
        return result

    def register_payment(self, invoice_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Register a payment on a sales invoice; Moneybird's payment record."""
        result: dict[str, Any] = self.request(
            "POST", f"/sales_invoices/{invoice_id}/payments.json", json=body
        )
        return result


def client_for(
    settings: MoneybirdSettings, environ: Mapping[str, str] | None = None, **options: Any
) -> MoneybirdClient:
    """A client for the configured administration; the token read from its variable."""
    return MoneybirdClient(
        settings.base_url, settings.administration_id, settings.token.reveal(environ), **options
    )


def _detail(response: httpx.Response) -> str:
    """Moneybird's error text (its `error` field), short; never the request's headers."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict) and "error" in body:
        return str(body["error"])[:200]
    return str(body)[:200]
