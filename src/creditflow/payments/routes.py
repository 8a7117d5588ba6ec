"""The pay page (`/p/{token}`), provider webhooks and the sandbox checkout.

Server-rendered, autoescaped, mobile first, in Dutch or English (the customer's
language, `?lang=` overrides). The pay form is protected by a double-submit CSRF
token: a random value in a signed cookie and the same value in a hidden field.
Pages carry a strict Content-Security-Policy and no Referer (the token is in the URL).
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import secrets
from datetime import datetime
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Body, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from itsdangerous import BadData, URLSafeSerializer
from jinja2 import Environment, PackageLoader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.responses import Response

from creditflow.config import Settings
from creditflow.ledger.models import Customer
from creditflow.ledger.service import link_secret
from creditflow.links.tokens import (
    LinkError,
    pay_url,
    read_token_for_any,
)
from creditflow.models import utcnow
from creditflow.payments.providers import (
    PaymentProvider,
    ProviderError,
    build_providers,
    sandbox_enabled,
)
from creditflow.payments.service import (
    PaymentRefused,
    epc_block,
    latest_request,
    pay_page_context,
    start_payment,
    status_view,
)
from creditflow.payments.webhooks import handle_webhook

router = APIRouter(tags=["pay"])
log = logging.getLogger(__name__)

PAY_PURPOSES = ("pay", "portal")
LANGUAGES = ("nl", "en")
STATIC = "/pay-static"
CSRF_COOKIE = "creditflow_pay_csrf"
_MOLLIE_ID = re.compile(r"^(tr|pl)_[A-Za-z0-9]{1,64}$")
_TOKEN_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
_STATIC_TYPES = {"pay.css": "text/css; charset=utf-8", "pay.js": "text/javascript; charset=utf-8"}
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self' https:; base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@lru_cache(maxsize=1)
def _templates() -> Environment:
    return Environment(loader=PackageLoader("creditflow.payments", "templates"), autoescape=True)


@lru_cache(maxsize=1)
def _labels() -> dict[str, dict[str, str]]:
    text = resources.files("creditflow.payments").joinpath("templates/labels.json").read_text()
    labels: dict[str, dict[str, str]] = json.loads(text)
    return labels


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _sessions(request: Request) -> sessionmaker[Session]:
    sessions: sessionmaker[Session] = request.app.state.sessions
    return sessions


def _providers(request: Request) -> dict[str, PaymentProvider]:
    state = request.app.state
    if not hasattr(state, "payment_providers"):
        state.payment_providers = build_providers(_settings(request), _sessions(request))
    providers: dict[str, PaymentProvider] = state.payment_providers
    return providers


def _now(request: Request) -> datetime:
    """The app's clock (`app.state.clock`, fixed in demos and tests), else the wall clock."""
    clock = getattr(request.app.state, "clock", None)
    now: datetime = clock() if clock is not None else utcnow()
    return now


def _language(request: Request, preferred: str | None) -> str:
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    if preferred in LANGUAGES:
        return str(preferred)
    default = _settings(request).organisation.default_language
    return default if default in LANGUAGES else "en"


def _render(
    name: str, status_code: int = 200, cookie: str | None = None, **context: Any
) -> Response:
    html = _templates().get_template(name).render(static_base=STATIC, **context)
    response = HTMLResponse(html, status_code=status_code, headers=_SECURITY_HEADERS)
    if cookie is not None:
        response.set_cookie(
            CSRF_COOKIE,
            cookie,
            httponly=True,
            samesite="lax",
            secure=bool(context.get("secure_cookie")),
            path="/",
        )
    return response


def _page_basics(request: Request, lang: str) -> dict[str, Any]:
    settings = _settings(request)
    return {
        "lang": lang,
        "other_lang": "en" if lang == "nl" else "nl",
        "t": _labels()[lang],
        "creditor": settings.organisation,
        "secure_cookie": settings.portal_base_url.startswith("https://"),
    }


