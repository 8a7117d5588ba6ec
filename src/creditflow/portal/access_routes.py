"""Asking for a fresh portal link with a one-time code (`/portal/login`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from creditflow.api.deps import get_session, get_settings
from creditflow.config import Settings
from creditflow.links.tokens import make_customer_token
from creditflow.portal.access import request_access_code, verify_access_code
from creditflow.portal.security import client_ip, rate_limited
from creditflow.portal.web import (
    PortalDenied,
    PortalRoute,
    now_of,
    page_for,
    policy_of,
    require_csrf,
)

router = APIRouter(route_class=PortalRoute)

SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def _limit_codes(request: Request, lang: str, *keys: str) -> None:
    policy = policy_of(request)
    for key in (f"ip:{client_ip(request)}", *keys):
        if rate_limited(
            request, "code", key, policy.code_rate_capacity, policy.code_rate_per_minute
        ):
            raise PortalDenied(429, "rate_limited", lang)


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, session: SessionDep, settings: SettingsDep, lang: str | None = None
) -> HTMLResponse:
    """Ask for the customer number and an e-mail address or phone number."""
    page = page_for(request, session, settings, lang)
    return page.render("login.html")


@router.post("/login", response_class=HTMLResponse)
def login_request(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    customer_id: Annotated[str, Form(max_length=64)],
    contact: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """Send a code when the details match; the answer is the same either way."""
    page = page_for(request, session, settings, lang)
    require_csrf(request, page, csrf_token)
    _limit_codes(request, page.lang, f"customer:{customer_id.strip()}")
    request_access_code(session, page.secret, customer_id, contact, now=now_of(request))
    return page.render("code.html", customer_id=customer_id.strip())


@router.post("/login/code", response_model=None)
def login_code(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    customer_id: Annotated[str, Form(max_length=64)],
    code: Annotated[str, Form(max_length=12)],
    csrf_token: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
) -> Response:
    """Check the code; the right one leads to a fresh portal link."""
    page = page_for(request, session, settings, lang)
    require_csrf(request, page, csrf_token)
    _limit_codes(request, page.lang, f"verify:{customer_id.strip()}")
    now = now_of(request)
    customer = verify_access_code(session, page.secret, customer_id, code, now=now)
    if customer is None:
        return page.render(
            "code.html",
            status=400,
            customer_id=customer_id.strip(),
            error=page._("That code is not right or has expired."),
        )
    token = make_customer_token(page.secret, customer.customer_id, purpose="portal", now=now)
    return RedirectResponse(f"/portal/{token}?lang={page.lang}", status_code=303)
