"""A manager reads the dashboard in Chromium, against a real `creditflow serve`.

On a fresh database with the small ledger of docs/analytics.md (worked out by hand):
headless Chromium at 1280 and at 390 px opens the dashboard for 2026-03-10, sees the
headline figures and the charts, nothing scrolls sideways, and a click on the 31-60
days aging bar (at 390 px) or on the March bar of collected per month (at 1280 px)
opens the customer list with exactly the customers behind it.
Screenshots go to test-artifacts/dashboard/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from creditflow.db import make_engine, transaction, upgrade
from tests.e2e.test_staff_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, creditflow
from tests.support.dashboard_ledger import seed_ledger
from tests.support.serve_process import serve

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
CONFIG = """[organisation]
name = "Installatiebedrijf Voorbeeld B.V."
iban = "NL91ABNA0417164300"
"""


def _fits(page, width: int, what: str) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{what} is {scroll} px wide at {width} px"


def test_a_manager_reads_the_dashboard_at_1280_and_390_px_and_drills_down_from_the_bars(
    database_url, tmp_path
):
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    added = creditflow(database_url, tmp_path, "user", "add", "mira@example.nl", "--role",
                       "manager", stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    engine = make_engine(database_url)
    upgrade(engine)
    with transaction(engine) as session:
        seed_ledger(session)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with (
        serve(database_url, tmp_path / "srv", config=CONFIG) as server,
        sync_api.sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        url = f"{server.base_url}/workbench/dashboard?as_of=2026-03-10"
        for width, height in ((1280, 900), (390, 844)):
            page = browser.new_context(
                viewport={"width": width, "height": height}, locale="en-GB"
            ).new_page()
            page.goto(url)
            page.get_by_label("E-mail address").fill("mira@example.nl")
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(url)
            main = page.inner_text("main")
            for seen in ("EUR 2080.00", "EUR 1280.00", "76.4", "29.4", "36.9 %", "USD 300.00"):
                assert seen in main, seen
            assert page.locator("svg.chart").count() >= 9
            box = page.locator("svg.chart").first.bounding_box()
            assert box is not None and box["width"] <= width
            _fits(page, width, "the dashboard")
            page.screenshot(path=ARTIFACTS / f"dashboard-{width}.png", full_page=True)
            if width == 1280:  # March up to the 10th: P3 of Bakkerij Brood only
                page.get_by_role("link", name="2026-03: 250.00").first.click()
                page.wait_for_url("**/workbench/customers?paid=2026-03&currency=EUR*")
                listed = page.inner_text("main")
                assert "Bakkerij Brood" in listed
                assert "Jan de Vries" not in listed and "Acme Inc" not in listed
                assert "Only the customers who paid in 2026-03 (EUR)" in listed
                page.screenshot(path=ARTIFACTS / "drill-down-paid-1280.png", full_page=True)
            if width == 390:
                page.get_by_role("link", name="31-60 days: 150.00").first.click()
                page.wait_for_url("**/workbench/customers?aging=31-60*")
                listed = page.inner_text("main")
                assert "Bakkerij Brood" in listed
                assert "Jan de Vries" not in listed and "Acme Inc" not in listed
                assert "31-60 days past due" in listed
                _fits(page, width, "the drill-down list")
                page.screenshot(path=ARTIFACTS / "drill-down-390.png", full_page=True)
        dutch = browser.new_context(viewport={"width": 390, "height": 844}, locale="nl-NL")
        dutch.add_cookies(page.context.cookies())
        nl = dutch.new_page()
        nl.goto(url)
        assert "Overzicht" in nl.inner_text("main")
        nl.screenshot(path=ARTIFACTS / "dashboard-390-nl.png", full_page=True)
        browser.close()
