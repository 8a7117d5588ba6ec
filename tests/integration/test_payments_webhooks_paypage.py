"""The pay page and the sandbox and Tikkie providers, through the running web app."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from creditflow.config import Settings
from creditflow.config.sections import PaymentsSettings
from tests.support.pay_scenario import (
    RunningApp,
    app_settings,
    invoice_pk,
    rows,
    running_app,
    seed_ledger,
    token_for,
)
from tests.support.serve_asgi import serving
from tests.support.tikkie_emulator import PREFIX, TikkieEmulator


@pytest.fixture
def ledger_ready(engine: Engine, settings: Settings, tmp_path: Path) -> Engine:
    seed_ledger(engine, app_settings(settings), tmp_path)
    return engine


@pytest.fixture
def shop(ledger_ready: Engine, settings: Settings) -> Iterator[RunningApp]:
    """creditflow with the default provider: the sandbox."""
    with running_app(settings) as app:
        yield app


def sandbox_checkout(shop: RunningApp, checkout_url: str, outcome: str) -> str:
    """Press a button on the sandbox checkout page; returns where it sends the customer."""
    page = shop.client.get(checkout_url)
    assert page.status_code == 200
    done = shop.client.post(checkout_url, data={"csrf": shop.csrf(page.text), "outcome": outcome})
    assert done.status_code == 303, done.text
    return done.headers["location"]


def test_pay_page_shows_open_invoices_total_and_epc_qr(ledger_ready, shop) -> None:  # type: ignore[no-untyped-def]
    page = shop.client.get(f"/p/{token_for(ledger_ready, shop.settings, 'C001')}")
    assert page.status_code == 200
    html = page.text.replace("\xa0", " ")  # babel puts a no-break space after €
    assert "Uw openstaande facturen" in html  # Jan's language is Dutch
    for expected in (
        "INV-1001",
        "INV-1002",
        "€ 100,00",
        "€ 50,50",
        "€ 150,50",
        "31 jan 2026",
        "NL91 ABNA 0417 1643 00",
        "<svg",
    ):
        assert expected in html, expected
    assert "INV-2001" not in html, "another customer's invoice"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    english = shop.client.get(f"/p/{token_for(ledger_ready, shop.settings, 'C001')}?lang=en")
    assert "Your open invoices" in english.text and "€150.50" in english.text.replace("\xa0", "")


def test_customer_text_is_escaped(ledger_ready, shop) -> None:  # type: ignore[no-untyped-def]
    page = shop.client.get(f"/p/{token_for(ledger_ready, shop.settings, 'C002')}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Zn" in page.text
    assert "Your open invoices" in page.text  # C002 reads English


@pytest.mark.parametrize("kind", ["forged", "expired_purpose", "garbage"])
def test_bad_links_get_a_403_page_that_says_how_to_get_a_new_one(  # type: ignore[no-untyped-def]
    ledger_ready, shop, kind: str
) -> None:
    good = token_for(ledger_ready, shop.settings, "C001")
    token = {
        "forged": good[:-6] + "AAAAAA",
        "garbage": "not-a-token",
        "expired_purpose": token_for(ledger_ready, shop.settings, "C001", "unsubscribe"),
    }[kind]
    page = shop.client.get(f"/p/{token}")
    assert page.status_code == 403
    assert "INV-1001" not in page.text
    assert "nieuwe link" in page.text
    assert shop.client.get(f"/p/{token}/status.json").status_code == 403
    assert shop.client.post(f"/p/{token}/pay", data={"scope": "all"}).status_code == 403


def test_portal_tokens_open_the_pay_page_too(ledger_ready, shop) -> None:  # type: ignore[no-untyped-def]
    token = token_for(ledger_ready, shop.settings, "C001", "portal")
    assert shop.client.get(f"/p/{token}").status_code == 200


def test_pay_without_the_csrf_value_is_refused(ledger_ready, shop) -> None:  # type: ignore[no-untyped-def]
    token = token_for(ledger_ready, shop.settings, "C001")
    shop.client.get(f"/p/{token}")  # has the cookie, but does not send the field
    assert shop.client.post(f"/p/{token}/pay", data={"scope": "all"}).status_code == 403
    assert (
        shop.client.post(f"/p/{token}/pay", data={"scope": "all", "csrf": "guess"}).status_code
        == 403
    )
    assert rows(ledger_ready, "SELECT COUNT(*) AS n FROM payment_request")[0]["n"] == 0


def test_customer_cannot_pay_for_another_customers_invoice(ledger_ready, shop) -> None:  # type: ignore[no-untyped-def]
    token = token_for(ledger_ready, shop.settings, "C001")
    answer = shop.start_payment(token, [invoice_pk(ledger_ready, "INV-2001")])
    assert answer.status_code == 400
    assert "not an open invoice of this customer" in answer.text
    assert rows(ledger_ready, "SELECT COUNT(*) AS n FROM payment_request")[0]["n"] == 0


def test_sandbox_failure_then_success(ledger_ready, shop) -> None:  # type: ignore[no-untyped-def]
    token = token_for(ledger_ready, shop.settings, "C001")
    first = shop.start_payment(token)
    assert first.status_code == 303
    checkout = first.headers["location"]
    assert checkout.startswith(f"{shop.base_url}/sandbox/checkout/sb_")

    back = sandbox_checkout(shop, checkout, "failed")
    assert re.search(r"/p/[^/?]+\?r=1$", back)
    page = shop.client.get(back)
    assert "De betaling is mislukt" in page.text
    assert shop.client.get(checkout).text.count('name="outcome"') == 0, "settled: no buttons"
    assert len(rows(ledger_ready, "SELECT id FROM event WHERE kind = 'payment.failed'")) == 1

    second = shop.start_payment(token)
    assert second.headers["location"] != checkout, "a failed payment is not reused"
    back = sandbox_checkout(shop, second.headers["location"], "paid")
    page = shop.client.get(back)
    assert "Betaald. Hartelijk dank!" in page.text
    assert "Er staat niets meer open" in page.text
    assert "nog openstaat" not in page.text, "a settled account is not told what is still open"
    status = shop.client.get(f"/p/{token}/status.json").json()
    assert status["status"] == "paid" and status["paid"] is True
    (payment,) = rows(ledger_ready, "SELECT payment_id, amount_minor, source FROM payment")
    assert payment["amount_minor"] == 15050 and payment["source"] == "sandbox"
    # The sandbox's webhook path, called again as a provider would retry, changes nothing.
    provider_id = payment["payment_id"].split(":", 2)[2]
    assert shop.client.post("/webhooks/sandbox", data={"id": provider_id}).text == "unchanged"
    assert rows(ledger_ready, "SELECT COUNT(*) AS n FROM payment")[0]["n"] == 1


def test_pressing_pay_twice_reuses_the_open_payment(ledger_ready, shop) -> None:  # type: ignore[no-untyped-def]
    token = token_for(ledger_ready, shop.settings, "C001")
    first, second = shop.start_payment(token), shop.start_payment(token)
    assert first.headers["location"] == second.headers["location"]
    assert rows(ledger_ready, "SELECT COUNT(*) AS n FROM payment_request")[0]["n"] == 1


@pytest.fixture
def tikkie_shop(
    ledger_ready: Engine, settings: Settings
) -> Iterator[tuple[RunningApp, TikkieEmulator]]:
    emulator = TikkieEmulator()
    with (
        serving(emulator.app) as base,
        running_app(
            settings,
            providers={
                "tikkie": {
                    "api_key": emulator.api_key,
                    "app_token": emulator.app_token,
                    "base_url": f"{base}{PREFIX}",
                }
            },
            payments=PaymentsSettings(provider="tikkie"),
        ) as app,
    ):
        yield app, emulator


def test_tikkie_notification_twice_records_one_payment(ledger_ready, tikkie_shop) -> None:  # type: ignore[no-untyped-def]
    shop, emulator = tikkie_shop
    answer = shop.start_payment(token_for(ledger_ready, shop.settings, "C001"))
    assert answer.headers["location"].startswith("https://tikkie.me/pay/")
    (request,) = rows(ledger_ready, "SELECT provider_id FROM payment_request")
    token = request["provider_id"]
    assert emulator.bodies[0]["amountInCents"] == 15050

    emulator.pay(token)
    hook = f"{shop.base_url}/webhooks/tikkie"
    answers = [emulator.notify(hook, token).text for _ in range(2)]

    assert answers == ["recorded", "unchanged"]
    (payment,) = rows(ledger_ready, "SELECT amount_minor, source, method FROM payment")
    assert (payment["amount_minor"], payment["source"], payment["method"]) == (
        15050,
        "tikkie",
        "tikkie",
    )
    assert {
        r["status"]
        for r in rows(
            ledger_ready, "SELECT status FROM invoice WHERE invoice_number LIKE 'INV-100%'"
        )
    } == {"paid"}


def test_tikkie_expiry_is_recorded(ledger_ready, tikkie_shop) -> None:  # type: ignore[no-untyped-def]
    shop, emulator = tikkie_shop
    shop.start_payment(token_for(ledger_ready, shop.settings, "C001"))
    (request,) = rows(ledger_ready, "SELECT provider_id FROM payment_request")
    emulator.expire(request["provider_id"])
    assert (
        emulator.notify(f"{shop.base_url}/webhooks/tikkie", request["provider_id"]).text
        == "updated"
    )
    assert rows(ledger_ready, "SELECT status FROM payment_request")[0]["status"] == "expired"
    assert len(rows(ledger_ready, "SELECT id FROM event WHERE kind = 'payment.expired'")) == 1
    assert rows(ledger_ready, "SELECT COUNT(*) AS n FROM payment")[0]["n"] == 0
    bad = shop.client.post("/webhooks/tikkie", json={"notificationType": "PAYMENT"})
    assert bad.status_code == 400
