"""The unsubscribe link of every e-mail: `/portal/{token}/preferences`.

GET opens the debtor's contact preferences with a one-click "unsubscribe from
e-mail" button. A POST with the body `List-Unsubscribe=One-Click` (RFC 8058, what
mail programs send for the List-Unsubscribe-Post header, and what the button sends)
opts the customer out of e-mail at once. That POST carries no cookie or CSRF field:
the signed, expiring, single-customer token in the URL is the proof, as RFC 8058
intends. Any other POST to the same URL is the full preferences form (routes.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from creditflow.api.deps import get_session, get_settings
from creditflow.config import Settings
from creditflow.portal.preferences import CONSENT_CHANNELS, set_consent
from creditflow.portal.security import client_ip, rate_limited
from creditflow.portal.web import (
    PortalDenied,
    PortalRoute,
    customer_from_token,
    now_of,
    page_for,
    policy_of,
)

router = APIRouter(route_class=PortalRoute)

SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
ONE_CLICK = "One-Click"
UNSUBSCRIBED_CHANNEL = "email"


def _limit(request: Request, lang: str, token: str) -> None:
    policy = policy_of(request)
    for key in (f"ip:{client_ip(request)}", f"key:{token}"):
        if rate_limited(request, "link", key, policy.rate_capacity, policy.rate_per_minute):
            raise PortalDenied(429, "rate_limited", lang)


@router.get("/{token}/preferences", response_class=HTMLResponse)
def preferences_page(
    request: Request,
    token: str,
    session: SessionDep,
    settings: SettingsDep,
    lang: str | None = None,
) -> HTMLResponse:
    """The unsubscribe link's page: one-click unsubscribe and every contact preference."""
    page = page_for(request, session, settings, lang)
    _limit(request, page.lang, token)
    customer = customer_from_token(request, session, page, token, now_of(request))
    if not lang:
        page = page_for(request, session, settings, customer.language)
    return page.render(
        "preferences.html",
        token=token,
        customer=customer,
        channels=CONSENT_CHANNELS,
        unsubscribed=UNSUBSCRIBED_CHANNEL in (customer.opt_out or []),
    )


def unsubscribe_one_click(
    request: Request, session: Session, settings: Settings, token: str
) -> HTMLResponse:
    """Opt the token's customer out of e-mail (RFC 8058 one-click); idempotent."""
    page = page_for(request, session, settings)
    _limit(request, page.lang, token)
    now = now_of(request)
    customer = customer_from_token(request, session, page, token, now)
    page = page_for(request, session, settings, customer.language)
    set_consent(
        session,
        customer,
        UNSUBSCRIBED_CHANNEL,
        False,
        source="list-unsubscribe",
        evidence="one-click unsubscribe (RFC 8058)",
        now=now,
    )
    return page.render(
        "done.html",
        title=page._("You are unsubscribed"),
        token=token,
        messages=[page._("You will no longer receive e-mail from us.")],
    )
