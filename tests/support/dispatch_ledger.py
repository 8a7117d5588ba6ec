"""A ledger queued for dispatch: customers and invoices imported, the collection run done.

Dates: invoices fall due on Monday 5 January 2026; the default strategy sends the
consumer reminder on due+7d, Monday 12 January, at 09:00 Amsterdam time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from creditflow.config import Settings
from tests.support.compliance_ledger import consumer, load_strategy, rows, run_on, seed

DUE = date(2026, 1, 5)
REMINDER_DAY = date(2026, 1, 12)
SEND_TIME = datetime(2026, 1, 12, 9, 30, tzinfo=UTC)  # after 09:00 Amsterdam
END_OF_DAY = datetime(2026, 1, 12, 22, 0, tzinfo=UTC)


def one_step_strategy(channels: str) -> str:
    """A strategy with one reminder on due+7d over these channels ("[voice, letter]")."""
    return (
        "segments:\n  - name: everyone\nstrategies:\n  everyone:\n    steps:\n"
        f"      - id: reminder1\n        at: due+7d\n        channels: {channels}\n"
        "        template: reminder\n"
    )


def with_organisation(settings: Settings, **channels: dict[str, Any]) -> Settings:
    """Settings with a creditor that has a bank account, and the given channel config."""
    org = replace(
        settings.organisation,
        name="Voorbeeld B.V.",
        iban="NL91ABNA0417164300",
        bic="ABNANL2A",
        address_line1="Keizersgracht 1",
        postal_code="1015 CJ",
        city="Amsterdam",
        email="debiteuren@voorbeeld.nl",
    )
    return replace(settings, organisation=org, channels=dict(channels))


def invoice(number: str, customer_id: str = "C001", amount: str = "412.50") -> dict[str, Any]:
    """An invoice due on DUE."""
    return {
        "invoice_number": number,
        "customer_id": customer_id,
        "issue_date": "2025-12-22",
        "due_date": DUE.isoformat(),
        "amount": amount,
    }


def queued_reminders(
    engine: Engine,
    settings: Settings,
    folder: Path,
    customers: list[dict[str, Any]] | None = None,
    invoices: list[dict[str, Any]] | None = None,
    strategy: str | None = None,
) -> list[dict[str, Any]]:
    """Import the ledger and run the collection run on REMINDER_DAY; the queued actions."""
    if strategy is not None:
        load_strategy(engine, strategy)
    seed(
        engine,
        settings,
        folder,
        customers or [consumer("C001")],
        invoices or [invoice("INV-1")],
    )
    run_on(engine, settings, REMINDER_DAY)
    return rows(engine, "SELECT * FROM action WHERE status = 'queued' ORDER BY id")


def action_rows(engine: Engine) -> list[dict[str, Any]]:
    """Every action with its state, oldest first."""
    return rows(
        engine,
        "SELECT action_id, kind, channel, status, status_reason, amount_due_minor, attempts, "
        "provider, provider_message_id, next_attempt_at, fallback_channels, payload "
        "FROM action ORDER BY id",
    )


def events(engine: Engine, kind_prefix: str = "") -> list[dict[str, Any]]:
    """Timeline events (kind, channel, action_id, summary), oldest first."""
    return rows(
        engine,
        "SELECT kind, channel, direction, action_id, summary FROM event "
        "WHERE kind LIKE :k ORDER BY id",
        k=f"{kind_prefix}%",
    )


@contextmanager
def running_app(settings: Settings) -> Iterator[str]:
    """Serve creditflow's web app with uvicorn on 127.0.0.1; yields its base URL.

    The settings' portal_base_url must already be this address (the port is chosen by
    the caller with `free_port`) so that signed callback URLs match.
    """
    import uvicorn

    from creditflow.api.app import create_app

    port = int(settings.portal_base_url.rsplit(":", 1)[1])
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.01)
    try:
        yield settings.portal_base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
