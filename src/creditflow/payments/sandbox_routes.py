"""The sandbox provider's checkout page (`/sandbox/checkout/{id}`), on only when configured.

Pressing "pay" there settles the payment at the sandbox, then runs the webhook
handling exactly as a real provider's notice would. When that handling cannot record
the payment, the page says so (503) and nothing is marked paid; pressing the button
again, or the sandbox webhook `POST /webhooks/sandbox`, is the provider's retry.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from creditflow.ledger.models import Customer
from creditflow.ledger.service import link_secret
from creditflow.links.tokens import make_customer_token, pay_url
from creditflow.payments.models import PaymentRequest
from creditflow.payments.providers.sandbox import SandboxProvider
from creditflow.payments.routes import (
    _SECURITY_HEADERS,
    _csrf,
    _csrf_ok,
    _labels,
    _language,
    _now,
    _page_basics,
    _providers,
    _refused,
    _render,
    _sessions,
    _settings,
    _webhook,
)
from creditflow.payments.service import status_view

router = APIRouter(tags=["pay"])


def _sandbox(request: Request) -> SandboxProvider | None:
    sandbox = _providers(request).get("sandbox")
    return sandbox if isinstance(sandbox, SandboxProvider) else None


def _sandbox_row(session: Session, provider_id: str) -> tuple[PaymentRequest, Customer] | None:
    row = session.scalars(
        select(PaymentRequest).where(
            PaymentRequest.provider == "sandbox", PaymentRequest.provider_id == provider_id
        )
    ).first()
    if row is None:
        return None
    customer = session.get(Customer, row.customer_id)
    assert customer is not None
    return row, customer


@router.get("/sandbox/checkout/{provider_id}", response_class=HTMLResponse)
def sandbox_checkout(request: Request, provider_id: str) -> Response:
    """The sandbox provider's checkout page: pay, fail or cancel."""
    settings = _settings(request)
    sandbox = _sandbox(request)
    with _sessions(request)() as session, session.begin():
        found = _sandbox_row(session, provider_id) if sandbox is not None else None
        if found is None or sandbox is None:
            return _refused(request, _language(request, None), 404, message="No such payment.")
        row, customer = found
        lang = _language(request, customer.language)
        csrf, cookie = _csrf(request, link_secret(session, settings))
        view = status_view(row, _labels()[lang], "")
        recorded = row.status == "paid"
    at_sandbox = sandbox.status(provider_id)
    return _render(
        "sandbox_checkout.html",
        cookie=cookie,
        csrf=csrf,
        amount=view["amount"],
        # Paid at the sandbox but not recorded by us: the button retries the notice.
        open=at_sandbox in ("open", "pending") or (at_sandbox == "paid" and not recorded),
        action=f"/sandbox/checkout/{provider_id}",
        **_page_basics(request, lang),
    )


@router.post("/sandbox/checkout/{provider_id}")
def sandbox_complete(
    request: Request,
    provider_id: str,
    outcome: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Settle a sandbox payment, run the webhook handling, and return to the pay page."""
    settings = _settings(request)
    sandbox = _sandbox(request)
    with _sessions(request)() as session, session.begin():
        found = _sandbox_row(session, provider_id) if sandbox is not None else None
        secret = link_secret(session, settings)
        if found is None or sandbox is None:
            return _refused(request, _language(request, None), 404, message="No such payment.")
        row, customer = found
        request_id, customer_id = row.id, customer.customer_id
        lang = _language(request, customer.language)
    t = _labels()[lang]
    if not _csrf_ok(request, secret, csrf):
        return _refused(request, lang, message=t["csrf_failed"])
    try:
        sandbox.complete(provider_id, outcome, _now(request))
    except ValueError as exc:
        return _refused(request, lang, 400, message=str(exc))
    back = pay_url(
        settings.portal_base_url, make_customer_token(secret, customer_id, "pay", now=_now(request))
    )
    notice = _webhook(request, "sandbox", provider_id)
    if notice.status_code >= 300:
        return _refused(
            request, lang, 503, heading=t["error_title"], message=t["not_recorded"], back=back
        )
    return RedirectResponse(f"{back}?r={request_id}", status_code=303, headers=_SECURITY_HEADERS)
