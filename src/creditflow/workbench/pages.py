"""Rendering of workbench pages: the frame with navigation, language, notices, headers.

Every page template extends `layout.html`. A form posts, the route does its work in
one transaction and answers `done(...)`: a 303 back to a page with a notice, so a
reload never posts twice.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import ChoiceLoader, Environment, PackageLoader, select_autoescape

from creditflow.portal.security import CSRF_FIELD, SECURITY_HEADERS
from creditflow.staff.access import current_staff
from creditflow.staff.pages import language_of
from creditflow.staff.service import Staff
from creditflow.workbench.health import app_sandbox
from creditflow.workbench.i18n import texts, translate

# (path, label): the main navigation, in this order on every page.
NAVIGATION: tuple[tuple[str, str], ...] = (
    ("/workbench/dashboard", "Dashboard"),
    ("/workbench/today", "Today"),
    ("/workbench/customers", "Customers"),
    ("/workbench/queues", "Queues"),
    ("/workbench/strategy", "Strategy"),
    ("/workbench/settings", "Settings"),
)
NOTICE_PARAMETER = "notice"


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment: workbench templates first, then the staff pages' base."""
    return Environment(
        loader=ChoiceLoader(
            [
                PackageLoader("creditflow.workbench", "templates"),
                PackageLoader("creditflow.staff", "templates"),
            ]
        ),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A workbench page for the signed-in staff member, in the browser's language."""
    staff = current_staff(request)
    lang = language_of(request)

    def _(text: str, **values: Any) -> str:
        translated = translate(lang, text)
        return translated.format(**values) if values else translated

    html = (
        environment()
        .get_template(template)
        .render(
            lang=lang,
            _=_,
            staff=staff,
            csrf=staff.csrf,
            csrf_field=CSRF_FIELD,
            navigation=NAVIGATION,
            current_path=request.url.path,
            notice=_known_notice(request.query_params.get(NOTICE_PARAMETER)),
            sandbox=app_sandbox(request.app),
            **context,
        )
    )
    response = HTMLResponse(html, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def _known_notice(text: str | None) -> str | None:
    """A notice from the query string, shown only when it is one of our own texts."""
    return text if text and text in texts() else None


def done(path: str, notice: str = "Saved.", **params: str) -> RedirectResponse:
    """After a form: back to a page (303), which shows the notice (an English source text)."""
    query = urlencode({**params, NOTICE_PARAMETER: notice})
    return RedirectResponse(f"{path}?{query}", status_code=303)


def not_found(request: Request, detail: str = "There is no such page or record.") -> HTMLResponse:
    """The 404 page inside the workbench frame."""
    return render(request, "not_found.html", status=404, detail=detail)


def staff_of(request: Request) -> Staff:
    """The signed-in staff member (the router's page_access already checked the session)."""
    return current_staff(request)
