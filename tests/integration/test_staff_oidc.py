"""Sign-in with an OpenID Connect provider, against a real local provider on loopback.

The browser's three hops are followed by hand: the app's start redirect, the
provider's /authorize (which consents at once as its configured user), and the
callback back at the app, whose token exchange and key fetch go over real HTTP.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc.jwk import RSAKey
from sqlalchemy import select

from creditflow.config import Settings
from creditflow.config.oidc import parse_provider
from creditflow.db import transaction
from creditflow.ledger.models import AuditEntry
from creditflow.staff.models import SignInAttempt, StaffSession
from creditflow.staff.service import set_active, set_totp
from tests.support.oidc_provider import LocalOidcProvider, running_provider
from tests.support.staff import NOW, add_staff, form_csrf, staff_client

SECRET_ENV = "CREDITFLOW_TEST_OIDC_SECRET"


@pytest.fixture
def provider(monkeypatch):
    """The local provider, its clock at the app's (tests/support/staff.py NOW)."""
    with running_provider(now=NOW.timestamp) as local:
        monkeypatch.setenv(SECRET_ENV, local.client_secret)
        yield local


def oidc_settings(settings: Settings, local: LocalOidcProvider, **extra: object) -> Settings:
    """The settings with `[staff.oidc.local]` pointing at the local provider."""
    section = {
        "issuer": local.issuer,
        "client_id": local.client_id,
        "client_secret_env": SECRET_ENV,
        "label": "Local ID",
        **extra,
    }
    oidc = (parse_provider("local", section),)
    return replace(settings, staff=replace(settings.staff, oidc=oidc))


@pytest.fixture
def client(settings, engine, provider) -> TestClient:
    """A browser on the app with the local provider configured, and two staff users."""
    add_staff(engine, "anna@example.nl", "admin")
    add_staff(engine, "victor@example.nl", "viewer")
    return staff_client(oidc_settings(settings, provider))


def at_provider(client: TestClient, next_path: str = "") -> str:
    """Start the sign-in and let the provider consent; the callback address it gives."""
    start = client.get(
        "/workbench/oidc/local/start" + (f"?next={next_path}" if next_path else ""),
        follow_redirects=False,
    )
    assert start.status_code == 303, start.text
    answer = httpx.get(start.headers["location"], follow_redirects=False)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def oidc_sign_in(client: TestClient, next_path: str = "") -> httpx.Response:
    """The whole round trip; the app's answer to the callback."""
    return client.get(at_provider(client, next_path), follow_redirects=False)


def audit_verbs(engine) -> list[tuple[str, str, dict]]:
    with transaction(engine) as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(row.verb, row.actor, row.details or {}) for row in rows]


def last_refusal(engine) -> str:
    """Why the last sign-in was refused, as the audit log says."""
    return [v for v in audit_verbs(engine) if v[0] == "staff_sign_in_failed"][-1][2]["reason"]


def test_the_sign_in_page_shows_a_button_per_provider(client):
    page = client.get("/workbench/login?next=/workbench/queues", headers={"Accept-Language": "en"})
    assert "Sign in with Local ID" in page.text
    assert 'href="/workbench/oidc/local/start?next=/workbench/queues"' in page.text
    dutch = client.get("/workbench/login", headers={"Accept-Language": "nl"})
    assert "Inloggen met Local ID" in dutch.text


def test_the_start_sends_state_nonce_and_an_s256_challenge_bound_to_the_browser(client, provider):
    start = client.get("/workbench/oidc/local/start", follow_redirects=False)
    target = urlsplit(start.headers["location"])
    query = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider.issuer}/authorize"
    assert query["client_id"] == provider.client_id and query["response_type"] == "code"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert len(query["state"]) >= 43 and len(query["nonce"]) >= 43
    assert query["redirect_uri"] == "http://testserver/workbench/oidc/local/callback"
    cookie = start.headers["set-cookie"]
    assert "cf_oidc=" in cookie and "HttpOnly" in cookie and "Path=/workbench/oidc" in cookie
    assert query["state"] not in cookie.split(";")[0].split(".")[-1]  # signed, not bare
    again = client.get("/workbench/oidc/local/start", follow_redirects=False)
    assert parse_qs(urlsplit(again.headers["location"]).query)["state"][0] != query["state"]


