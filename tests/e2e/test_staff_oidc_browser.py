"""A collector signs in with the organisation's OpenID Connect provider in Chromium.

A real `creditflow serve` subprocess has `[staff.oidc.local]` pointing at the local
provider (tests/support/oidc_provider.py) on loopback, with the client secret in an
environment variable. The browser clicks "Sign in with Local ID", the provider
consents at once, and the browser lands on the worklist; an address without a
workbench user is turned away with a clear message. Screenshots go to test-artifacts/oidc/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_staff_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, creditflow
from tests.support.oidc_provider import running_provider
from tests.support.serve_process import serve

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "oidc"


def test_a_collector_signs_in_with_the_oidc_provider_and_lands_on_today(database_url, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    added = creditflow(database_url, tmp_path, "user", "add", "carla@example.nl", "--role",
                       "collector", stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    shots = ARTIFACTS
    shots.mkdir(parents=True, exist_ok=True)
    with running_provider(user="carla@example.nl") as provider:
        config = (
            "[staff.oidc.local]\n"
            f'issuer = "{provider.issuer}"\n'
            f'client_id = "{provider.client_id}"\n'
            'client_secret_env = "CREDITFLOW_E2E_OIDC_SECRET"\n'
            'label = "Local ID"\n'
            'allowed_domains = ["example.nl"]\n'
        )
        env = {"CREDITFLOW_E2E_OIDC_SECRET": provider.client_secret}
        with (
            serve(database_url, tmp_path / "srv", config=config, env=env) as server,
            sync_api.sync_playwright() as pw,
        ):
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
            page = context.new_page()
            page.goto(f"{server.base_url}/workbench/today")
            assert page.url.endswith("/workbench/login?next=%2Fworkbench%2Ftoday")
            button = page.get_by_role("link", name="Sign in with Local ID")
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            page.screenshot(path=shots / "01-sign-in-buttons.png", full_page=True)
            button.click()
            page.wait_for_url(f"{server.base_url}/workbench/today")
            assert "carla@example.nl" in page.inner_text("header")
            page.screenshot(path=shots / "02-signed-in.png", full_page=True)
            cookie = next(c for c in context.cookies() if c["name"] == "cf_staff")
            assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
            assert provider.token_requests and provider.token_requests[-1]["code_verifier"]

            stranger = browser.new_context(viewport={"width": 390, "height": 844}, locale="en")
            provider.user = "mallory@example.nl"
            other = stranger.new_page()
            other.goto(f"{server.base_url}/workbench/login")
            other.get_by_role("link", name="Sign in with Local ID").click()
            other.wait_for_url(f"{server.base_url}/workbench/oidc/local/callback**")
            alert = other.get_by_role("alert").inner_text()
            assert "mallory@example.nl" in alert and "no active workbench user" in alert
            assert not [c for c in stranger.cookies() if c["name"] == "cf_staff"]
            other.screenshot(path=shots / "03-unknown-address.png", full_page=True)
            browser.close()
        assert provider.client_secret not in server.output()
    print(f"screenshots: {shots}")
