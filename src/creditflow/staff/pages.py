"""Rendering of the workbench pages: templates, language, security headers."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from creditflow.portal.security import SECURITY_HEADERS
from creditflow.staff.texts import language_from_header, translate


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The Jinja2 environment of the workbench templates (autoescaped)."""
    return Environment(
        loader=PackageLoader("creditflow.staff", "templates"),
        autoescape=select_autoescape(["html"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def language_of(request: Request) -> str:
    """The page language: from Accept-Language, else the organisation's language."""
    default = request.app.state.settings.organisation.default_language
    return language_from_header(request.headers.get("accept-language"), default)


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A workbench page in the browser's language, with the security headers."""
    lang = language_of(request)

    def _(text: str, **values: Any) -> str:
        return translate(lang, text).format(**values) if values else translate(lang, text)

    html = environment().get_template(template).render(lang=lang, _=_, **context)
    response = HTMLResponse(html, status_code=status)
    response.headers.update(SECURITY_HEADERS)
    return response


def refusal_page(request: Request, status: int, detail: str) -> HTMLResponse:
    """The page shown when a signed-in user (or a stale form) is refused."""
    return render(request, "refused.html", status=status, detail=detail)
