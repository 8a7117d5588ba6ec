"""A credit manager works the strategy and settings pages in Chromium, against a real
`creditflow serve`: draws the active strategy, uploads a version, dry-runs today and
activates it; settings at 390 px with the sandbox banner; the offline API reference.
No request of the browser leaves the server. Screenshots go to test-artifacts/strategy-settings/.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from creditflow.config import load_settings
from creditflow.db import make_engine, upgrade
from creditflow.ledger.imports import import_customers, import_invoices
from tests.e2e.test_staff_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, creditflow
from tests.support.serve_process import serve

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "strategy-settings"

REMINDER_ONLY = """segments:
  - name: everyone
strategies:
  everyone:
    steps:
      - id: reminder
        at: due+1d
        channels: [email, letter]
        template: reminder
"""


def _seed(database_url: str, folder: Path) -> None:
    """Two overdue invoices: one customer with e-mail, one reachable by letter only."""
    today = datetime.now(UTC).date()
    due = (today - timedelta(days=10)).isoformat()
    issued = (today - timedelta(days=40)).isoformat()
    (folder / "c.csv").write_text(
        "customer_id,name,kind,email,address_line1,postal_code,city\n"
        "C001,Jan de Vries,consumer,jan@example.nl,Dorpsstraat 1,1234 AB,Utrecht\n"
        "C002,Els Jansen,consumer,,Kerkweg 2,1000 AA,Amsterdam\n"
    )
    (folder / "i.csv").write_text(
        "invoice_number,customer_id,issue_date,due_date,amount\n"
        f"INV-1,C001,{issued},{due},120.00\nINV-2,C002,{issued},{due},45.00\n"
    )
    engine = make_engine(database_url)
    upgrade(engine)
    settings = load_settings({})
    from dataclasses import replace

    settings = replace(settings, database_url=database_url)
    assert import_customers(engine, folder / "c.csv", settings).rejected == 0
    assert import_invoices(engine, folder / "i.csv", settings).rejected == 0
    engine.dispose()


def test_strategy_dry_run_settings_at_390_px_and_the_offline_api_docs_in_chromium(
    database_url, tmp_path
):
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    added = creditflow(database_url, tmp_path, "user", "add", "anna@example.nl", "--role", "admin",
                       stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    _seed(database_url, tmp_path)
    shots = ARTIFACTS
    shots.mkdir(parents=True, exist_ok=True)
    with serve(database_url, tmp_path / "srv") as server, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        requested: list[str] = []
        context.on("request", lambda request: requested.append(request.url))
        page = context.new_page()
        page.goto(f"{server.base_url}/workbench/strategy")
        page.get_by_label("E-mail address").fill("anna@example.nl")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{server.base_url}/workbench/strategy")
        assert "No strategy was loaded" in page.inner_text("main")
        assert page.locator("#segment-consumers").count() == 1
        assert page.get_by_role("note").count() == 1  # the sandbox banner
        page.screenshot(path=shots / "01-strategy.png", full_page=True)

        page.get_by_label("Or paste the YAML").fill(REMINDER_ONLY)
        page.get_by_label("Name (optional)").fill("reminders.yaml")
        page.get_by_role("button", name="Check and store").click()
        page.wait_for_url("**/workbench/strategy/versions/*")
        assert "Strategy checked and stored" in page.inner_text("main")
        page.get_by_role("link", name="Dry run of today").click()
        page.wait_for_url("**/dry-run")
        counts = page.locator("#dry-run-counts tbody tr")
        rows = [counts.nth(i).inner_text().split("\t") for i in range(counts.count())]
        assert [[c.strip() for c in row] for row in rows] == [
            ["everyone", "1. reminder", "message", "email", "1"],
            ["everyone", "1. reminder", "message", "letter", "1"],
        ]
        page.screenshot(path=shots / "02-dry-run.png", full_page=True)
        page.get_by_role("button", name="Activate this version").click()
        page.wait_for_url("**/workbench/strategy?*")
        assert "Strategy activated" in page.inner_text("main")
        assert "The active strategy is version 1." in page.inner_text("main")

        page.set_viewport_size({"width": 390, "height": 844})
        for path in ("/workbench/strategy", "/workbench/strategy/versions/0",
                     "/workbench/strategy/diff?old=0&new=1"):  # fmt: skip
            page.goto(f"{server.base_url}{path}")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"{path} is {width} px wide at 390 px"
        assert page.locator("tr.removed").count() > 0 and page.locator("tr.added").count() > 0
        page.screenshot(path=shots / "03-diff-390.png", full_page=True)
        page.goto(f"{server.base_url}/workbench/settings")
        assert page.get_by_role("heading", name="Channel health").count() == 1
        assert "anna@example.nl" in page.inner_text("main")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the settings page is {width} px wide at 390 px"
        page.screenshot(path=shots / "04-settings-390.png", full_page=True)
        page.get_by_role("link", name="Scheduled jobs: last run, duration and outcome").click()
        assert "No scheduled job has run yet." in page.inner_text("main")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(f"{server.base_url}/api/docs")
        assert page.title() == "creditflow API reference"
        assert page.locator("section.op", has_text="/api/actions").count() == 1
        styled = page.locator("section.op").first.evaluate(
            "e => getComputedStyle(e).backgroundColor"
        )
        assert styled == "rgb(255, 255, 255)", "the page's own style was refused"
        page.get_by_role("link", name="GET /api/actions").first.click()
        assert page.url.endswith("#" + page.locator("section.op", has_text="/api/actions")
                                 .get_attribute("id"))  # fmt: skip
        page.screenshot(path=shots / "05-api-docs.png", full_page=True)
        browser.close()
    outside = [url for url in requested if not url.startswith(server.base_url)]
    assert outside == [], f"the browser asked other sites: {outside}"
    assert any(url.endswith("/api/docs") for url in requested)
    print(f"screenshots: {shots}")
