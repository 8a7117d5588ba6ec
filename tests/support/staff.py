"""Staff users, API keys and signed-in clients for the tests of guarded routes."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from creditflow.api.app import create_app
from creditflow.config import Settings
from creditflow.db import transaction
from creditflow.staff.access import api_access, page_access
from creditflow.staff.service import add_user, create_api_key

PASSWORD = "Kaasschaaf-Fietsbel-42"
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def add_staff(engine: Engine, email: str, role: str, password: str = PASSWORD) -> None:
    """A staff user with this role."""
    with transaction(engine) as session:
        add_user(session, email, role, password, actor="test")


def api_key(engine: Engine, scope: str, name: str = "integration") -> str:
    """A fresh API key of this scope (the key itself)."""
    with transaction(engine) as session:
        return create_api_key(session, name, scope, actor="test")[1]


class Clock:
    """A clock the test moves: `app.state.clock = clock`."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def probe_routers() -> list[APIRouter]:
    """An `/api` and a `/workbench` router built the way an area builds its own, each
    with one write route: what the next area's new write route gets from the guard.
    """
    api = APIRouter(prefix="/api", dependencies=[Depends(api_access)])
    pages = APIRouter(prefix="/workbench", dependencies=[Depends(page_access)])

    @api.post("/probe")
    def api_probe() -> dict[str, bool]:
        return {"written": True}

    @pages.post("/probe")
    def page_probe() -> dict[str, bool]:
        return {"written": True}

    return [api, pages]


def staff_client(
    settings: Settings, clock: Clock | None = None, *, probes: bool = False
) -> TestClient:
    """A TestClient on the whole app (messages stay queued) with a movable clock.

    With `probes`, the app also has the write routes of `probe_routers()`.
    """
    app = create_app(replace(settings, serve=replace(settings.serve, send_at_once=False)))
    for router in probe_routers() if probes else []:
        app.include_router(router)
    app.state.clock = clock or Clock()
    return TestClient(app)


def form_csrf(html: str) -> str:
    """The CSRF value in a page's form."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "page has no CSRF field"
    return found.group(1)


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign in through the page; returns the landing page's CSRF value (the session's)."""
    page = client.get("/workbench/login")
    response = client.post(
        "/workbench/login",
        data={"email": email, "password": password, "csrf_token": form_csrf(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return form_csrf(client.get("/workbench").text)
