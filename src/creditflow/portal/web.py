"""Shared plumbing of the portal pages: templates, language, clock, token check, responses."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

from babel.dates import format_date
from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy.orm import Session

from creditflow.arrangements.service import find_customer
from creditflow.config import Settings
from creditflow.ledger.models import Customer
from creditflow.ledger.service import link_secret
from creditflow.links.tokens import LinkError, read_customer_token
from creditflow.money import Money
from creditflow.outbox.clock import local_today
from creditflow.portal.i18n import gettext_for, pick_language
from creditflow.portal.policy import PortalPolicy
from creditflow.portal.security import (
    CSRF_COOKIE,
    SECURITY_HEADERS,
    csrf_from_cookie,
    csrf_ok,
    new_csrf,
)

LOCALES = {"nl": "nl_NL", "en": "en_GB"}


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment for the portal templates (autoescaped)."""
    return Environment(
        loader=PackageLoader("creditflow.portal", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def now_of(request: Request) -> datetime:
    """The current time: `app.state.clock()` when set (tests, demos), else the wall clock."""
    clock: Callable[[], datetime] | None = getattr(request.app.state, "clock", None)
    return clock() if clock else datetime.now(UTC)


def policy_of(request: Request) -> PortalPolicy:
    """The portal policy of the app's settings (`[portal]`, read once at load)."""
    policy: PortalPolicy = request.app.state.settings.portal
    return policy


def today_for(customer: Customer, now: datetime) -> date:
    """Today in the customer's own time zone (`outbox.clock.local_today`)."""
    return local_today(customer, now)


@dataclass
class Page:
    """A request's rendering state: language, translations and the CSRF value."""

    request: Request
    lang: str
    secret: str
    csrf: str
    set_cookie: str | None

    def _(self, text: str) -> str:
        """Translate a message id into the page language."""
        return str(gettext_for(self.lang).gettext(text))

    def money(self, amount: Money) -> str:
        """An amount as the reader expects it ("€ 412,50" in Dutch)."""
        return amount.format(LOCALES[self.lang])

    def day(self, value: date) -> str:
        """A date in words ("2 maart 2026")."""
        return str(format_date(value, format="long", locale=LOCALES[self.lang]))

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        """Render a template into an HTML response with the security headers."""
        html = (
            environment()
            .get_template(template)
            .render(
                _=self._,
                lang=self.lang,
                csrf=self.csrf,
                money=self.money,
                day=self.day,
                creditor=self.request.app.state.settings.organisation,
                **context,
            )
        )
        response = HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
        if self.set_cookie:
            secure = str(self.request.app.state.settings.portal_base_url).startswith("https")
            response.set_cookie(
                CSRF_COOKIE,
                self.set_cookie,
                httponly=True,
                samesite="strict",
                secure=secure,
                path="/portal",
            )
        return response


def page_for(request: Request, session: Session, settings: Settings, *langs: str | None) -> Page:
    """A page in the first supported language, reusing the visitor's CSRF cookie if valid."""
    secret = link_secret(session, settings)
    existing = csrf_from_cookie(secret, request.cookies.get(CSRF_COOKIE))
    if existing:
        return Page(request, pick_language(*langs), secret, existing, None)
    cookie, raw = new_csrf(secret)
    return Page(request, pick_language(*langs), secret, raw, cookie)


class PortalDenied(Exception):
    """A portal request is refused; rendered as an HTML page with `status` by PortalRoute."""

    def __init__(self, status: int, reason: str, lang: str = "nl") -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.lang = lang


DENIAL_TEXT = {
    "expired": "This link has expired. Ask for a new link below.",
    "forged": "This link is not valid. Ask for a new link below.",
    "wrong_purpose": "This link is not valid. Ask for a new link below.",
    "unknown_customer": "This link is not valid. Ask for a new link below.",
    "csrf": "The form was not accepted (it may be too old). Go back, reload and try again.",
    "rate_limited": "Too many requests. Please wait a minute and try again.",
    "not_found": "We could not find that.",
}


class PortalRoute(APIRoute):
    """A route whose PortalDenied errors become a translated HTML page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap the handler so refusals render the error page."""
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            try:
                return await handler(request)
            except PortalDenied as denied:
                lang = pick_language(request.query_params.get("lang"), denied.lang)
                _ = gettext_for(lang).gettext
                html = (
                    environment()
                    .get_template("error.html")
                    .render(
                        _=_,
                        lang=lang,
                        message=_(DENIAL_TEXT.get(denied.reason, "Not allowed.")),
                        status=denied.status,
                        creditor=request.app.state.settings.organisation,
                    )
                )
                headers = dict(SECURITY_HEADERS)
                if denied.reason == "rate_limited":
                    headers["Retry-After"] = "60"
                return HTMLResponse(html, status_code=denied.status, headers=headers)

        return guarded


def require_csrf(request: Request, page: Page, field: str | None) -> None:
    """Refuse (403) a state-changing form without the matching CSRF token."""
    if not csrf_ok(page.secret, request.cookies.get(CSRF_COOKIE), field):
        raise PortalDenied(403, "csrf", page.lang)


def customer_from_token(
    request: Request, session: Session, page: Page, token: str, now: datetime
) -> Customer:
    """The customer a portal token proves, or an HTTP error page (403 forged, 410 expired)."""
    try:
        claims = read_customer_token(
            page.secret, token, "portal", max_age_days=policy_of(request).link_max_age_days, now=now
        )
    except LinkError as exc:
        raise PortalDenied(410 if exc.reason == "expired" else 403, exc.reason, page.lang) from exc
    customer = find_customer(session, claims.customer_id)
    if customer is None or customer.pseudonymised_at is not None:
        raise PortalDenied(404, "unknown_customer", page.lang)
    return customer


def posted_form(
    request: Request,
    session: Session,
    settings: Settings,
    token: str,
    csrf_token: str,
    *langs: str | None,
) -> tuple[Page, datetime, Customer]:
    """The page, the moment and the customer of a posted portal form, CSRF checked."""
    page = page_for(request, session, settings, *langs)
    require_csrf(request, page, csrf_token)
    now = now_of(request)
    return page, now, customer_from_token(request, session, page, token, now)
