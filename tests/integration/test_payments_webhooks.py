"""Mollie webhooks: a paid payment is recorded, allocated and thanked exactly once.

The Mollie emulator is the provider; creditflow runs with uvicorn on loopback. Each
scenario starts on the pay page, goes to Mollie's checkout, and ends with Mollie
POSTing only the payment id to /webhooks/mollie: twice, out of order, at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from creditflow.config import Settings
from creditflow.config.sections import PaymentsSettings
from creditflow.strategy.run import collection_run
from tests.support.mollie_emulator import MollieEmulator
from tests.support.pay_scenario import (
    RUN_DAY,
    RunningApp,
    app_settings,
    invoice_pk,
    rows,
    running_app,
    seed_ledger,
    token_for,
)
from tests.support.serve_asgi import serving


@pytest.fixture
def mollie() -> Iterator[tuple[MollieEmulator, str]]:
    emulator = MollieEmulator()
    with serving(emulator.app) as base:
        yield emulator, f"{base}/v2"


@pytest.fixture
def shop(
    engine: Engine, settings: Settings, tmp_path: Path, mollie: tuple[MollieEmulator, str]
) -> Iterator[RunningApp]:
    """Jan de Vries owes INV-1001 and INV-1002; the run of 7 Feb queued a reminder."""
    seed_ledger(engine, app_settings(settings), tmp_path)
    run = collection_run(engine, settings, RUN_DAY.date(), now=RUN_DAY)
    assert run.actions.height > 0
    emulator, base = mollie
    with running_app(
        settings,
        providers={"mollie": {"api_key": emulator.api_key, "base_url": base}},
        payments=PaymentsSettings(provider="mollie"),
    ) as app:
        yield app


def pay_at_mollie(
    engine: Engine, shop: RunningApp, emulator: MollieEmulator, invoices: list[int] | None = None
) -> str:
    """Start a payment on the pay page; returns Mollie's payment id."""
    token = token_for(engine, shop.settings, "C001")
    answer = shop.start_payment(token, invoices)
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"].startswith("https://www.mollie.com/checkout/")
    (request,) = rows(engine, "SELECT provider_id FROM payment_request WHERE status = 'open'")
    return str(request["provider_id"])


def ledger(engine: Engine) -> dict[str, object]:
    """What the ledger says after the webhooks."""
    return {
        "payments": rows(engine, "SELECT payment_id, amount_minor, source FROM payment"),
        "allocated": sum(
            r["amount_minor"] for r in rows(engine, "SELECT amount_minor FROM allocation")
        ),
        "invoices": {
            r["invoice_number"]: (r["status"], r["open_minor"])
            for r in rows(
                engine,
                "SELECT invoice_number, status, open_minor FROM invoice "
                "WHERE customer_id = (SELECT id FROM customer WHERE customer_id = 'C001')",
            )
        },
        "requests": [r["status"] for r in rows(engine, "SELECT status FROM payment_request")],
        "thanks": rows(
            engine, "SELECT channel, status, payload FROM action WHERE template = 'payment_thanks'"
        ),
        "reminders": {
            r["step"]: (r["status"], r["status_reason"])
            for r in rows(
                engine,
                "SELECT step, status, status_reason FROM action "
                "WHERE step <> 'payment_thanks' ORDER BY id",
            )
        },
    }


def assert_paid_once(engine: Engine, amount_minor: int = 15050) -> None:
    state = ledger(engine)
    assert len(state["payments"]) == 1  # type: ignore[arg-type]
    assert state["payments"][0]["amount_minor"] == amount_minor  # type: ignore[index]
    assert state["payments"][0]["source"] == "mollie"  # type: ignore[index]
    assert state["allocated"] == amount_minor
    assert state["invoices"] == {"INV-1001": ("paid", 0), "INV-1002": ("paid", 0)}
    assert state["requests"] == ["paid"]
    assert len(state["thanks"]) == 1  # type: ignore[arg-type]
    assert state["thanks"][0]["channel"] == "email"  # type: ignore[index]
    assert state["reminders"] == {"reminder1": ("cancelled", "paid")}, (
        "the queued reminder about a paid invoice is cancelled"
    )


def test_paid_webhook_delivered_twice_records_one_payment(engine, shop, mollie) -> None:  # type: ignore[no-untyped-def]
    emulator, _ = mollie
    pid = pay_at_mollie(engine, shop, emulator)
    sent = emulator.requests[0]["body"]
    assert sent["webhookUrl"] == f"{shop.base_url}/webhooks/mollie"
    assert sent["amount"] == {"currency": "EUR", "value": "150.50"}

    emulator.set_status(pid, "paid")
    first, second = emulator.deliver_webhook(pid), emulator.deliver_webhook(pid)

    assert (first.status_code, first.text) == (200, "recorded")
    assert (second.status_code, second.text) == (200, "unchanged")
    assert_paid_once(engine)
    (received,) = rows(engine, "SELECT summary FROM event WHERE kind = 'payment.received'")
    assert "150.50" in received["summary"]


