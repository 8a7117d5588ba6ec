"""A credit manager signs in to the workbench in Chromium, against a real `creditflow serve`.

On a fresh database: `creditflow user add` and `creditflow apikey create` run as
subprocesses, the way an administrator runs them; then the browser signs in with a
wrong and with the right password, sees the landing page at 390 px and signs out.
Screenshots go to test-artifacts/sign-in/.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.support.serve_process import CREDITFLOW, serve

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "sign-in"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
PASSWORD = "Kaasschaaf-Fietsbel-42"


def creditflow(
    database_url: str, folder: Path, *args: str, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """`creditflow ARGS` in a subprocess on the test database, as a user runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITFLOW_")}
    env["CREDITFLOW_DATABASE_URL"] = database_url
    return subprocess.run(  # noqa: S603 - our own console script
        [str(CREDITFLOW), *args], input=stdin, capture_output=True, text=True, cwd=folder,
        env=env, timeout=300, check=False,
    )  # fmt: skip


def test_user_and_api_key_commands_guard_the_api_of_a_running_server(database_url, tmp_path):
    refused = creditflow(database_url, tmp_path, "user", "add", "anna@example.nl", "--role", "admin",
                         stdin="kort\n")  # fmt: skip
    assert refused.returncode == 1 and "shorter than 12" in refused.stderr
    empty = creditflow(database_url, tmp_path, "user", "add", "anna@example.nl", "--role", "admin")
    assert empty.returncode == 1 and "empty" in empty.stderr
    bad_role = creditflow(database_url, tmp_path, "user", "add", "x@example.nl", "--role", "boss")
    assert bad_role.returncode == 2
    added = creditflow(database_url, tmp_path, "user", "add", "anna@example.nl", "--role", "admin",
                       stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert PASSWORD not in added.stdout + added.stderr
    listed = creditflow(database_url, tmp_path, "user", "list")
    assert "anna@example.nl" in listed.stdout and "admin" in listed.stdout
    assert creditflow(database_url, tmp_path, "user", "disable", "anna@example.nl").returncode == 0
    assert " no " in creditflow(database_url, tmp_path, "user", "list").stdout
    assert creditflow(database_url, tmp_path, "user", "enable", "anna@example.nl").returncode == 0
    assert (
        creditflow(database_url, tmp_path, "user", "disable", "nobody@example.nl").returncode == 1
    )
    assert max(len(line) for line in listed.stdout.splitlines()) <= 80
    created = creditflow(database_url, tmp_path, "apikey", "create", "ERP sync", "--scope", "read")
    assert created.returncode == 0, created.stderr
    key = created.stdout.strip()
    assert key.startswith("cfk_") and "shown once" in created.stderr
    key_id = key.split("_")[1]
    keys = creditflow(database_url, tmp_path, "apikey", "list")
    assert key_id in keys.stdout and key not in keys.stdout
    with serve(database_url, tmp_path / "srv") as server:
        anonymous = httpx.get(f"{server.base_url}/api/actions", timeout=30)
        assert anonymous.status_code == 401
        assert anonymous.headers["content-type"] == "application/problem+json"
        bearer = {"Authorization": f"Bearer {key}"}
        assert httpx.get(f"{server.base_url}/api/actions", headers=bearer, timeout=30).json() == []
        revoked = creditflow(database_url, tmp_path, "apikey", "revoke", key_id)
        assert revoked.returncode == 0, revoked.stderr
        after = httpx.get(f"{server.base_url}/api/actions", headers=bearer, timeout=30)
        assert after.status_code == 401
    unknown = creditflow(database_url, tmp_path, "apikey", "revoke", "00000000")
    assert unknown.returncode == 1


def test_a_manager_signs_in_sees_the_landing_page_and_signs_out_in_chromium(database_url, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    added = creditflow(database_url, tmp_path, "user", "add", "mira@example.nl", "--role", "manager",
                       stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    shots = ARTIFACTS
    shots.mkdir(parents=True, exist_ok=True)
    with serve(database_url, tmp_path / "srv") as server, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
        page = context.new_page()
        page.goto(f"{server.base_url}/workbench")
        assert page.url.startswith(f"{server.base_url}/workbench/login?next=")
        assert page.locator("html").get_attribute("lang") == "en"
        page.get_by_label("E-mail address").fill("mira@example.nl")
        page.get_by_label("Password").fill("Kaasschaaf-Fietsbel-43")
        page.get_by_role("button", name="Sign in").click()
        alert = page.get_by_role("alert")
        assert "The e-mail address, the password or the code is wrong." in alert.inner_text()
        page.screenshot(path=shots / "01-wrong-password.png", full_page=True)

        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{server.base_url}/workbench/today")
        assert "mira@example.nl · manager" in page.inner_text("header")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the landing page is {width} px wide at 390 px"
        page.screenshot(path=shots / "02-landing.png", full_page=True)
        cookie = next(c for c in context.cookies() if c["name"] == "cf_staff")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{server.base_url}/workbench/login?signed_out=1")
        assert "You are signed out." in page.inner_text("main")
        page.screenshot(path=shots / "03-signed-out.png", full_page=True)
        assert not [c for c in context.cookies() if c["name"] == "cf_staff"]
        page.goto(f"{server.base_url}/workbench")
        assert "/workbench/login" in page.url

        dutch = browser.new_context(viewport={"width": 390, "height": 844}, locale="nl-NL")
        nl_page = dutch.new_page()
        nl_page.goto(f"{server.base_url}/workbench/login")
        assert nl_page.locator("html").get_attribute("lang") == "nl"
        assert nl_page.get_by_label("Wachtwoord").count() == 1
        assert nl_page.evaluate("document.documentElement.scrollWidth") <= 390
        nl_page.screenshot(path=shots / "04-inloggen.png", full_page=True)
        browser.close()
    assert sorted(p.name for p in shots.iterdir()) == [
        "01-wrong-password.png", "02-landing.png", "03-signed-out.png", "04-inloggen.png"]  # fmt: skip
    print(f"screenshots: {shots}")
