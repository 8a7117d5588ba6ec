"""A local server speaking the parts of Moneybird's REST API v2 the connector uses.

- ``GET  /api/v2/{administration_id}/{contacts|sales_invoices}/synchronization.json``
  -> ``[{"id", "version"}]`` of every record;
- ``POST`` the same path with ``{"ids": [...]}`` (at most 100) -> those full records;
- ``GET  .../contacts.json`` and ``.../sales_invoices.json`` with ``per_page``/``page``;
- ``GET  .../sales_invoices/{id}.json``; ``POST .../sales_invoices/{id}/payments.json``
  (``{"payment": {"payment_date", "price", ...}}``) -> 201, the invoice's unpaid total
  lowered, paid when nothing is left, its version raised;
- Bearer token (401 otherwise), an unknown administration 404, errors as ``{"error"}``;
- sales invoices limited by ``filter=period:...`` on the invoice date (a custom
  ``YYYYMMDD..YYYYMMDD``, ``this_year`` or ``prev_year``), ``this_year`` by default;
- a rate limiter: ``limit`` requests per ``window`` seconds (150 per 300 s, as
  documented), beyond that 429 with ``Retry-After``; ``throttle_next`` forces 429s.

Ids are long digit strings and versions Unix times that only grow, as Moneybird's are.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

RESOURCES = ("contacts", "sales_invoices")


@dataclass
class MoneybirdEmulator:
    """State of one emulated Moneybird administration; ``app`` is the ASGI app."""

    administration_id: str = "123456789"
    token: str = "mb-test-token-" + "x" * 20
    limit: int = 150
    window: float = 300.0
    records: dict[str, dict[str, dict[str, Any]]] = field(
        default_factory=lambda: {name: {} for name in RESOURCES}
    )
    requests: list[tuple[str, str]] = field(default_factory=list)
    today: date = field(default_factory=date.today)
    _ids: Any = field(default_factory=lambda: itertools.count(430_000_000_000_000_001))
    _version: int = 1_700_000_000
    _times: deque[float] = field(default_factory=deque)
    _forced: list[int] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def app(self) -> FastAPI:
        """The emulator as an ASGI app."""
        app = FastAPI()
        base = "/api/v2/{admin}"
        app.add_api_route(
            base + "/{resource}/synchronization.json", self._versions, methods=["GET"]
        )
        app.add_api_route(base + "/{resource}/synchronization.json", self._fetch, methods=["POST"])
        app.add_api_route(base + "/{resource}.json", self._list, methods=["GET"])
        app.add_api_route(base + "/sales_invoices/{iid}.json", self._invoice, methods=["GET"])
        app.add_api_route(base + "/sales_invoices/{iid}/payments.json", self._pay, methods=["POST"])
        return app

    # --- the test's controls -----------------------------------------------------------
    def _next(self) -> tuple[str, int]:
        self._version += 1
        return str(next(self._ids)), self._version

    def add_contact(self, **fields: Any) -> str:
        """A new contact; returns its id."""
        with self._lock:
            cid, version = self._next()
            self.records["contacts"][cid] = {
                "id": cid,
                "administration_id": self.administration_id,
                "company_name": "",
                "firstname": None,
                "lastname": None,
                "customer_id": str(len(self.records["contacts"]) + 1),
                "country": "NL",
                "version": version,
                **fields,
            }
            return cid

    def add_invoice(self, contact_id: str, total: str, **fields: Any) -> str:
        """A new sales invoice of a contact, open for `total` unless `fields` say else."""
        with self._lock:
            iid, version = self._next()
            number = f"2026-{len(self.records['sales_invoices']) + 1:04d}"
            self.records["sales_invoices"][iid] = {
                "id": iid,
                "administration_id": self.administration_id,
                "contact_id": contact_id,
                "contact": dict(self.records["contacts"][contact_id]),
                "invoice_id": number,
                "state": "open",
                "invoice_date": "2026-11-01",
                "due_date": "2026-12-01",
                "currency": "EUR",
                "total_price_incl_tax": total,
                "total_paid": "0.0",
                "total_unpaid": total,
                "reference": None,
                "payment_reference": None,
                "paid_at": None,
                "payments": [],
                "version": version,
                **fields,
            }
            return iid

    def change(self, resource: str, rid: str, **fields: Any) -> None:
        """Change a record as a bookkeeper would in Moneybird (its version goes up)."""
        with self._lock:
            _, version = self._next()
            self.records[resource][rid].update(fields, version=version)

    def throttle_next(self, count: int, retry_after: int = 1) -> None:
        """Answer the next `count` requests with 429 and this Retry-After."""
        with self._lock:
            self._forced += [retry_after] * count

    def payments_of(self, iid: str) -> list[dict[str, Any]]:
        """The payments registered on a sales invoice."""
        return list(self.records["sales_invoices"][iid]["payments"])

    def _in_period(self, resource: str, filter_text: str | None) -> Any:
        """Which records a `filter` keeps (sales invoices by period; contacts all)."""
        if resource != "sales_invoices":
            return lambda record: True
        period = "this_year"
        for part in (filter_text or "").split(","):
            key, _, value = part.partition(":")
            if key == "period":
                period = value
        year = self.today.year
        if period == "this_year":
            start, end = date(year, 1, 1), date(year, 12, 31)
        elif period == "prev_year":
            start, end = date(year - 1, 1, 1), date(year - 1, 12, 31)
        else:
            first, _, last = period.partition("..")
            start = date(int(first[:4]), int(first[4:6]), int(first[6:8]))
            end = date(int(last[:4]), int(last[4:6]), int(last[6:8]))
        return lambda record: start <= date.fromisoformat(record["invoice_date"]) <= end

    # --- the API -----------------------------------------------------------------------
    def _gate(self, request: Request, admin: str) -> JSONResponse | None:
        """Rate limit, authentication and administration, in Moneybird's order."""
        with self._lock:
            self.requests.append((request.method, request.url.path))
            if self._forced:
                wait = self._forced.pop(0)
                return JSONResponse(
                    {"error": "Too many requests"}, 429, headers={"Retry-After": str(wait)}
                )
            now = time.monotonic()
            while self._times and now - self._times[0] >= self.window:
                self._times.popleft()
            if len(self._times) >= self.limit:
                wait = max(1, int(self.window - (now - self._times[0]) + 0.999))
                return JSONResponse(
                    {"error": "Too many requests"}, 429, headers={"Retry-After": str(wait)}
                )
            self._times.append(now)
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return JSONResponse({"error": "Token is invalid"}, 401)
        if admin != self.administration_id:
            return JSONResponse({"error": "Administration not found"}, 404)
        return None

    async def _versions(self, request: Request, admin: str, resource: str) -> Any:
        if (refused := self._gate(request, admin)) is not None:
            return refused
        if resource not in RESOURCES:
            return JSONResponse({"error": "Not found"}, 404)
        keep = self._in_period(resource, request.query_params.get("filter"))
        with self._lock:
            return [
                {"id": r["id"], "version": r["version"]}
                for r in self.records[resource].values()
                if keep(r)
            ]

    async def _fetch(self, request: Request, admin: str, resource: str) -> Any:
        if (refused := self._gate(request, admin)) is not None:
            return refused
        if resource not in RESOURCES:
            return JSONResponse({"error": "Not found"}, 404)
        body = await request.json()
        ids = body.get("ids") if isinstance(body, dict) else None
        if not isinstance(ids, list) or len(ids) > 100:
            return JSONResponse({"error": "ids: a list of at most 100 ids"}, 400)
        with self._lock:
            found = self.records[resource]
            return [dict(found[str(i)]) for i in ids if str(i) in found]

    async def _list(self, request: Request, admin: str, resource: str) -> Any:
        if (refused := self._gate(request, admin)) is not None:
            return refused
        if resource not in RESOURCES:
            return JSONResponse({"error": "Not found"}, 404)
        per_page = min(100, int(request.query_params.get("per_page", "50")))
        page = max(1, int(request.query_params.get("page", "1")))
        keep = self._in_period(resource, request.query_params.get("filter"))
        with self._lock:
            rows = [r for r in self.records[resource].values() if keep(r)]
        return [dict(r) for r in rows[(page - 1) * per_page : page * per_page]]

    async def _invoice(self, request: Request, admin: str, iid: str) -> Any:
        if (refused := self._gate(request, admin)) is not None:
            return refused
        with self._lock:
            invoice = self.records["sales_invoices"].get(iid)
            return dict(invoice) if invoice else JSONResponse({"error": "Not found"}, 404)

    async def _pay(self, request: Request, admin: str, iid: str) -> Any:
        if (refused := self._gate(request, admin)) is not None:
            return refused
        body = await request.json()
        payment = body.get("payment") if isinstance(body, dict) else None
        if not isinstance(payment, dict) or not payment.get("payment_date"):
            return JSONResponse({"error": {"payment_date": ["can't be blank"]}}, 422)
        if not payment.get("financial_account_id") and not payment.get("manual_payment_action"):
            return JSONResponse({"error": "financial_account_id or manual_payment_action"}, 422)
        with self._lock:
            invoice = self.records["sales_invoices"].get(iid)
            if invoice is None:
                return JSONResponse({"error": "Not found"}, 404)
            price = Decimal(str(payment.get("price")))
            unpaid = Decimal(invoice["total_unpaid"])
            if price <= 0 or price > unpaid:
                return JSONResponse({"error": {"price": ["is more than what is unpaid"]}}, 422)
            pid, version = self._next()
            record = {
                "id": pid,
                "invoice_type": "SalesInvoice",
                "invoice_id": iid,
                "price": str(price),
                "payment_date": payment["payment_date"],
                "transaction_identifier": payment.get("transaction_identifier"),
                "manual_payment_action": payment.get("manual_payment_action"),
            }
            invoice["payments"].append(record)
            invoice["total_paid"] = str(Decimal(invoice["total_paid"]) + price)
            invoice["total_unpaid"] = str(unpaid - price)
            if unpaid - price == 0:
                invoice["state"] = "paid"
                invoice["paid_at"] = payment["payment_date"]
            invoice["version"] = version
            return JSONResponse(record, 201)