def test_a_thanks_queued_under_the_old_key_format_is_not_queued_again(engine, shop, mollie) -> None:  # type: ignore[no-untyped-def]
    """Before the outbox had one key function a thanks was keyed "thanks-<sha256[:40]>"."""
    emulator, _ = mollie
    pid = pay_at_mollie(engine, shop, emulator)
    emulator.set_status(pid, "paid")
    assert emulator.deliver_webhook(pid).text == "recorded"
    (payment,) = rows(engine, "SELECT payment_id FROM payment")
    old_key = "thanks-" + hashlib.sha256(payment["payment_id"].encode()).hexdigest()[:40]
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE action SET action_id = :k WHERE step = 'payment_thanks'"), {"k": old_key}
        )

    assert emulator.deliver_webhook(pid).text == "unchanged"
    assert_paid_once(engine)
    (thanks,) = rows(engine, "SELECT action_id FROM action WHERE step = 'payment_thanks'")
    assert thanks["action_id"] == old_key


def test_stale_open_answer_after_paid_changes_nothing(engine, shop, mollie) -> None:  # type: ignore[no-untyped-def]
    emulator, _ = mollie
    pid = pay_at_mollie(engine, shop, emulator)
    emulator.set_status(pid, "paid")
    # The paid notice is handled first; a delayed one then finds Mollie saying "open".
    emulator.answer_next(pid, ["paid", "open"])

    answers = [emulator.deliver_webhook(pid).text for _ in range(2)]

    assert answers == ["recorded", "unchanged"]
    assert_paid_once(engine)


def test_open_notice_first_then_paid(engine, shop, mollie) -> None:  # type: ignore[no-untyped-def]
    emulator, _ = mollie
    pid = pay_at_mollie(engine, shop, emulator)
    emulator.set_status(pid, "pending")
    assert emulator.deliver_webhook(pid).text == "updated"
    assert rows(engine, "SELECT status FROM payment_request")[0]["status"] == "pending"
    assert rows(engine, "SELECT COUNT(*) AS n FROM payment")[0]["n"] == 0
    emulator.set_status(pid, "paid")
    assert emulator.deliver_webhook(pid).text == "recorded"
    assert_paid_once(engine)


def test_concurrent_duplicate_webhooks_record_exactly_one_payment(engine, shop, mollie) -> None:  # type: ignore[no-untyped-def]
    emulator, _ = mollie
    pid = pay_at_mollie(engine, shop, emulator)
    emulator.set_status(pid, "paid")

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: emulator.deliver_webhook(pid), range(8)))

    assert [a.status_code for a in answers] == [200] * 8
    assert sorted(a.text for a in answers) == ["recorded"] + ["unchanged"] * 7
    assert_paid_once(engine)


@pytest.mark.parametrize("outcome", ["failed", "expired", "canceled"])
def test_unsuccessful_payment_is_recorded_once_and_changes_no_money(  # type: ignore[no-untyped-def]
    engine, shop, mollie, outcome: str
) -> None:
    emulator, _ = mollie
    pid = pay_at_mollie(engine, shop, emulator)
    emulator.set_status(pid, outcome)

    answers = [emulator.deliver_webhook(pid).text for _ in range(2)]

    assert answers == ["updated", "unchanged"]
    state = ledger(engine)
    assert state["requests"] == [outcome]
    assert state["payments"] == [] and state["thanks"] == []
    assert state["invoices"] == {"INV-1001": ("open", 10000), "INV-1002": ("open", 5050)}
    assert state["reminders"] == {"reminder1": ("queued", None)}
    events = rows(engine, "SELECT kind FROM event WHERE kind = :k", k=f"payment.{outcome}")
    assert len(events) == 1
    # A later stale "open" does not reopen it.
    emulator.answer_next(pid, ["open"])
    assert emulator.deliver_webhook(pid).text == "unchanged"
    assert rows(engine, "SELECT status FROM payment_request")[0]["status"] == outcome


def test_paying_one_invoice_with_costs_settles_costs_first(  # type: ignore[no-untyped-def]
    engine, shop, mollie, settings
) -> None:
    emulator, _ = mollie
    later = RUN_DAY.replace(day=20)
    collection_run(engine, settings, later.date(), now=later)  # a reminder about both invoices
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO charge (customer_id, kind, amount_minor, open_minor, currency, "
            "charged_on, description, created_at) SELECT id, 'collection_costs', 4000, 4000, "
            "'EUR', '2026-02-20', 'incassokosten', CURRENT_TIMESTAMP FROM customer "
            "WHERE customer_id = 'C001'"
        )
    pid = pay_at_mollie(engine, shop, emulator, [invoice_pk(engine, "INV-1001")])
    assert emulator.requests[0]["body"]["amount"]["value"] == "140.00"

    emulator.set_status(pid, "paid")
    assert emulator.deliver_webhook(pid).text == "recorded"

    state = ledger(engine)
    assert state["invoices"] == {"INV-1001": ("paid", 0), "INV-1002": ("open", 5050)}
    assert rows(engine, "SELECT open_minor FROM charge")[0]["open_minor"] == 0
    assert state["allocated"] == 14000
    # The second reminder is about both invoices; one is still open, so it stays queued.
    assert state["reminders"]["reminder2"] == ("queued", None)
    (thanks,) = state["thanks"]  # type: ignore[misc]
    assert '"paid_amount": "140.00"' in str(thanks["payload"]).replace("'", '"')


def test_unknown_or_malformed_ids_are_not_acted_on(engine, shop, mollie) -> None:  # type: ignore[no-untyped-def]
    unknown = shop.client.post("/webhooks/mollie", data={"id": "tr_unknown123"})
    assert (unknown.status_code, unknown.text) == (200, "unknown")
    malformed = shop.client.post("/webhooks/mollie", data={"id": "x' OR 1=1"})
    assert malformed.status_code == 400
    assert rows(engine, "SELECT COUNT(*) AS n FROM payment")[0]["n"] == 0
