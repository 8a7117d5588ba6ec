"""The one-time set-up page: a new user opens their link and chooses a password.

The page is open (PUBLIC_PAGE_PATHS): the token in the link is the check. Its form
carries the sign-in page's signed double-submit CSRF value (page_access checks it).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from creditflow.portal.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    SECURITY_HEADERS,
    csrf_from_cookie,
    new_csrf,
)
from creditflow.staff.access import now_of, page_access, secret_of
from creditflow.staff.pages import language_of
from creditflow.staff.service import StaffError, set_password, setup_user
from creditflow.workbench.i18n import translate
from creditflow.workbench.pages import environment

router = APIRouter(
    prefix="/workbench",
    tags=["workbench"],
    include_in_schema=False,
    dependencies=[Depends(page_access)],
)


def _page(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    """The set-up page in the browser's language, with a CSRF cookie for its form."""
    lang = language_of(request)

    def _(text: str, **values: Any) -> str:
        translated = translate(lang, text)
        return translated.format(**values) if values else translated

    with request.app.state.sessions() as session, session.begin():
        secret = secret_of(request, session)
    existing = csrf_from_cookie(secret, request.cookies.get(CSRF_COOKIE))
    cookie, form_value = (None, existing) if existing else new_csrf(secret)
    html = (
        environment()
        .get_template("setup.html")
        .render(lang=lang, _=_, csrf=form_value, csrf_field=CSRF_FIELD, **context)
    )
    response = HTMLResponse(html, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    response.headers["Referrer-Policy"] = "no-referrer"  # the token stays off other sites
    if cookie:
        response.set_cookie(
            CSRF_COOKIE,
            cookie,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/workbench",
        )
    return response


def _user_email(request: Request, token: str) -> str | None:
    with request.app.state.sessions() as session, session.begin():
        user = setup_user(session, secret_of(request, session), token, now_of(request))
        return user.email if user else None


@router.get("/setup")
def setup_form(request: Request, token: str = "") -> Response:
    """The form to choose a first password, when the link is still good."""
    email = _user_email(request, token[:200])
    if email is None:
        return _page(request, 410, gone=True)
    return _page(request, email=email, token=token)


@router.post("/setup")
def setup(
    request: Request,
    token: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    repeat: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    """Set the password; the link stops working (the password hash it was made for is gone)."""
    with request.app.state.sessions() as session, session.begin():
        user = setup_user(session, secret_of(request, session), token, now_of(request))
        if user is None:
            return _page(request, 410, gone=True)
        email = user.email
        if password != repeat:
            return _page(request, 422, email=email, token=token,
                         error="The two passwords are not the same.")  # fmt: skip
        try:
            set_password(session, user, password, f"user:{email}")
        except StaffError as exc:
            return _page(request, 422, email=email, token=token, error=str(exc))
    return _page(request, done=True, email=email)
