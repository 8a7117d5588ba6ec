"""A collector downloads the filtered worklist and their customers in Chromium.

Against a real `creditflow serve`: the "Download ... CSV / XLSX" links carry the page's
filters, the browser saves the files, and they hold the collector's own work only.
Screenshots go to test-artifacts/exports/.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from creditflow.db import transaction
from tests.e2e.test_staff_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, creditflow
from tests.support.serve_process import serve
from tests.support.worklist_data import every_item, user_id

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "exports"


def test_a_collector_downloads_the_filtered_worklist_and_their_customers_in_chromium(
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
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with serve(database_url, tmp_path / "srv") as server, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, locale="en-GB", accept_downloads=True
        )
        page = context.new_page()
        page.goto(f"{server.base_url}/workbench")
        page.get_by_label("E-mail address").fill("cora@example.nl")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{server.base_url}/workbench/today")
        page.goto(f"{server.base_url}/workbench/today?type=dispute")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=ARTIFACTS / "01-worklist-links.png", full_page=True)
        with page.expect_download() as got:
            page.get_by_role("link", name="Worklist CSV").click()
        saved = got.value
        assert saved.suggested_filename.startswith("creditflow-today-")
        rows = list(csv.DictReader(io.StringIO(Path(saved.path()).read_text("utf-8"))))
        assert [row["item"] for row in rows] == [mine.keys["dispute"]]

        page.goto(f"{server.base_url}/workbench/customers")
        with page.expect_download() as got:
            page.get_by_role("link", name="Customers XLSX").click()
        sheet = load_workbook(io.BytesIO(Path(got.value.path()).read_bytes())).active
        assert sheet is not None
        assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["C001"]
        browser.close()
