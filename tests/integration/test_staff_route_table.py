"""Every `/api` and `/workbench` route refuses anonymous and wrong-role access.

The cases are generated from the app's route table (`app.routes`), so a route added
later is checked without anyone writing a test for it. The app carries two probe
write routes built the way an area builds its routers (tests/support/staff.py), so
the write checks run even while the API itself only reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from creditflow.api.app import create_app
from creditflow.config import Settings
from creditflow.staff.access import ANY_ROLE_WRITES, PUBLIC_API_PATHS, PUBLIC_PAGE_PATHS
from tests.support.staff import add_staff, api_key, probe_routers, sign_in, staff_client

GUARDED = ("/api", "/workbench")
OPEN = PUBLIC_API_PATHS | PUBLIC_PAGE_PATHS
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def route_table(app: FastAPI) -> Iterator[tuple[str, str]]:
    """(method, path template) of every route under /api or /workbench."""
    for route in iter_route_contexts(app.routes):
        path = route.path or ""
        if path == GUARDED[1] or path.startswith(tuple(p + "/" for p in GUARDED)):
            for method in sorted((route.methods or {"GET"}) - {"HEAD"}):
                yield method, path


def _table() -> list[tuple[str, str]]:
    app = create_app(Settings(database_url="sqlite://"))
    for router in probe_routers():
        app.include_router(router)
    return sorted(set(route_table(app)))


TABLE = _table()
GUARDED_ROUTES = [(m, p) for m, p in TABLE if p not in OPEN]
WRITE_ROUTES = [
    (m, p) for m, p in GUARDED_ROUTES if m in WRITE_METHODS and p not in ANY_ROLE_WRITES
]


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_the_route_table_is_read_and_only_health_and_sign_in_are_open():
    paths = {p for _, p in TABLE}
    assert {"/api/actions", "/api/health", "/workbench", "/workbench/login"} <= paths
    assert {p for p in paths if p in OPEN} == {
        "/api/health",
        "/api/ready",
        "/workbench/login",
        "/workbench/setup",
        "/workbench/static/workbench.css",
    }
    assert ("POST", "/api/probe") in WRITE_ROUTES and ("POST", "/workbench/probe") in WRITE_ROUTES


@pytest.mark.parametrize(
    ("method", "path"), GUARDED_ROUTES, ids=[f"{m} {p}" for m, p in GUARDED_ROUTES]
)
def test_anonymous_access_is_refused(settings, engine, method, path):
    client = staff_client(settings, probes=True)
    response = client.request(method, _url(path), follow_redirects=False)
    if path.startswith("/api/"):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 401
    else:
        assert response.status_code == 303
        assert response.headers["location"].startswith("/workbench/login?next=")


@pytest.mark.parametrize(
    ("method", "path"), WRITE_ROUTES, ids=[f"{m} {p}" for m, p in WRITE_ROUTES]
)
def test_a_write_route_refuses_a_read_key_and_a_viewer(settings, engine, method, path):
    add_staff(engine, "victor@example.nl", "viewer")
    key = api_key(engine, "read")
    client = staff_client(settings, probes=True)
    if path.startswith("/api/"):
        by_key = client.request(method, _url(path), headers={"Authorization": f"Bearer {key}"})
        assert by_key.status_code == 403
        assert by_key.headers["content-type"] == "application/problem+json"
    csrf = sign_in(client, "victor@example.nl")
    if path.startswith("/api/"):
        by_viewer = client.request(method, _url(path), headers={"X-CSRF-Token": csrf})
        assert by_viewer.headers["content-type"] == "application/problem+json"
    else:
        by_viewer = client.request(method, _url(path), data={"csrf_token": csrf})
    assert by_viewer.status_code == 403


@pytest.mark.parametrize(
    ("method", "path"), WRITE_ROUTES, ids=[f"{m} {p}" for m, p in WRITE_ROUTES]
)
def test_a_write_route_refuses_a_signed_in_form_without_csrf(settings, engine, method, path):
    add_staff(engine, "anna@example.nl", "admin")
    client = staff_client(settings, probes=True)
    sign_in(client, "anna@example.nl")
    assert client.request(method, _url(path)).status_code == 403
