"""A credit manager simulates a draft strategy against the active one in Chromium, at
390 px, against a real `creditflow serve` on a fresh database."""

from __future__ import annotations

import os
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest

from creditflow.db import make_engine, transaction
from creditflow.strategy.service import default_strategy_text, store_strategy
from tests.support.serve_process import CREDITFLOW, serve

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
PASSWORD = "Kaasschaaf-Fietsbel-42"
CONFIG = """[organisation]
name = "Voorbeeld B.V."
iban = "NL91ABNA0417164300"
sender_email = "debiteuren@voorbeeld.nl"
"""
pytestmark = pytest.mark.db


def creditflow(database_url: str, folder: Path, *args: str, stdin: str = ""):
    """`creditflow ARGS` in a subprocess on the test database, as a user runs it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITFLOW_")}
    env.update(
        CREDITFLOW_DATABASE_URL=database_url, CREDITFLOW_CONFIG=str(folder / "creditflow.toml")
    )
    return subprocess.run(  # noqa: S603 - our own console script
        [str(CREDITFLOW), *args], input=stdin, capture_output=True, text=True, cwd=folder,
        env=env, timeout=300, check=False,
    )  # fmt: skip


def test_a_manager_simulates_a_draft_against_the_active_strategy_on_a_phone(database_url, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    (tmp_path / "creditflow.toml").write_text(CONFIG)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    made = creditflow(database_url, tmp_path, "simulate", "generate", "--customers", "30",
                      "--as-of", yesterday, "--out", "l")  # fmt: skip
    assert made.returncode == 0, made.stderr
    for kind in ("customers", "invoices", "payments"):
        assert creditflow(database_url, tmp_path, "import", kind, f"l/{kind}.csv").returncode == 0
    added = creditflow(database_url, tmp_path, "user", "add", "mira@example.nl", "--role", "manager",
                       stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    engine = make_engine(database_url)
    with transaction(engine) as session:
        no_sms = default_strategy_text().replace("sms, ", "").replace(", sms", "")
        draft = store_strategy(session, no_sms, "no-sms.yaml").id
    engine.dispose()
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with (
        serve(database_url, tmp_path / "srv", config=CONFIG) as server,
        sync_api.sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
        page = context.new_page()
        page.goto(f"{server.base_url}/workbench/login")
        page.get_by_label("E-mail address").fill("mira@example.nl")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{server.base_url}/workbench/today")
        page.goto(f"{server.base_url}/workbench/strategy")
        page.get_by_role("link", name="Simulate a version against the active one").click()
        page.wait_for_url(f"{server.base_url}/workbench/strategy/simulate")
        page.get_by_label("Version to try").select_option(str(draft))
        page.get_by_label("Days").fill("14")
        page.screenshot(path=shots / "01-form.png", full_page=True)
        page.get_by_role("button", name="Simulate against the active strategy").click()
        page.wait_for_url(f"{server.base_url}/workbench/strategy/simulate/*")
        assert "Simulation started." in page.inner_text("main")
        page.wait_for_selector("#simulation-figures", timeout=240_000)  # it refreshes itself
        figures = page.inner_text("#simulation-figures")
        html = page.inner_html("#simulation-figures")  # at 390 px each cell names its column
        assert f'data-label="Version {draft}"' in html and 'data-label="Active"' in html
        assert "DSO at the end" in figures and "contacts: email" in figures
        assert page.locator("svg.chart").count() == 2
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the result page is {width} px wide at 390 px"
        page.screenshot(path=shots / "02-result.png", full_page=True)
        page.get_by_label("Share of customers").fill("0.3")
        page.get_by_role("button", name="Start as challenger").click()
        page.wait_for_url(f"{server.base_url}/workbench/strategy?*")
        assert "Challenger started" in page.inner_text("main")
        browser.close()
    print(f"screenshots: {shots}")
