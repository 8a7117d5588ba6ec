"""`/l/{code}`: a short link from an SMS, WhatsApp or letter opens its pay page or portal.

A valid code answers 303 to the signed link it stands for. An unknown, mistyped or
expired code gets one and the same page (404, in Dutch or English) that says how to
get a new link, so nobody can learn whether a code exists. Every client address has
an allowance of visits (`[portal] short_rate_capacity`, refilled at
`short_rate_per_minute`); past it, 429 with Retry-After. `/l` alone asks for a code.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from creditflow.api.deps import get_session, get_settings
from creditflow.config import Settings
from creditflow.ledger.service import link_secret
from creditflow.links.short_codes import format_code, parse_code
from creditflow.links.short_links import open_short_link
from creditflow.portal.i18n import gettext_for, pick_language
from creditflow.portal.security import SECURITY_HEADERS, client_ip, rate_limited
from creditflow.portal.web import environment, now_of, policy_of

router = APIRouter(tags=["portal"])

SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[Settings, Depends(get_settings)]

TEXT = {
    "nl": {
        "title": "Deze link werkt niet (meer)",
        "expired": "De link is verlopen of de code is niet goed overgenomen. "
        "Typ de code nog eens over zoals hij op uw brief of in uw bericht staat, "
        "of vraag een nieuwe link aan.",
        "enter": "Code van uw brief of bericht",
        "code_label": "Code (bijvoorbeeld K7QM-4XPD)",
        "open": "Openen",
        "new_heading": "Een nieuwe link",
        "new_text": "Vul uw klantnummer en uw e-mailadres of mobiele nummer in; "
        "wij sturen u een code waarmee u uw facturen ziet en kunt betalen.",
        "new_button": "Nieuwe link aanvragen",
        "contact": "Liever persoonlijk contact?",
        "call": "Bel",
        "or": "of",
        "mail": "mail",
        "too_many": "U heeft het te vaak geprobeerd. Wacht een minuut en probeer het opnieuw.",
    },
    "en": {
        "title": "This link does not work (any more)",
        "expired": "The link has expired or the code was not copied correctly. "
        "Type the code again exactly as it appears on your letter or in your message, "
        "or ask for a new link.",
        "enter": "Code from your letter or message",
        "code_label": "Code (for example K7QM-4XPD)",
        "open": "Open",
        "new_heading": "A new link",
        "new_text": "Enter your customer number and your e-mail address or mobile number; "
        "we will send you a code to see and pay your invoices.",
        "new_button": "Ask for a new link",
        "contact": "Prefer to talk to someone?",
        "call": "Call",
        "or": "or",
        "mail": "email",
        "too_many": "Too many attempts. Please wait a minute and try again.",
    },
}
_NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _language(request: Request, settings: Settings, lang: str | None) -> str:
    accepted = request.headers.get("accept-language", "").split(",")[0]
    return pick_language(lang, accepted, settings.organisation.default_language)


def _page(settings: Settings, lang: str, status: int) -> HTMLResponse:
    org = settings.organisation
    html = (
        environment()
        .get_template("short_link.html")
        .render(
            _=gettext_for(lang).gettext,
            lang=lang,
            t=TEXT[lang],
            status=status,
            phone=org.phone,
            email=org.email,
            creditor=org,
        )
    )
    headers = dict(SECURITY_HEADERS)
    if status == 429:
        headers["Retry-After"] = "60"
    return HTMLResponse(html, status_code=status, headers=headers)


def _allowed(request: Request) -> bool:
    policy = policy_of(request)
    return not rate_limited(
        request,
        "short",
        f"ip:{client_ip(request)}",
        policy.short_rate_capacity,
        policy.short_rate_per_minute,
    )


@router.get("/l", response_class=HTMLResponse, response_model=None)
def ask_code(
    request: Request, settings: SettingsDep, code: str = "", lang: str | None = None
) -> Response:
    """Ask for a code typed from paper; a well-formed one goes on to `/l/{code}`."""
    language = _language(request, settings, lang)
    if not code:
        return _page(settings, language, 200)
    if not _allowed(request):
        return _page(settings, language, 429)
    parsed = parse_code(code)
    if parsed is None:
        return _page(settings, language, 404)
    return RedirectResponse(f"/l/{format_code(parsed)}", status_code=303, headers=_NO_STORE)


@router.get("/l/{code}", response_class=HTMLResponse, response_model=None)
def open_link(
    request: Request,
    code: str,
    session: SessionDep,
    settings: SettingsDep,
    lang: str | None = None,
) -> Response:
    """Redirect a valid short link to its signed link; otherwise the same refusal page."""
    language = _language(request, settings, lang)
    if not _allowed(request):
        return _page(settings, language, 429)
    target = open_short_link(session, link_secret(session, settings), code, now_of(request))
    if target is None:
        return _page(settings, language, 404)
    location = settings.portal_base_url.rstrip("/") + target
    return RedirectResponse(location, status_code=303, headers=_NO_STORE)
