"""A debtor uses the portal in headless Chromium; the next collection run respects it.

Against a real `creditflow serve` subprocess on a fresh database, on today's date.
Customer A promises, disputes (with a PNG), sets preferences, gives feedback and
chats; customer B takes a payment plan; customer C does nothing. The run three days
later reminds C only. Screenshots go to test-artifacts/portal/.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from creditflow.arrangements.models import DisputeAttachment
from creditflow.db import transaction
from creditflow.inbound.models import ConversationMessage
from creditflow.ledger.models import Customer, Dispute, PaymentPlan, PromiseToPay
from creditflow.outbox.models import Action
from creditflow.portal.models import Feedback
from creditflow.strategy.run import collection_run
from tests.support.portal_data import add_customer, add_invoice, portal_token
from tests.support.serve_process import serve

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "portal"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)  # a 1x1 PNG


CONFIG = """
[organisation]
name = "Voorbeeld Installatie B.V."
iban = "NL91ABNA0417164300"
email = "debiteuren@voorbeeld-installatie.nl"
"""


@pytest.fixture
def server(settings, engine, tmp_path) -> Iterator[str]:
    """`creditflow serve` in a subprocess on the test's fresh database."""
    with serve(settings.database_url, tmp_path / "srv", config=CONFIG) as running:
        yield running.base_url


def test_debtor_self_service_in_chromium(settings, engine, server, tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo("Europe/Amsterdam")).date()
    due = today - timedelta(days=20)
    with transaction(engine) as session:
        a = add_customer(session, "A1", email="a@example.nl", phone="+31611111111")
        b = add_customer(session, "B1", language="en", email="b@example.com")
        c = add_customer(session, "C1", email="c@example.nl")
        issued = due - timedelta(days=30)
        add_invoice(session, a, "INV-A1", 12_000, due, issued=issued)
        add_invoice(session, a, "INV-A2", 8_000, due + timedelta(days=2), issued=issued)
        add_invoice(session, b, "INV-B1", 30_000, due, issued=issued)
        add_invoice(session, c, "INV-C1", 15_000, due, issued=issued)
        pks = {"A": a.id, "B": b.id, "C": c.id}
    token_a = portal_token(engine, settings, "A1", now=now)
    token_b = portal_token(engine, settings, "B1", now=now)
    png = tmp_path / "receipt.png"
    png.write_bytes(PNG)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
        page.goto(f"{server}/portal/{token_a}")
        assert page.locator("html").get_attribute("lang") == "nl"
        page.screenshot(path=ARTIFACTS / "01-overview.png", full_page=True)

        page.select_option("#invoice_number", "INV-A2")
        page.select_option("#reason", "not_delivered")
        page.fill("#dispute_text", "Nooit geleverd <b>echt</b>")
        page.set_input_files("#upload", str(png))
        page.click("text=Verstuur mijn bezwaar")
        page.wait_for_selector("h1:has-text('Bezwaar ontvangen')")
        assert "<b>echt</b>" in page.inner_text("blockquote")
        page.screenshot(path=ARTIFACTS / "02-dispute.png", full_page=True)

        page.goto(f"{server}/portal/{token_a}")
        page.fill("#promised_date", (today + timedelta(days=8)).isoformat())
        page.click("text=Bewaar mijn belofte")
        page.wait_for_selector("h1:has-text('Belofte genoteerd')")
        page.screenshot(path=ARTIFACTS / "03-promise.png", full_page=True)

        page.goto(f"{server}/portal/{token_a}")
        page.select_option("#channel", "email")
        page.select_option("#preferred_hour", "18")
        page.check("#opt_out_voice")
        page.click("text=Bewaar voorkeuren")
        page.wait_for_selector("h1:has-text('Voorkeuren bewaard')")

        page.goto(f"{server}/portal/{token_a}")
        page.check("#score_5")
        page.fill("#comment", "Prima geregeld")
        page.click("#feedback-heading + form button")
        page.wait_for_selector("h1:has-text('Dank u voor uw mening')")
        page.screenshot(path=ARTIFACTS / "04-feedback.png", full_page=True)

        page.goto(f"{server}/portal/{token_a}")
        page.fill("#chat_text", "Kunt u mij een kopie van de factuur sturen?")
        page.click("#chat button")
        page.wait_for_selector(".chat-out")
        assert "kopie" in page.inner_text(".chat-out")
        page.screenshot(path=ARTIFACTS / "05-chat.png", full_page=True)

        page.goto(f"{server}/portal/{token_b}")
        assert page.locator("html").get_attribute("lang") == "en"
        page.select_option("#months", "4")
        page.click("text=Ask for a payment plan")
        page.wait_for_selector("h1:has-text('Your payment plan')")
        assert page.locator("table tbody tr").count() == 4
        page.screenshot(path=ARTIFACTS / "06-plan.png", full_page=True)
        browser.close()

    with transaction(engine) as session:
        assert session.scalars(select(PromiseToPay.status)).all() == ["active"]
        assert session.scalars(select(Dispute.status)).all() == ["open"]
        assert session.scalars(select(DisputeAttachment.content_type)).all() == ["image/png"]
        assert session.scalars(select(PaymentPlan.customer_id)).all() == [pks["B"]]
        assert session.scalars(select(Feedback.score)).all() == [5]
        customer_a = session.get(Customer, pks["A"])
        assert customer_a is not None
        assert (customer_a.preferred_channel, customer_a.preferred_hour) == ("email", 18)
        assert customer_a.opt_out == ["voice"]
        assert len(session.scalars(select(ConversationMessage)).all()) == 2

    later = now + timedelta(days=3)
    collection_run(engine, settings, later.date(), now=later)
    with transaction(engine) as session:
        run_actions = session.scalars(select(Action).where(Action.run_id.is_not(None))).all()
    reminded = {n for action in run_actions for n in action.invoice_numbers}
    assert reminded == {"INV-C1"}, "only the customer who did nothing is reminded"
