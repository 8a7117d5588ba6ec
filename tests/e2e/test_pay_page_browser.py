"""A debtor pays from the pay link in headless Chromium; the next run leaves them alone.

Against a real `creditflow serve` subprocess on a fresh database, sandbox provider on.
Jan de Vries opens his pay link: two open invoices, EUR 150.50,
and an EPC QR code his banking app could scan. He presses "Alles betalen", the sandbox
provider's checkout opens, he pays. A second tab that had the pay page open sees the
status turn to paid by itself. The collection run of 14 February, which would have
sent him a second reminder, creates nothing for his invoices; his thank-you e-mail
went out without anyone running dispatch. Screenshots go to
test-artifacts/pay/.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from creditflow.config import Settings
from creditflow.strategy.run import collection_run
from tests.support.pay_scenario import (
    ORGANISATION,
    RUN_DAY,
    app_settings,
    rows,
    seed_ledger,
    token_for,
)
from tests.support.serve_process import ServeProcess, serve

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "pay"
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
NEXT_DAY = datetime(2026, 2, 14, 7, 0, tzinfo=UTC)
CONFIG = f"""
[organisation]
name = "{ORGANISATION.name}"
iban = "{ORGANISATION.iban}"
bic = "{ORGANISATION.bic}"
email = "{ORGANISATION.email}"
phone = "{ORGANISATION.phone}"

[payments]
provider = "sandbox"
"""


@pytest.fixture
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("headless Chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def shop(engine: Engine, settings: Settings, tmp_path: Path) -> Iterator[ServeProcess]:
    seed_ledger(engine, app_settings(settings), tmp_path)
    collection_run(engine, settings, RUN_DAY.date(), now=RUN_DAY)  # reminder 1 is queued
    with serve(settings.database_url, tmp_path / "srv", config=CONFIG) as server:
        yield server


def c001_actions(engine: Engine, run_id: int | None) -> list[dict[str, object]]:
    return rows(
        engine,
        "SELECT a.step, a.status FROM action a JOIN customer c ON c.id = a.customer_id "
        "WHERE c.customer_id = 'C001' AND a.run_id = :r",
        r=run_id,
    )


def decode_qr(png: bytes) -> str:
    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert found, "no QR code found in the screenshot"
    return str(found[0].text)


def test_pay_in_the_browser_and_the_next_run_stays_quiet(  # type: ignore[no-untyped-def]
    engine, settings, shop, browser
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    would_remind = collection_run(engine, settings, NEXT_DAY.date(), now=NEXT_DAY, dry_run=True)
    assert "C001" in would_remind.actions.get_column("customer_id").to_list(), (
        "unpaid, Jan would get a reminder on the 14th"
    )

    link = f"{shop.base_url}/p/{token_for(engine, settings, 'C001')}"
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="nl-NL")  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(link)
    assert page.locator("h1").inner_text() == "Uw openstaande facturen"
    assert "Testomgeving" in page.locator(".test-mode").inner_text()
    assert page.locator(".total").inner_text().replace("\xa0", " ") == "Totaal: € 150,50"
    page.screenshot(path=str(ARTIFACTS / "pay_page.png"), full_page=True)
    qr = decode_qr(page.locator(".qr-image").screenshot())
    lines = qr.split("\n")
    assert lines[:8] == [
        "BCD",
        "002",
        "1",
        "SCT",
        "ABNANL2A",
        ORGANISATION.name,
        "NL91ABNA0417164300",
        "EUR150.50",
    ]
    assert lines[-1].startswith("RF"), "the oldest invoice's structured reference"

    page.get_by_role("button", name="Alles betalen").click()
    page.wait_for_url("**/sandbox/checkout/**")
    page.screenshot(path=str(ARTIFACTS / "sandbox_checkout.png"), full_page=True)

    watcher = context.new_page()  # the pay page, still open in another tab
    watcher.goto(link)
    assert watcher.locator("#payment-status-text").inner_text() == "We wachten op uw betaling."

    page.get_by_role("button", name="Betalen").click()
    page.wait_for_url("**/p/**?r=*")
    assert page.locator("#payment-status-text").inner_text() == "Betaald. Hartelijk dank!"
    assert page.locator(".done").inner_text() == "Er staat niets meer open. Dank u wel!"

    from playwright.sync_api import expect

    expect(watcher.locator("#payment-status-text")).to_have_text(
        "Betaald. Hartelijk dank!", timeout=15_000
    )
    expect(watcher.locator(".done")).to_be_visible(timeout=15_000)  # reloaded after paid
    watcher.screenshot(path=str(ARTIFACTS / "pay_page_paid.png"), full_page=True)
    context.close()

    (payment,) = rows(engine, "SELECT amount_minor, paid_at FROM payment")
    assert payment["amount_minor"] == 15050
    assert rows(
        engine,
        "SELECT status, status_reason FROM action WHERE step = 'reminder1' "
        "AND customer_id = (SELECT id FROM customer WHERE customer_id = 'C001')",
    ) == [{"status": "cancelled", "status_reason": "paid"}]

    (thanks,) = rows(engine, "SELECT status FROM action WHERE step = 'payment_thanks'")
    assert thanks["status"] == "sent", "thanked at once, not at the next dispatch"

    run = collection_run(engine, settings, NEXT_DAY.date(), now=NEXT_DAY)
    assert c001_actions(engine, run.run_id) == []
    assert "C002" in run.actions.get_column("customer_id").to_list(), "the run did decide"
