"""Sign-in, sessions, CSRF, fixation, brute force and API keys against the real app."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select

from creditflow.db import transaction
from creditflow.ledger.models import AuditEntry
from creditflow.staff.models import SignInAttempt, StaffSession
from creditflow.staff.service import revoke_api_key, set_active, set_totp
from tests.support.staff import (
    NOW,
    PASSWORD,
    Clock,
    add_staff,
    api_key,
    form_csrf,
    sign_in,
    staff_client,
)


@pytest.fixture
def staff(engine):
    """An admin and a viewer."""
    add_staff(engine, "anna@example.nl", "admin")
    add_staff(engine, "victor@example.nl", "viewer")


def _try(client, email, password, code=""):
    page = client.get("/workbench/login")
    return client.post(
        "/workbench/login",
        data={
            "email": email,
            "password": password,
            "code": code,
            "csrf_token": form_csrf(page.text),
        },
        follow_redirects=False,
    )


def test_sign_in_sets_a_strict_session_cookie_and_shows_who_is_signed_in(settings, staff):
    client = staff_client(settings)
    response = _try(client, "Anna@Example.nl", PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/workbench"
    cookie = response.headers["set-cookie"]
    assert "cf_staff=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback; https gets Secure (below)
    page = client.get("/workbench", headers={"Accept-Language": "nl-NL,nl;q=0.9"})
    assert page.status_code == 200
    assert "anna@example.nl · beheerder" in page.text
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_over_https_the_session_cookie_is_secure(settings, staff):
    client = staff_client(settings)
    client.base_url = client.base_url.copy_with(scheme="https")
    response = _try(client, "anna@example.nl", PASSWORD)
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


def test_a_wrong_password_is_refused_with_an_error_and_no_session(settings, engine, staff):
    client = staff_client(settings)
    response = _try(client, "anna@example.nl", "Kaasschaaf-Fietsbel-43")
    assert response.status_code == 401
    assert "cf_staff" not in response.headers.get("set-cookie", "")
    assert "klopt niet" in response.text  # the organisation's language (nl) by default
    unknown = _try(client, "nobody@example.nl", PASSWORD)
    assert unknown.status_code == 401 and "klopt niet" in unknown.text  # same answer
    with transaction(engine) as session:
        verbs = list(session.scalars(select(AuditEntry.verb)))
    assert verbs.count("staff_sign_in_failed") == 2


def test_the_session_id_before_and_after_sign_in_differ(settings, engine, staff):
    client = staff_client(settings)
    planted = "attacker-chosen-session-id-0123456789abcdef"
    client.cookies.set("cf_staff", planted, domain="testserver.local")
    assert _try(client, "anna@example.nl", PASSWORD).status_code == 303
    after = client.cookies.get("cf_staff")
    assert after and after != planted
    stranger = staff_client(settings)
    stranger.cookies.set("cf_staff", planted)
    assert stranger.get("/workbench", follow_redirects=False).status_code == 303  # worthless
    # signing in again while signed in also rotates, and ends the old session
    assert _try(client, "anna@example.nl", PASSWORD).status_code == 303
    again = client.cookies.get("cf_staff")
    assert again != after
    old = staff_client(settings)
    old.cookies.set("cf_staff", after)
    assert old.get("/workbench", follow_redirects=False).status_code == 303
    with transaction(engine) as session:
        assert len(list(session.scalars(select(StaffSession)))) == 1


def test_sign_out_ends_the_session_on_the_server(settings, engine, staff):
    client = staff_client(settings)
    csrf = sign_in(client, "anna@example.nl")
    token = client.cookies.get("cf_staff")
    response = client.post("/workbench/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/workbench/login")
    replay = staff_client(settings)
    replay.cookies.set("cf_staff", token)
    assert replay.get("/workbench", follow_redirects=False).status_code == 303
    assert replay.get("/api/actions").status_code == 401
    with transaction(engine) as session:
        assert "staff_signed_out" in set(session.scalars(select(AuditEntry.verb)))


def test_forms_without_the_csrf_value_are_refused(settings, staff):
    client = staff_client(settings)
    csrf = sign_in(client, "anna@example.nl")
    assert client.post("/workbench/logout", data={}).status_code == 403
    assert client.post("/workbench/logout", data={"csrf_token": "x" + csrf}).status_code == 403
    assert client.get("/workbench").status_code == 200  # still signed in
    fresh = staff_client(settings)
    fresh.get("/workbench/login")
    forged = fresh.post(
        "/workbench/login",
        data={"email": "anna@example.nl", "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert forged.status_code == 403 and "cf_staff" not in forged.headers.get("set-cookie", "")


def test_a_signed_in_browser_writes_to_the_api_only_with_the_csrf_header(settings, staff):
    client = staff_client(settings, probes=True)
    csrf = sign_in(client, "anna@example.nl")
    assert client.get("/api/actions").status_code == 200
    refused = client.post("/api/probe")
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    wrong = client.post("/api/probe", headers={"X-CSRF-Token": csrf + "x"})
    assert wrong.status_code == 403
    with_header = client.post("/api/probe", headers={"X-CSRF-Token": csrf})
    assert with_header.status_code == 200 and with_header.json() == {"written": True}


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(settings, staff):
    clock = Clock()
    client = staff_client(settings, clock)
    for minute in range(5):
        clock.now = NOW + timedelta(minutes=minute)
        assert _try(client, "anna@example.nl", f"wrong-password-{minute:02d}").status_code == 401
    clock.now = NOW + timedelta(minutes=5)
    locked = _try(client, "anna@example.nl", PASSWORD)  # even the right password
    assert locked.status_code == 429 and "10:15" in locked.text
    other = _try(client, "victor@example.nl", PASSWORD)  # another account is not locked
    assert other.status_code == 303
    clock.now = NOW + timedelta(minutes=15)
    assert _try(client, "anna@example.nl", PASSWORD).status_code == 303


def test_a_success_clears_the_account_failures(settings, staff):
    clock = Clock()
    client = staff_client(settings, clock)
    for _ in range(4):
        assert _try(client, "anna@example.nl", "wrong-password-xx").status_code == 401
    assert _try(client, "anna@example.nl", PASSWORD).status_code == 303
    for _ in range(4):
        assert _try(client, "anna@example.nl", "wrong-password-yy").status_code == 401
    assert _try(client, "anna@example.nl", PASSWORD).status_code == 303


def test_one_address_trying_many_accounts_is_locked_per_address(settings, staff):
    staff = replace(settings.staff, ip_failures=6, account_failures=5)
    client = staff_client(replace(settings, staff=staff))
    for n in range(6):
        assert _try(client, f"guess{n}@example.nl", "wrong-password-zz").status_code == 401
    locked = _try(client, "anna@example.nl", PASSWORD)
    assert locked.status_code == 429


def test_an_idle_session_expires_and_an_active_one_ends_after_twelve_hours(settings, staff):
    clock = Clock()
    client = staff_client(settings, clock)
    sign_in(client, "anna@example.nl")
    clock.now = NOW + timedelta(minutes=29)
    assert client.get("/workbench").status_code == 200
    clock.now = NOW + timedelta(minutes=29 + 30)  # idle for 30 minutes
    assert client.get("/workbench", follow_redirects=False).status_code == 303
    sign_in(client, "anna@example.nl")
    start = clock.now
    for step in range(1, 25):  # active every 29 minutes, for 11.6 hours
        clock.now = start + timedelta(minutes=29 * step)
        assert client.get("/workbench").status_code == 200
    clock.now = start + timedelta(hours=12)
    assert client.get("/workbench", follow_redirects=False).status_code == 303


def test_api_keys_read_or_write_by_scope_and_stop_when_revoked(settings, engine, staff):
    client = staff_client(settings, probes=True)
    read_key, write_key = api_key(engine, "read"), api_key(engine, "write")
    anonymous = client.get("/api/actions")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"] == "application/problem+json"
    assert anonymous.json()["status"] == 401
    assert anonymous.headers["www-authenticate"].startswith("Bearer")
    assert client.get("/api/actions", headers={"Authorization": f"Bearer {read_key}"}).json() == []
    refused = client.post("/api/probe", headers={"Authorization": f"Bearer {read_key}"})
    assert refused.status_code == 403 and refused.json()["title"] == "Forbidden"
    written = client.post("/api/probe", headers={"Authorization": f"Bearer {write_key}"})
    assert written.status_code == 200  # a key needs no CSRF header: no cookie to ride on
    tampered = read_key[:-2] + ("xx" if not read_key.endswith("xx") else "yy")
    assert (
        client.get("/api/actions", headers={"Authorization": f"Bearer {tampered}"}).status_code
        == 401
    )
    assert client.get("/api/actions", headers={"Authorization": read_key}).status_code == 401
    with transaction(engine) as session:
        revoke_api_key(session, read_key.split("_")[1], "test", NOW)
    assert (
        client.get("/api/actions", headers={"Authorization": f"Bearer {read_key}"}).status_code
        == 401
    )


def test_after_sign_in_only_a_workbench_page_is_followed(settings, staff):
    client = staff_client(settings)
    page = client.get("/workbench/login?next=https://evil.example/x")
    assert 'value="/workbench"' in page.text
    response = client.post(
        "/workbench/login",
        data={"email": "anna@example.nl", "password": PASSWORD, "next": "//evil.example",
              "csrf_token": form_csrf(page.text)},
        follow_redirects=False,
    )  # fmt: skip
    assert response.headers["location"] == "/workbench"


def test_an_anonymous_page_request_goes_to_the_sign_in_page_and_back(settings, staff):
    client = staff_client(settings)
    response = client.get("/workbench?tab=today", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/workbench/login?next=%2Fworkbench%3Ftab%3Dtoday"
    page = client.get(response.headers["location"])
    assert 'value="/workbench?tab=today"' in page.text


def test_a_disabled_user_is_signed_out_at_once_and_cannot_sign_in(settings, engine, staff):
    client = staff_client(settings)
    sign_in(client, "anna@example.nl")
    with transaction(engine) as session:
        set_active(session, "anna@example.nl", False, "test")
    assert client.get("/workbench", follow_redirects=False).status_code == 303
    assert _try(client, "anna@example.nl", PASSWORD).status_code == 401
    with transaction(engine) as session:
        set_active(session, "anna@example.nl", True, "test")
        verbs = list(session.scalars(select(AuditEntry.verb)))
    assert _try(client, "anna@example.nl", PASSWORD).status_code == 303
    assert "staff_user_disabled" in verbs and "staff_user_enabled" in verbs


def test_with_two_step_sign_in_the_password_alone_is_not_enough(settings, engine, staff):
    with transaction(engine) as session:
        uri = set_totp(session, "anna@example.nl", True, "test")
    assert uri is not None
    totp = pyotp.parse_uri(uri)
    assert isinstance(totp, pyotp.TOTP)
    client = staff_client(settings)
    assert _try(client, "anna@example.nl", PASSWORD).status_code == 401
    assert (
        _try(
            client, "anna@example.nl", PASSWORD, "000000" if totp.at(NOW) != "000000" else "111111"
        ).status_code
        == 401
    )
    code = totp.at(NOW)
    assert _try(client, "anna@example.nl", "wrong-password-xx", code).status_code == 401
    assert _try(client, "anna@example.nl", PASSWORD, code).status_code == 303
    replay = staff_client(settings)
    assert _try(replay, "anna@example.nl", PASSWORD, code).status_code == 401  # used once
    with transaction(engine) as session:
        set_totp(session, "anna@example.nl", False, "test")
    assert _try(replay, "anna@example.nl", PASSWORD).status_code == 303


def test_old_sessions_and_attempts_are_cleared_at_the_next_sign_in(settings, engine, staff):
    clock = Clock()
    client = staff_client(settings, clock)
    assert _try(client, "anna@example.nl", "wrong-password-xx").status_code == 401
    sign_in(client, "anna@example.nl")
    clock.now = NOW + timedelta(days=2)
    other = staff_client(settings, clock)
    sign_in(other, "victor@example.nl")
    with transaction(engine) as session:
        sessions = list(session.scalars(select(StaffSession)))
        attempts = list(session.scalars(select(SignInAttempt)))
    assert len(sessions) == 1  # anna's expired one is gone, victor's is new
    assert [a.email for a in attempts] == ["victor@example.nl"]
