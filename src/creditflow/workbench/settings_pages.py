"""Settings: users, API keys, the organisation, channel health; and the scheduled jobs.

Users and keys need `manage_staff` (every change audited by staff/service.py). The
organisation's settings live in creditflow.toml, read once at start: shown here, changed
in the file. A new API key is shown once, in the answer to the form that made it.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from creditflow.schedule.status import last_runs
from creditflow.staff.access import now_of, page_access, require, secret_of
from creditflow.staff.models import StaffUser
from creditflow.staff.permissions import ROLES, SCOPES
from creditflow.staff.service import (
    Staff,
    StaffError,
    add_user,
    create_api_key,
    invite_user,
    list_api_keys,
    list_users,
    revoke_api_key,
    set_active,
    set_role,
)
from creditflow.staff.setup_links import SETUP_LINK_HOURS, SETUP_PATH
from creditflow.workbench.health import app_sandbox, channel_health
from creditflow.workbench.pages import done, not_found, render, staff_of

router = APIRouter(
    prefix="/workbench",
    tags=["workbench"],
    include_in_schema=False,
    dependencies=[Depends(page_access)],
)
PAGE = "/workbench/settings"
ManageStaff = Annotated[Staff, Depends(require("manage_staff"))]


def _settings_page(request: Request, status: int = 200, **extra: Any) -> Response:
    staff = staff_of(request)
    settings = request.app.state.settings
    with request.app.state.sessions() as session:
        users = list_users(session) if staff.may("manage_staff") else []
        keys = list_api_keys(session) if staff.may("manage_staff") else []
        health = channel_health(session, settings)
        session.expunge_all()
    response = render(
        request,
        "settings.html",
        status=status,
        users=users,
        keys=keys,
        roles=ROLES,
        scopes=SCOPES,
        organisation=settings.organisation,
        health=health,
        payments_provider=settings.payments.provider,
        payments_sandbox=app_sandbox(request.app).payments,
        link_hours=SETUP_LINK_HOURS,
        **extra,
    )
    response.headers["Cache-Control"] = "no-store"  # a new key is on the page once
    return response


@router.get("/settings")
def settings_page(request: Request) -> Response:
    """Users and keys (for admins), organisation, channel health and the jobs link."""
    return _settings_page(request)


@router.post("/settings/users")
def user_add(
    request: Request,
    staff: ManageStaff,
    email: Annotated[str, Form(max_length=254)] = "",
    role: Annotated[str, Form(max_length=16)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    access: Annotated[str, Form(max_length=8)] = "link",
) -> Response:
    """Add a staff user with a role and a one-time set-up link or a first password (audited).

    The link is shown once, in this answer; the user chooses their password with it.
    """
    if access not in ("link", "password"):
        return _settings_page(request, 422, user_error="access: give link or password.")
    try:
        with request.app.state.sessions() as session, session.begin():
            if access == "password":
                add_user(session, email, role, password, staff.actor)
                return done(PAGE, "User added.")
            secret = secret_of(request, session)
            user, token = invite_user(session, email, role, staff.actor, secret, now_of(request))
            address = user.email
    except StaffError as exc:
        return _settings_page(
            request, 422, user_error=str(exc), new_email=email, new_role=role, new_access=access
        )
    base = request.app.state.settings.portal_base_url.rstrip("/")
    link = f"{base}{SETUP_PATH}?{urlencode({'token': token})}"
    return _settings_page(request, 201, new_link=link, new_link_email=address)


def _user(request: Request, user_id: int) -> str | None:
    with request.app.state.sessions() as session:
        user = session.get(StaffUser, user_id)
        return user.email if user else None


@router.post("/settings/users/{user_id}/role")
def user_role(
    request: Request,
    user_id: int,
    staff: ManageStaff,
    role: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Give a user another role (audited); an admin keeps their own role."""
    email = _user(request, user_id)
    if email is None:
        return not_found(request)
    if email == staff.name:
        return _settings_page(request, 422, user_error="You cannot change your own role.")
    try:
        with request.app.state.sessions() as session, session.begin():
            set_role(session, email, role, staff.actor)
    except StaffError as exc:
        return _settings_page(request, 422, user_error=str(exc))
    return done(PAGE, "Role changed.")


@router.post("/settings/users/{user_id}/active")
def user_active(
    request: Request,
    user_id: int,
    staff: ManageStaff,
    active: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Disable a user (signed out at once) or enable them again (audited)."""
    email = _user(request, user_id)
    if email is None:
        return not_found(request)
    if active not in ("yes", "no"):
        return _settings_page(request, 422, user_error="active: give yes or no.")
    if email == staff.name and active == "no":
        return _settings_page(request, 422, user_error="You cannot disable yourself.")
    with request.app.state.sessions() as session, session.begin():
        set_active(session, email, active == "yes", staff.actor)
    return done(PAGE, "User enabled." if active == "yes" else "User disabled.")


@router.post("/settings/keys")
def key_create(
    request: Request,
    staff: ManageStaff,
    name: Annotated[str, Form(max_length=100)] = "",
    scope: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Create an API key; the answer shows it once (only its digest is stored)."""
    try:
        with request.app.state.sessions() as session, session.begin():
            row, key = create_api_key(session, name, scope, staff.actor)
            key_id = row.key_id
    except StaffError as exc:
        return _settings_page(request, 422, key_error=str(exc), new_key_name=name)
    return _settings_page(request, 201, new_key=key, new_key_id=key_id)


@router.post("/settings/keys/{key_id}/revoke")
def key_revoke(request: Request, key_id: str, staff: ManageStaff) -> Response:
    """Revoke an API key: it stops working at once (audited)."""
    try:
        with request.app.state.sessions() as session, session.begin():
            revoke_api_key(session, key_id, staff.actor, now_of(request))
    except StaffError:
        return not_found(request)
    return done(PAGE, "API key revoked.")


@router.get("/jobs")
def jobs_page(request: Request) -> Response:
    """Each scheduled job's last run: for which day or file, when, how long, outcome."""
    return render(request, "jobs.html", runs=last_runs(request.app.state.engine))