def test_a_known_user_signs_in_and_lands_where_they_were_going(client, engine, provider):
    response = oidc_sign_in(client, "/workbench/today")
    assert response.status_code == 303 and response.headers["location"] == "/workbench/today"
    assert "cf_staff=" in response.headers["set-cookie"]
    page = client.get("/workbench", headers={"Accept-Language": "nl"})
    assert page.status_code == 200 and "anna@example.nl · beheerder" in page.text
    exchange = provider.token_requests[-1]
    assert exchange["grant_type"] == "authorization_code" and exchange["code_verifier"]
    signed_in = [v for v in audit_verbs(engine) if v[0] == "staff_signed_in"]
    assert signed_in == [
        ("staff_signed_in", "user:anna@example.nl", {"ip": "testclient", "via": "local"})
    ]
    assert provider.client_secret not in str(audit_verbs(engine))


def test_the_session_cookie_is_new_and_a_planted_one_is_not_reused(client, engine, settings):
    planted = "attacker-chosen-session-id-0123456789abcdef"
    client.cookies.set("cf_staff", planted, domain="testserver.local")
    assert oidc_sign_in(client).status_code == 303
    after = client.cookies.get("cf_staff")
    assert after and after != planted
    stranger = staff_client(settings)
    stranger.cookies.set("cf_staff", planted)
    assert stranger.get("/workbench", follow_redirects=False).status_code == 303
    assert oidc_sign_in(client).status_code == 303  # again: a new token, the old one ends
    assert client.cookies.get("cf_staff") not in (after, planted)
    with transaction(engine) as session:
        assert len(list(session.scalars(select(StaffSession)))) == 1


def test_an_unknown_address_is_refused_without_making_a_user(client, engine, provider):
    provider.user = "mallory@example.nl"
    response = oidc_sign_in(client)
    assert response.status_code == 403
    assert "mallory@example.nl" in response.text and "cf_staff" not in response.headers.get(
        "set-cookie", ""
    )
    failed = [v for v in audit_verbs(engine) if v[0] == "staff_sign_in_failed"]
    assert failed[-1][1] == "user:mallory@example.nl" and failed[-1][2]["via"] == "local"
    assert client.get("/workbench", follow_redirects=False).status_code == 303


def test_a_disabled_user_is_refused(client, engine):
    with transaction(engine) as session:
        set_active(session, "anna@example.nl", False, "test")
    assert oidc_sign_in(client).status_code == 403
    assert client.get("/workbench", follow_redirects=False).status_code == 303


def test_a_user_with_two_step_sign_in_on_is_refused(client, engine):
    with transaction(engine) as session:
        set_totp(session, "anna@example.nl", True, "test")
    response = oidc_sign_in(client)
    assert response.status_code == 403 and "cf_staff" not in response.headers.get("set-cookie", "")
    assert "Inloggen in twee stappen staat aan voor anna@example.nl" in response.text


def test_an_unverified_address_is_refused(client, engine, provider):
    provider.email_verified = False
    response = oidc_sign_in(client)
    assert response.status_code == 401 and "cf_staff" not in response.headers.get("set-cookie", "")
    assert "not verified" in last_refusal(engine)


@pytest.mark.parametrize(
    ("bend", "value"),
    [
        ("nonce", "a-nonce-this-browser-never-sent"),
        ("aud", "another-client"),
        ("iss", "https://evil.example"),
        ("exp", int(NOW.timestamp()) - 120),
        ("sub", None),
    ],
    ids=["wrong nonce", "wrong audience", "wrong issuer", "expired", "no subject"],
)
def test_an_id_token_with_a_bad_claim_is_refused(client, engine, provider, bend, value):
    provider.claims[bend] = value
    response = oidc_sign_in(client)
    assert response.status_code == 401
    assert "cf_staff" not in response.headers.get("set-cookie", "")
    assert client.get("/workbench", follow_redirects=False).status_code == 303
    with transaction(engine) as session:
        attempts = list(session.scalars(select(SignInAttempt)))
    assert [(a.succeeded, a.ip) for a in attempts] == [(False, "testclient")]
    assert bend in last_refusal(engine).lower()


