"""A collector works a customer in Chromium, against a real `creditflow serve`.

On a fresh database: the collector is added with `creditflow user add` (a subprocess,
as an administrator does it), one customer of their portfolio is written to the
ledger with a reminder queued for tomorrow. Headless Chromium at 390 x 844 signs in,
finds the customer in the list, opens the page, logs a call with a promise to pay,
and sees the notice, the promise and the queued reminder cancelled. Nothing scrolls
sideways. Screenshots go to test-artifacts/customer-360/.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from creditflow.db import make_engine, transaction, upgrade
from creditflow.outbox.models import Action
from creditflow.staff.models import StaffUser
from tests.e2e.test_staff_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, creditflow
from tests.support.customer360 import seed_customer
from tests.support.serve_process import serve

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "customer-360"
PHONE = {"width": 390, "height": 844}
CONFIG = """[organisation]
name = "Installatiebedrijf Voorbeeld B.V."
iban = "NL91ABNA0417164300"
"""


def _fits(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{what} is {width} px wide at 390 px"


def test_a_collector_logs_a_call_with_a_promise_at_390_px_and_the_reminder_is_cancelled(
    database_url, tmp_path
):
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    added = creditflow(database_url, tmp_path, "user", "add", "kees@example.nl", "--role",
                       "collector", stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    engine = make_engine(database_url)
    upgrade(engine)
    now = datetime.now(UTC)
    with transaction(engine) as session:
        kees = session.scalars(
            select(StaffUser.id).where(StaffUser.email == "kees@example.nl")
        ).one()
        seeded = seed_customer(session, "C360", now, collector_id=kees)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    promised = (now + timedelta(days=5)).date().isoformat()
    with (
        serve(database_url, tmp_path / "srv", config=CONFIG) as server,
        sync_api.sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_context(viewport=PHONE, locale="en-GB").new_page()
        page.goto(f"{server.base_url}/workbench/customers")
        page.get_by_label("E-mail address").fill("kees@example.nl")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{server.base_url}/workbench/customers")
        page.get_by_label("Name, customer number or invoice number").fill("C360-0002")
        page.get_by_role("button", name="Search").click()
        _fits(page, "the customer list")
        page.screenshot(path=ARTIFACTS / "01-list.png", full_page=True)
        page.get_by_role("link", name="Jansen Installatie").click()
        page.wait_for_url(f"{server.base_url}/workbench/customers/{seeded.customer_pk}")
        main = page.inner_text("main")
        assert "EUR 512.49" in main and "USD 120.00" in main
        assert "Ik betaal volgende week" in main
        risk = page.locator("section.risk").inner_text()  # scored by the shipped prior
        assert "Late-payment risk" in risk and "raises the risk" in risk and "open" in risk
        assert "chance late" in main and "pays around" in main
        _fits(page, "the customer page")
        page.screenshot(path=ARTIFACTS / "02-customer.png", full_page=True)

        page.get_by_label("Promise to pay").check()
        page.get_by_label("Note").first.fill("Belt vrijdag terug, betaalt dan")
        page.locator("#call-promise-date").fill(promised)
        page.locator("#call-promise-amount").fill("512.49")
        page.get_by_role("button", name="Log the call").click()
        page.wait_for_url(f"{server.base_url}/workbench/customers/{seeded.customer_pk}?*")
        assert "The call is logged." in page.get_by_role("status").inner_text()
        main = page.inner_text("main")
        assert f"by {promised}" in main and "Belt vrijdag terug" in main
        assert "promise to pay" in main  # the cancelled reminder's reason, on the timeline
        _fits(page, "the customer page after the call")
        page.screenshot(path=ARTIFACTS / "03-call-logged.png", full_page=True)

        page.get_by_role("link", name="View the message").last.click()  # the oldest: the reminder
        assert "Message as the debtor saw it" in page.inner_text("main")
        assert "C360-0001" in page.inner_text("main")
        _fits(page, "the message")
        page.screenshot(path=ARTIFACTS / "04-message.png", full_page=True)

        dutch = browser.new_context(viewport=PHONE, locale="nl-NL").new_page()
        dutch.goto(f"{server.base_url}/workbench/customers/{seeded.customer_pk}")
        dutch.get_by_label("E-mailadres").fill("kees@example.nl")
        dutch.get_by_label("Wachtwoord").fill(PASSWORD)
        dutch.get_by_role("button", name="Inloggen").click()
        dutch.wait_for_url(f"{server.base_url}/workbench/customers/{seeded.customer_pk}")
        assert "Tijdlijn" in dutch.inner_text("main")
        assert "verhoogt het risico" in dutch.locator("section.risk").inner_text()
        _fits(dutch, "de klantpagina")
        dutch.screenshot(path=ARTIFACTS / "05-klant.png", full_page=True)
        browser.close()
    with transaction(engine) as session:
        reminder = session.scalars(
            select(Action).where(Action.action_id == seeded.queued_action_id)
        ).one()
        assert reminder.status == "cancelled"
    engine.dispose()
    print(f"screenshots: {ARTIFACTS}")