def _refused(request: Request, lang: str, status_code: int = 403, **extra: str) -> Response:
    t = _labels()[lang]
    return _render(
        "refused.html",
        status_code,
        heading=extra.get("heading", t["refused_title"]),
        message=extra.get("message", t["refused_text"]),
        back=extra.get("back"),
        **_page_basics(request, lang),
    )


def _csrf(request: Request, secret: str) -> tuple[str, str | None]:
    """The session's CSRF value, and a new signed cookie when there was none."""
    signer = URLSafeSerializer(secret, salt="creditflow.csrf")
    cookie = request.cookies.get(CSRF_COOKIE)
    if cookie:
        try:
            return str(signer.loads(cookie)), None
        except BadData:
            pass
    value = secrets.token_urlsafe(24)
    return value, str(signer.dumps(value))


def _csrf_ok(request: Request, secret: str, submitted: str) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    if not cookie or not submitted:
        return False
    try:
        expected = str(URLSafeSerializer(secret, salt="creditflow.csrf").loads(cookie))
    except BadData:
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


def _customer(
    session: Session, secret: str, token: str, max_age_days: float, now: datetime
) -> Customer:
    """The customer a token proves, or LinkError."""
    claims = read_token_for_any(secret, token, PAY_PURPOSES, max_age_days, now=now)
    customer = session.scalars(
        select(Customer).where(Customer.customer_id == claims.customer_id)
    ).first()
    if customer is None or customer.pseudonymised_at is not None:
        raise LinkError("other_customer", "the link's customer does not exist")
    return customer


@router.get("/p/{token}", response_class=HTMLResponse)
def pay_page(request: Request, token: str, r: Annotated[int | None, Query()] = None) -> Response:
    """The pay page: open invoices and charges, totals, pay buttons, EPC QR, latest status."""
    settings = _settings(request)
    with _sessions(request)() as session, session.begin():
        secret = link_secret(session, settings)
        try:
            customer = _customer(session, secret, token, settings.payments.link_days, _now(request))
        except LinkError:
            return _refused(request, _language(request, None))
        lang = _language(request, customer.language)
        csrf, cookie = _csrf(request, secret)
        context = pay_page_context(
            session,
            customer,
            _labels()[lang],
            request_id=r,
            status_url=f"{token}/status.json",  # relative to /p/{token}: works behind a prefix
            creditor=settings.organisation.name,
        )
        context["qr"] = epc_block(settings.organisation, context["account"], _labels()[lang])
    provider = settings.payments.provider
    return _render(
        "pay.html",
        cookie=cookie,
        csrf=csrf,
        pay_action=f"{token}/pay",
        customer=customer,
        online=provider is not None,
        test_mode=sandbox_enabled(settings),
        **context,
        **_page_basics(request, lang),
    )


@router.post("/p/{token}/pay")
def pay(
    request: Request,
    token: str,
    csrf: Annotated[str, Form()] = "",
    scope: Annotated[str, Form()] = "all",
    invoice: Annotated[list[int] | None, Form()] = None,
) -> Response:
    """Start a payment for all or the chosen invoices and send the customer to checkout."""
    settings = _settings(request)
    with _sessions(request)() as session, session.begin():
        secret = link_secret(session, settings)
        try:
            customer = _customer(session, secret, token, settings.payments.link_days, _now(request))
        except LinkError:
            return _refused(request, _language(request, None))
        customer_pk, lang = customer.id, _language(request, customer.language)
    link = pay_url(settings.portal_base_url, token)
    t = _labels()[lang]
    if not _csrf_ok(request, secret, csrf):
        return _refused(
            request,
            lang,
            heading=t["error_title"],
            back=link,
            message=t["csrf_failed"],
        )
    name = settings.payments.provider
    if name is None:
        return _refused(
            request, lang, 503, heading=t["error_title"], back=link, message=t["no_online_payment"]
        )
    provider = _providers(request)[name]
    try:
        started = start_payment(
            _sessions(request),
            provider,
            customer_pk,
            None if scope == "all" else list(invoice or []),
            now=_now(request),
            pay_link=link,
            webhook_url=f"{settings.portal_base_url}/webhooks/{provider.name}",
            description=t["invoice"],
        )
    except PaymentRefused as exc:
        return _refused(request, lang, 400, heading=t["error_title"], message=str(exc), back=link)
    except ProviderError:
        return _refused(
            request,
            lang,
            502,
            heading=t["error_title"],
            back=link,
            message=t["provider_down"],
        )
    return RedirectResponse(started.checkout_url, status_code=303, headers=_SECURITY_HEADERS)