def test_an_id_token_signed_with_another_key_is_refused(client, engine, provider):
    provider.sign_with_stranger = True
    assert oidc_sign_in(client).status_code == 401
    assert "BadSignatureError" in last_refusal(engine)
    provider.sign_with_stranger = False
    assert oidc_sign_in(client).status_code == 303  # the same flow with the right key


def test_a_new_signing_key_at_the_provider_is_fetched_and_used(client, provider):
    assert oidc_sign_in(client).status_code == 303  # the app now holds the first JWKS
    provider.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-2"})
    assert oidc_sign_in(client).status_code == 303


def test_a_wrong_or_missing_state_is_refused(client, settings, provider):
    callback = at_provider(client)
    url = urlsplit(callback)
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    forged = client.get(
        f"{url.path}?code={query['code']}&state=forged-state", follow_redirects=False
    )
    assert forged.status_code == 400 and "cf_staff" not in forged.headers.get("set-cookie", "")
    assert client.get(callback, follow_redirects=False).status_code == 400  # cookie cleared
    mine = at_provider(client)
    signed = client.cookies.get("cf_oidc")
    assert signed
    client.cookies.clear()
    tampered = signed[:-2] + ("AA" if not signed.endswith("AA") else "BB")
    client.cookies.set("cf_oidc", tampered, domain="testserver.local", path="/workbench/oidc")
    assert client.get(mine, follow_redirects=False).status_code == 400
    theirs = at_provider(staff_client(oidc_settings(settings, provider)))
    client.cookies.set("cf_oidc", signed, domain="testserver.local", path="/workbench/oidc")
    assert client.get(theirs, follow_redirects=False).status_code == 400  # not its state
    assert provider.token_requests == []  # refused before any code was exchanged
    client.cookies.set("cf_oidc", signed, domain="testserver.local", path="/workbench/oidc")
    assert client.get(mine, follow_redirects=False).status_code == 303  # untampered: works


def test_a_callback_works_once(client):
    callback = at_provider(client)
    assert client.get(callback, follow_redirects=False).status_code == 303
    assert client.get(callback, follow_redirects=False).status_code == 400  # state used up


def test_an_address_outside_the_allowed_domains_is_refused(settings, engine, provider):
    add_staff(engine, "anna@example.nl", "admin")
    client = staff_client(oidc_settings(settings, provider, allowed_domains=["example.com"]))
    assert oidc_sign_in(client).status_code == 401
    assert "example.nl is not allowed" in last_refusal(engine)
    allowed = staff_client(oidc_settings(settings, provider, allowed_domains=["example.nl"]))
    assert oidc_sign_in(allowed).status_code == 303


def test_a_wrong_client_secret_is_refused(client, engine, monkeypatch):
    monkeypatch.setenv(SECRET_ENV, "not-the-secret")
    assert oidc_sign_in(client).status_code == 401
    assert "invalid_client" in last_refusal(engine)
    assert "not-the-secret" not in str(audit_verbs(engine))


def test_failed_callbacks_count_toward_the_address_lockout(settings, engine, provider):
    add_staff(engine, "anna@example.nl", "admin")
    staff = replace(settings.staff, ip_failures=3)
    client = staff_client(oidc_settings(replace(settings, staff=staff), provider))
    provider.claims["aud"] = "another-client"
    for _ in range(3):
        assert oidc_sign_in(client).status_code == 401
    provider.claims.clear()
    assert oidc_sign_in(client).status_code == 429  # the address is locked for a while


def test_an_unknown_provider_is_a_clear_refusal(client):
    response = client.get("/workbench/oidc/nothere/start", headers={"Accept-Language": "en"})
    assert response.status_code == 404 and "There is no sign-in provider nothere." in response.text
    # the password form is still there and works
    assert form_csrf(response.text)
