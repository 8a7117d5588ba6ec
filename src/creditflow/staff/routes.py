"""The workbench's sign-in, landing page and sign-out (every route behind page_access)."""

from __future__ import annotations

from importlib import resources

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from creditflow.portal.security import CSRF_COOKIE, CSRF_FIELD, csrf_from_cookie, new_csrf
from creditflow.staff.access import (
    LOGIN_PATH,
    SESSION_COOKIE,
    client_ip,
    current_staff,
    now_of,
    page_access,
    policy_of,
    secret_of,
)
from creditflow.staff.pages import render
from creditflow.staff.service import end_session, sign_in, start_session

router = APIRouter(
    prefix="/workbench",
    tags=["workbench"],
    include_in_schema=False,
    dependencies=[Depends(page_access)],
)
HOME = "/workbench"
TODAY = "/workbench/today"


def safe_next(target: str | None) -> str:
    """Only a workbench path is followed after sign-in (never another site)."""
    if target and target.startswith("/workbench") and not target.startswith("//"):
        return target
    return HOME


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/static/workbench.css")
def stylesheet() -> Response:
    """The workbench stylesheet, served from the package (no CDN)."""
    css = (resources.files("creditflow.staff") / "static" / "workbench.css").read_text("utf-8")
    return Response(css, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


def login_page(
    request: Request,
    status: int = 200,
    error: str | None = None,
    email: str = "",
    next_path: str | None = None,
    signed_out: bool = False,
) -> Response:
    """The sign-in page: the password form and a button per OIDC provider."""
    with request.app.state.sessions() as session, session.begin():
        secret = secret_of(request, session)
    existing = csrf_from_cookie(secret, request.cookies.get(CSRF_COOKIE))
    cookie, form_value = (None, existing) if existing else new_csrf(secret)
    response = render(
        request,
        "login.html",
        status=status,
        error=error,
        email=email,
        csrf=form_value,
        next_path=safe_next(next_path),
        signed_out=signed_out,
        csrf_field=CSRF_FIELD,
        providers=request.app.state.settings.staff.oidc,
    )
    if cookie:
        response.set_cookie(
            CSRF_COOKIE,
            cookie,
            httponly=True,
            samesite="strict",
            secure=_secure(request),
            path="/workbench",
        )
    return response


@router.get("/login")
def login_form(
    request: Request,
    next: str | None = None,  # noqa: A002
    signed_out: str | None = None,
) -> Response:
    """The sign-in page (signing in again replaces the current session)."""
    return login_page(request, next_path=next, signed_out=bool(signed_out))


@router.post("/login")
def login(
    request: Request,
    email: str = Form(default="", max_length=254),
    password: str = Form(default="", max_length=1024),
    code: str = Form(default="", max_length=16),
    next: str = Form(default=HOME, max_length=500),  # noqa: A002
) -> Response:
    """Check the password; on success a NEW session (no fixation) and on to the workbench."""
    from creditflow.staff.texts import translate

    ip = client_ip(request)
    now = now_of(request)
    with request.app.state.sessions() as session, session.begin():
        outcome = sign_in(session, email, password, ip, now, policy_of(request), code)
        token = None
        if outcome.user is not None:
            previous = request.cookies.get(SESSION_COOKIE)
            token = start_session(session, outcome.user, ip, now, previous, policy_of(request))
    if token is None:
        from creditflow.staff.pages import language_of

        lang = language_of(request)
        if outcome.locked_until is not None:
            text = translate(lang, "Too many failed attempts. Try again after {time} UTC.")
            error = text.format(time=outcome.locked_until.strftime("%H:%M"))
            return login_page(request, 429, error, email, next)
        error = translate(lang, "The e-mail address, the password or the code is wrong.")
        return login_page(request, 401, error, email, next)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", secure=_secure(request), path="/"
    )
    return response


@router.get("")
def home(request: Request) -> Response:
    """The landing page after sign-in is the worklist of today."""
    current_staff(request)
    return RedirectResponse(TODAY, status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    """Sign out: the session is deleted on the server and the cookie is cleared."""
    staff = current_staff(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    with request.app.state.sessions() as session, session.begin():
        end_session(session, token, staff.actor)
    response = RedirectResponse(f"{LOGIN_PATH}?signed_out=1", status_code=303)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=_secure(request), httponly=True, samesite="lax"
    )
    return response
