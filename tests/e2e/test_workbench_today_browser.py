"""A collector works today's list in Chromium, against a real `creditflow serve`.

The collector is added with `creditflow user add`; the database holds one item of
every type for their customer and for a customer of nobody's portfolio. The browser
signs in, sees only their own work, moves with the keyboard, claims an item, and the
page fits 390 px. `creditflow tasks complete` refuses an outcome that is not defined.
Screenshots go to test-artifacts/today/.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from creditflow.db import transaction
from tests.e2e.test_staff_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, creditflow
from tests.support.serve_process import serve
from tests.support.worklist_data import every_item, user_id

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "today"


def test_a_collector_signs_in_sees_their_worklist_and_claims_an_item_in_chromium(
    database_url, engine, tmp_path
):
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    added = creditflow(database_url, tmp_path, "user", "add", "cora@example.nl", "--role",
                       "collector", stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    cora = user_id(engine, "cora@example.nl")
    now = datetime.now(UTC) - timedelta(hours=1)
    with transaction(engine) as session:
        mine = every_item(session, "C001", cora, "retail", now, 25_000)
        every_item(session, "C002", None, "retail", now, 90_000)
    shots = ARTIFACTS
    shots.mkdir(parents=True, exist_ok=True)
    with serve(database_url, tmp_path / "srv") as server, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
        page = context.new_page()
        page.goto(f"{server.base_url}/workbench")
        page.get_by_label("E-mail address").fill("cora@example.nl")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{server.base_url}/workbench/today")
        assert page.get_by_role("heading", name="Today").count() == 1
        keys = page.locator("tr[data-key]").evaluate_all("rows => rows.map(r => r.dataset.key)")
        assert set(keys) == set(mine.keys.values())  # nothing of C002
        assert "8 items" in page.get_by_role("status").first.inner_text()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the worklist is {width} px wide at 390 px"
        page.screenshot(path=shots / "01-worklist-390.png", full_page=True)

        page.locator("body").press("j")
        page.keyboard.press("j")
        focused = page.evaluate("document.activeElement.closest('tr').dataset.key")
        assert focused == keys[1], "j moves to the next item"
        page.keyboard.press("k")
        assert page.evaluate("document.activeElement.closest('tr').dataset.key") == keys[0]

        first = page.locator("tr[data-key]").first
        first.get_by_role("button", name="Claim").click()
        page.wait_for_url("**notice=Claimed.")
        assert "Claimed." in page.get_by_role("status").first.inner_text()
        claimed = page.locator(f'tr[data-key="{keys[0]}"]')
        assert "cora@example.nl" in claimed.inner_text()
        assert claimed.get_by_role("button", name="Release").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=shots / "02-claimed.png", full_page=True)

        page.get_by_label("Type").select_option("dispute")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**type=dispute**")
        assert page.locator("tr[data-key]").evaluate_all(
            "rows => rows.map(r => r.dataset.key)") == [mine.keys["dispute"]]  # fmt: skip
        page.screenshot(path=shots / "03-disputes.png", full_page=True)
        browser.close()

    task = mine.keys["call"].split(":", 1)[1]
    refused = creditflow(database_url, tmp_path, "tasks", "complete", task, "--outcome", "called")
    assert refused.returncode == 1
    said = " ".join(refused.stderr.split())  # the terminal may wrap the line
    assert "outcome: 'called' is not an outcome of a call task" in said
    assert "use one of: reached, no_answer, promise, dispute, wrong_number" in said
    completed = creditflow(
        database_url, tmp_path, "tasks", "complete", task, "--outcome", "No answer"
    )
    assert completed.returncode == 0, completed.stderr
    assert f"task {task} done: no_answer" in completed.stdout
    assert sorted(p.name for p in shots.iterdir()) == [
        "01-worklist-390.png", "02-claimed.png", "03-disputes.png"]  # fmt: skip
    print(f"screenshots: {shots}")
