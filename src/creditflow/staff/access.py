"""Who may call what: the FastAPI dependencies that guard `/api` and `/workbench`.

Put `Depends(api_access)` on an `/api` router and `Depends(page_access)` on a
`/workbench` router (`dependencies=[...]`): every route of the router is then guarded,
including the ones added later. Only the paths in PUBLIC_API_PATHS and
PUBLIC_PAGE_PATHS (and the OIDC sign-in steps, `public_page`) are open. A finer check
on one route: `Depends(require("decide"))`.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from creditflow.ledger.service import link_secret
from creditflow.portal.security import CSRF_COOKIE, CSRF_FIELD, csrf_ok
from creditflow.staff.permissions import SAFE_METHODS, AccessPolicy, permission_for_method
from creditflow.staff.service import Staff, key_staff, session_staff, staff_policy

SESSION_COOKIE = "cf_staff"
LOGIN_PATH = "/workbench/login"
CSRF_HEADER = "X-CSRF-Token"
# Liveness and readiness for load balancers and compose: a status, nothing about customers.
PUBLIC_API_PATHS = frozenset({"/api/health", "/api/ready"})
# The set-up page checks its own one-time token (staff/setup_links.py).
PUBLIC_PAGE_PATHS = frozenset({LOGIN_PATH, "/workbench/static/workbench.css", "/workbench/setup"})
ANY_ROLE_WRITES = frozenset({"/workbench/logout"})  # a viewer may still sign out
# Sign-in with an OIDC provider (staff/oidc_routes.py): the browser arrives without a
# session; the callback is guarded by its state, bound to the browser by a signed cookie.
OIDC_PREFIX = "/workbench/oidc"
PUBLIC_PAGE_PATTERN = re.compile(r"/workbench/oidc/[a-z0-9-]{1,32}/(start|callback)")


def public_page(path: str) -> bool:
    """True for the open workbench paths: PUBLIC_PAGE_PATHS and the OIDC sign-in steps."""
    return path in PUBLIC_PAGE_PATHS or PUBLIC_PAGE_PATTERN.fullmatch(path) is not None


class AccessDenied(Exception):
    """A request without the right sign-in: 401/403 for the API, a redirect for a page."""

    def __init__(self, status: int, detail: str, *, page: bool = False) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.page = page


def now_of(request: Request) -> datetime:
    """The current time: `app.state.clock()` when set (tests), else the wall clock."""
    clock: Callable[[], datetime] | None = getattr(request.app.state, "clock", None)
    return clock() if clock else datetime.now(UTC)


def client_ip(request: Request) -> str:
    """The client address as the server sees it."""
    return request.client.host if request.client else "unknown"


def policy_of(request: Request) -> AccessPolicy:
    """The app's session and lockout policy (read once per app)."""
    policy: AccessPolicy | None = getattr(request.app.state, "staff_policy", None)
    if policy is None:
        policy = request.app.state.staff_policy = staff_policy(request.app.state.settings)
    return policy


def secret_of(request: Request, session: Session) -> str:
    """The key that signs the sign-in form's CSRF cookie (the installation's link secret)."""
    secret: str | None = getattr(request.app.state, "staff_secret", None)
    if secret is None:
        secret = request.app.state.staff_secret = link_secret(session, request.app.state.settings)
    return secret


def _secret(request: Request) -> str:
    with request.app.state.sessions() as session, session.begin():
        return secret_of(request, session)


def _lookup(request: Request, *, bearer: bool) -> Staff | None:
    """The staff member behind the request's bearer key or session cookie, if any."""
    if hasattr(request.state, "staff"):
        found: Staff | None = request.state.staff
        return found
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    now = now_of(request)
    with request.app.state.sessions() as session, session.begin():
        if header:
            staff = (
                key_staff(session, value.strip(), now)
                if bearer and scheme.lower() == "bearer"
                else None
            )
        else:
            token = request.cookies.get(SESSION_COOKIE)
            staff = session_staff(session, token, now, policy_of(request)) if token else None
    request.state.staff = staff
    return staff