@router.get("/p/{token}/status.json")
def payment_status(
    request: Request, token: str, r: Annotated[int | None, Query()] = None
) -> JSONResponse:
    """The status of the customer's payment request `r` (or the latest), for the poller."""
    settings = _settings(request)
    with _sessions(request)() as session, session.begin():
        secret = link_secret(session, settings)
        try:
            customer = _customer(session, secret, token, settings.payments.link_days, _now(request))
        except LinkError as exc:
            return JSONResponse({"error": exc.reason}, 403, headers=_SECURITY_HEADERS)
        lang = _language(request, customer.language)
        found = latest_request(session, customer.id, r)
        if found is None:
            return JSONResponse({"status": None}, headers=_SECURITY_HEADERS)
        view = status_view(found, _labels()[lang], "")
    return JSONResponse(
        {
            "request": found.id,
            "status": view["state"],
            "text": view["text"],
            "paid": view["state"] == "paid",
        },
        headers=_SECURITY_HEADERS,
    )


def _webhook(request: Request, name: str, provider_id: str) -> Response:
    provider = _providers(request).get(name)
    if provider is None:
        return PlainTextResponse(f"{name} is not configured", 404)
    try:
        outcome = handle_webhook(_sessions(request), provider, provider_id, _now(request))
    except ProviderError as exc:  # the provider retries later
        return PlainTextResponse(f"could not fetch the payment: {exc}", 503)
    except Exception:  # noqa: BLE001 - nothing was recorded: answer non-2xx, the provider retries
        log.exception("webhook %s %s: the payment could not be recorded", name, provider_id)
        return PlainTextResponse("the payment could not be recorded; retry later", 503)
    return PlainTextResponse(outcome, 200)


@router.post("/webhooks/mollie")
def mollie_webhook(request: Request, id: Annotated[str, Form()] = "") -> Response:  # noqa: A002
    """Mollie posts only an id: fetch the payment and act on what Mollie says."""
    if not _MOLLIE_ID.match(id):
        return PlainTextResponse("id: expected a Mollie payment or payment link id", 400)
    return _webhook(request, "mollie", id)


@router.post("/webhooks/tikkie")
def tikkie_webhook(request: Request, payload: Annotated[dict[str, Any], Body()]) -> Response:
    """Tikkie notifies with a paymentRequestToken: fetch the request and act on it."""
    token = payload.get("paymentRequestToken")
    if not isinstance(token, str) or not _TOKEN_ID.match(token):
        return PlainTextResponse("paymentRequestToken: missing or malformed", 400)
    return _webhook(request, "tikkie", token)


@router.post("/webhooks/sandbox")
def sandbox_webhook(request: Request, id: Annotated[str, Form()] = "") -> Response:  # noqa: A002
    """The sandbox's webhook, handled exactly like the real providers'."""
    if not _TOKEN_ID.match(id):
        return PlainTextResponse("id: missing or malformed", 400)
    return _webhook(request, "sandbox", id)


@router.get(STATIC + "/{name}")
def static_file(name: str) -> Response:
    """The pay page's stylesheet and script."""
    if name not in _STATIC_TYPES:
        return PlainTextResponse("not found", 404)
    body = resources.files("creditflow.payments").joinpath(f"static/{name}").read_bytes()
    return Response(
        body,
        media_type=_STATIC_TYPES[name],
        headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )
