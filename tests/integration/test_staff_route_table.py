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
from creditflow.staff.access import ANY_ROLE_WRITES, PUBLIC_API_PATHS, public_page
from tests.support.staff import add_staff, api_key, probe_routers, sign_in, staff_client

GUARDED = ("/api", "/workbench")
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


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def is_open(path: str) -> bool:
    """An open path: health/ready, the sign-in page and its stylesheet, the OIDC steps."""
    return path in PUBLIC_API_PATHS or public_page(_url(path))


TABLE = _table()
OPEN_ROUTES = [(m, p) for m, p in TABLE if is_open(p)]
GUARDED_ROUTES = [(m, p) for m, p in TABLE if not is_open(p)]
WRITE_ROUTES = [
    (m, p) for m, p in GUARDED_ROUTES if m in WRITE_METHODS and p not in ANY_ROLE_WRITES
]


def test_the_route_table_is_read_and_only_health_and_sign_in_are_open():
    paths = {p for _, p in TABLE}
    assert {"/api/actions", "/api/health", "/workbench", "/workbench/login"} <= paths
    assert {p for p in paths if is_open(p)} == {
        "/api/health",
        "/api/ready",
        "/workbench/login",
        "/workbench/setup",
        "/workbench/static/workbench.css",
        "/workbench/oidc/{name}/start",
        "/workbench/oidc/{name}/callback",
    }
    # only these exact steps are open, not whatever else comes under /workbench/oidc
    assert not public_page("/workbench/oidc/google/start/../../customers")
    assert not public_page("/workbench/oidc/google/other")
    assert not public_page("/workbench/oidcx/google/start")
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


@pytest.mark.parametrize(
    ("method", "path"), WRITE_ROUTES, ids=[f"{m} {p}" for m, p in WRITE_ROUTES]
)
def test_a_write_route_refuses_a_wrong_csrf_value_or_another_sessions(
    settings, engine, method, path
):
    add_staff(engine, "anna@example.nl", "admin")
    add_staff(engine, "mira@example.nl", "admin")
    client = staff_client(settings, probes=True)
    csrf = sign_in(client, "anna@example.nl")
    others = sign_in(staff_client(settings, probes=True), "mira@example.nl")
    wrong = csrf[:-1] + ("A" if csrf[-1] != "A" else "B")
    for value in (wrong, others, ""):
        if path.startswith("/api/"):
            response = client.request(method, _url(path), headers={"X-CSRF-Token": value})
        else:
            response = client.request(method, _url(path), data={"csrf_token": value})
        assert response.status_code == 403, value


OIDC_ROUTES = [(m, p) for m, p in OPEN_ROUTES if p.startswith("/workbench/oidc/")]


@pytest.mark.parametrize(("method", "path"), OIDC_ROUTES, ids=[f"{m} {p}" for m, p in OIDC_ROUTES])
def test_the_open_oidc_steps_give_nothing_for_a_provider_not_configured(
    settings, engine, method, path
):
    add_staff(engine, "anna@example.nl", "admin")
    client = staff_client(settings, probes=True)
    response = client.request(method, _url(path), follow_redirects=False)
    assert method == "GET"  # the open steps only read: no write route is open
    assert response.status_code == 404
    assert "cf_staff" not in response.headers.get("set-cookie", "")
    assert client.get("/workbench", follow_redirects=False).status_code == 303