def current_staff(request: Request) -> Staff:
    """The staff member a guarded route runs for (use after api_access or page_access)."""
    staff = _lookup(request, bearer=request.url.path.startswith("/api"))
    if staff is None:
        raise AccessDenied(401, "not signed in", page=not request.url.path.startswith("/api"))
    return staff


def api_access(request: Request) -> None:
    """Guard of `/api`: a session or a bearer API key; GET reads, the rest writes."""
    if request.url.path in PUBLIC_API_PATHS:
        return
    staff = _lookup(request, bearer=True)
    if staff is None:
        raise AccessDenied(401, "Sign in, or send Authorization: Bearer <api key>.")
    needed = permission_for_method(request.method)
    if not staff.may(needed):
        raise AccessDenied(
            403, f"This {staff.kind} may not {needed} (needs the {needed} permission)."
        )
    if needed == "write" and staff.kind == "user":
        sent = request.headers.get(CSRF_HEADER, "")
        if not (sent and staff.csrf and hmac.compare_digest(sent, staff.csrf)):
            raise AccessDenied(403, f"A signed-in browser must send the {CSRF_HEADER} header.")


async def page_access(request: Request) -> None:
    """Guard of `/workbench`: a session (else the sign-in page) and CSRF on every form."""
    path = request.url.path
    writes = request.method.upper() not in SAFE_METHODS
    sent = str((await request.form()).get(CSRF_FIELD) or "") if writes else ""
    if public_page(path):
        if writes:
            secret = await run_in_threadpool(_secret, request)
            if not csrf_ok(secret, request.cookies.get(CSRF_COOKIE), sent):
                raise AccessDenied(403, "The form expired: open the page again.", page=True)
        return
    staff = await run_in_threadpool(_lookup, request, bearer=False)
    if staff is None:
        raise AccessDenied(401, "not signed in", page=True)
    if writes:
        if not (staff.csrf and sent and hmac.compare_digest(sent, staff.csrf)):
            raise AccessDenied(403, "The form expired: open the page again.", page=True)
        if path not in ANY_ROLE_WRITES and not staff.may("write"):
            raise AccessDenied(403, "Your role may not change anything.", page=True)
    elif not staff.may("read"):
        raise AccessDenied(403, "Your role may not see this page.", page=True)


def require(permission: str) -> Callable[[Request], Coroutine[Any, Any, Staff]]:
    """A dependency for one route that needs more than read/write, e.g. `require("decide")`."""

    async def check(request: Request) -> Staff:
        staff = await run_in_threadpool(current_staff, request)
        if not staff.may(permission):
            page = not request.url.path.startswith("/api")
            raise AccessDenied(403, f"This needs the {permission} permission.", page=page)
        return staff

    return check


def problem(status: int, detail: str) -> JSONResponse:
    """An RFC 9457 problem details response."""
    titles = {401: "Unauthorized", 403: "Forbidden"}
    headers = {"WWW-Authenticate": 'Bearer realm="creditflow"'} if status == 401 else None
    return JSONResponse(
        {
            "type": "about:blank",
            "title": titles.get(status, "Error"),
            "status": status,
            "detail": detail,
        },
        status_code=status,
        media_type="application/problem+json",
        headers=headers,
    )


def install(app: FastAPI) -> None:
    """Answer refused requests: problem JSON for the API, the sign-in page for pages."""

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, AccessDenied)
        if not exc.page:
            return problem(exc.status, exc.detail)
        if exc.status == 401:
            target = request.url.path
            if request.url.query:
                target += "?" + request.url.query
            from urllib.parse import quote

            return RedirectResponse(f"{LOGIN_PATH}?next={quote(target, safe='')}", status_code=303)
        from creditflow.staff.pages import refusal_page

        return refusal_page(request, exc.status, exc.detail)

    app.add_exception_handler(AccessDenied, refused)
