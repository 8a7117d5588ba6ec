"""Sign-in with an OpenID Connect provider (Microsoft Entra ID, Google, any other).

`/workbench/oidc/<name>/start` sends the browser to the provider with state, nonce and
a PKCE challenge, kept in a signed, short-lived cookie bound to this browser;
`/workbench/oidc/<name>/callback` checks what comes back and starts a session exactly
like the password sign-in. Both are open paths (staff/access.py, OIDC_PREFIX).
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from creditflow.config.base import ConfigError
from creditflow.config.oidc import OidcProvider
from creditflow.staff.access import (
    OIDC_PREFIX,
    SESSION_COOKIE,
    client_ip,
    now_of,
    page_access,
    policy_of,
    secret_of,
)
from creditflow.staff.oidc import (
    OidcClient,
    OidcRefused,
    Pending,
    clients_of,
    new_pending,
    same_state,
    signed_in_email,
)
from creditflow.staff.pages import language_of
from creditflow.staff.routes import login_page, safe_next
from creditflow.staff.service import (
    TWO_STEP_ON,
    address_lockout,
    external_sign_in,
    failed_attempt,
    start_session,
)
from creditflow.staff.texts import translate

log = logging.getLogger(__name__)
router = APIRouter(
    prefix=OIDC_PREFIX,
    tags=["workbench"],
    include_in_schema=False,
    dependencies=[Depends(page_access)],
)
PENDING_COOKIE = "cf_oidc"
PENDING_SECONDS = 600  # the browser has ten minutes at the provider
_SALT = "creditflow-staff-oidc"


def _client(request: Request, name: str) -> OidcClient | None:
    providers: tuple[OidcProvider, ...] = request.app.state.settings.staff.oidc
    return clients_of(request.app.state, providers).get(name)


def _signer(request: Request) -> URLSafeTimedSerializer:
    with request.app.state.sessions() as session, session.begin():
        return URLSafeTimedSerializer(secret_of(request, session), salt=_SALT)


def _redirect_uri(request: Request, name: str) -> str:
    settings = request.app.state.settings
    base = (
        settings.portal_base_url
        if settings.portal_base_url_configured
        else str(request.base_url).rstrip("/")
    )
    return f"{base}{OIDC_PREFIX}/{name}/callback"


def _refused(request: Request, status: int, text: str, **values: str) -> Response:
    error = translate(language_of(request), text).format(**values)
    response = login_page(request, status, error)
    response.delete_cookie(PENDING_COOKIE, path=OIDC_PREFIX)
    return response


def _failed(request: Request, label: str) -> Response:
    text = "Signing in with {label} did not work. Try again, or sign in with your password."
    return _refused(request, 401, text, label=label)


@router.get("/{name}/start")
def start(request: Request, name: str, next: str | None = None) -> Response:  # noqa: A002
    """Send the browser to the provider; state, nonce and verifier go in a signed cookie."""
    client = _client(request, name)
    if client is None:
        return _refused(request, 404, "There is no sign-in provider {name}.", name=name[:40])
    pending = new_pending(name, safe_next(next))
    try:
        target = client.authorization_url(pending, _redirect_uri(request, name))
    except OidcRefused as exc:
        log.warning("OIDC %s: discovery failed: %s", name, exc)
        return _failed(request, client.provider.label)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        PENDING_COOKIE,
        _signer(request).dumps(pending.as_dict()),
        max_age=PENDING_SECONDS,
        httponly=True,
        samesite="lax",  # the provider's redirect back is a top-level cross-site GET
        secure=request.url.scheme == "https",
        path=OIDC_PREFIX,
    )
    return response


def _pending(request: Request, name: str) -> Pending | None:
    raw = request.cookies.get(PENDING_COOKIE)
    if not raw:
        return None
    try:
        data = _signer(request).loads(raw, max_age=PENDING_SECONDS)
    except BadSignature:
        return None
    pending = Pending.from_dict(data)
    return pending if pending is not None and pending.provider == name else None


@router.get("/{name}/callback")
def callback(
    request: Request,
    name: str,
    code: str = "",
    state: str = "",
    error: str = "",
) -> Response:
    """Check the provider's answer; a known, active user gets a NEW session."""
    client = _client(request, name)
    if client is None:
        return _refused(request, 404, "There is no sign-in provider {name}.", name=name[:40])
    label = client.provider.label
    ip, now, policy = client_ip(request), now_of(request), policy_of(request)
    with request.app.state.sessions() as session, session.begin():
        locked = address_lockout(session, ip, now, policy)
    if locked is not None:
        text = "Too many failed attempts. Try again after {time} UTC."
        return _refused(request, 429, text, time=locked.strftime("%H:%M"))
    pending = _pending(request, name)
    if pending is None or not same_state(pending.state, state):
        with request.app.state.sessions() as session, session.begin():
            failed_attempt(session, "", ip, now, name, "state missing or not this browser's")
        text = "The sign-in took too long or was started in another browser. Try again."
        return _refused(request, 400, text)
    try:
        if error or not code:
            raise OidcRefused(f"the provider answered error={error[:100]!r}")
        redirect_uri = _redirect_uri(request, name)
        id_token = client.exchange(code, pending, redirect_uri)
        email = signed_in_email(client.provider, client.verify(id_token, pending, now))
    except (OidcRefused, ConfigError) as exc:
        log.warning("OIDC %s: sign-in refused: %s", name, exc)
        with request.app.state.sessions() as session, session.begin():
            failed_attempt(session, "", ip, now, name, str(exc))
        return _failed(request, label)
    with request.app.state.sessions() as session, session.begin():
        outcome = external_sign_in(session, email, ip, now, policy, name)
        token = None
        if outcome.user is not None:
            previous = request.cookies.get(SESSION_COOKIE)
            token = start_session(session, outcome.user, ip, now, previous, policy)
    if token is None:
        if outcome.locked_until is not None:
            text = "Too many failed attempts. Try again after {time} UTC."
            return _refused(request, 429, text, time=outcome.locked_until.strftime("%H:%M"))
        log.info("OIDC %s: %s refused: %s", name, email, outcome.reason)
        if outcome.reason == TWO_STEP_ON:
            text = "Two-step sign-in is on for {email}: sign in with your password and code."
            return _refused(request, 403, text, email=email)
        text = (
            "{label} signed you in as {email}, but there is no active workbench user with "
            "that address. Ask an administrator."
        )
        return _refused(request, 403, text, label=label, email=email)
    response = RedirectResponse(safe_next(pending.next_path), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.delete_cookie(PENDING_COOKIE, path=OIDC_PREFIX)
    return response
