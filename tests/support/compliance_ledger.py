"""Seed a real ledger through the importers and run the collection run on chosen days."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text

from creditflow.config import Settings
from creditflow.db import transaction
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.ledger.models import Customer
from creditflow.outbox.models import Action
from creditflow.payments.payment_import import import_payment_file
from creditflow.strategy.run import RunResult, collection_run
from creditflow.strategy.service import activate_strategy

CUSTOMER_FIELDS = [
    "customer_id", "name", "kind", "language", "country", "timezone", "email", "phone",
    "whatsapp", "address_line1", "postal_code", "city", "iban", "preferred_channel",
]  # fmt: skip
INVOICE_FIELDS = ["invoice_number", "customer_id", "issue_date", "due_date", "amount"]
PAYMENT_FIELDS = ["payment_id", "amount", "paid_at", "customer_id", "invoice_number"]


def consumer(customer_id: str = "C001", **values: Any) -> dict[str, Any]:
    """A Dutch consumer reachable by e-mail and letter."""
    row = {
        "customer_id": customer_id, "name": "Jan de Vries", "kind": "consumer",
        "language": "nl", "country": "NL", "timezone": "Europe/Amsterdam",
        "email": f"{customer_id.lower()}@example.nl", "phone": "", "whatsapp": "",
        "address_line1": "Kerkstraat 1", "postal_code": "1011 AA", "city": "Amsterdam",
        "iban": "NL91ABNA0417164300", "preferred_channel": "",
    }  # fmt: skip
    row.update(values)
    return row


def _write(path: Path, fields: list[str], rows: list[dict[str, Any]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in fields})
    return path


def seed(
    engine: Engine,
    settings: Settings,
    folder: Path,
    customers: list[dict[str, Any]],
    invoices: list[dict[str, Any]],
) -> None:
    """Import customers and invoices from CSV files, as a user would."""
    summary = import_customers(
        engine, _write(folder / "customers.csv", CUSTOMER_FIELDS, customers), settings
    )
    assert summary.rejected == 0, summary.line()
    summary = import_invoices(
        engine, _write(folder / "invoices.csv", INVOICE_FIELDS, invoices), settings
    )
    assert summary.rejected == 0, summary.line()


def pay(engine: Engine, settings: Settings, folder: Path, payments: list[dict[str, Any]]) -> None:
    """Import payments from a CSV file (allocated to invoices)."""
    path = _write(folder / f"payments-{payments[0]['payment_id']}.csv", PAYMENT_FIELDS, payments)
    summary = import_payment_file(engine, path, settings)
    assert summary.rejected == 0, summary.line()


def morning(day: date) -> datetime:
    """06:00 UTC on the day: when the daily run is started."""
    return datetime.combine(day, time(6, 0), tzinfo=UTC)


def run_on(engine: Engine, settings: Settings, day: date) -> RunResult:
    """The collection run for `day`, started that morning."""
    return collection_run(engine, settings, day, now=morning(day))


def load_strategy(engine: Engine, yaml_text: str) -> None:
    """Activate a strategy file."""
    with transaction(engine) as session:
        activate_strategy(session, yaml_text, "test.yaml")


def customer_pk(engine: Engine, customer_id: str) -> int:
    """The primary key of a customer by external id."""
    with transaction(engine) as session:
        return session.scalars(select(Customer.id).where(Customer.customer_id == customer_id)).one()


def rows(engine: Engine, sql: str, **params: Any) -> list[dict[str, Any]]:
    """Rows of a query as dicts."""
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), params).mappings()]


def run_and_dispatch(engine: Engine, settings: Settings, day: date) -> RunResult:
    """One working day: the run at 06:00 UTC, then dispatch of what is due by 18:00 UTC."""
    from creditflow.dispatch.worker import dispatch_due

    result = run_on(engine, settings, day)
    evening = datetime.combine(day, time(18, 0), tzinfo=UTC)
    dispatch_due(engine, settings, until=evening, now=evening)
    return result


ESCALATION_DUE = date(2026, 1, 5)


def escalate_to_agency(engine: Engine, settings: Settings, folder: Path) -> str:
    """C001, a consumer who got the 14-day letter (26 January) and costs; the escalation's id.

    The run of 14 March 2026 queues the escalation to the agency for the invoice due 5 January.
    """
    seed(
        engine,
        settings,
        folder,
        [consumer("C001")],
        [
            {
                "invoice_number": "INV-1",
                "customer_id": "C001",
                "issue_date": "2025-12-22",
                "due_date": ESCALATION_DUE.isoformat(),
                "amount": "1000.00",
            }
        ],
    )
    day = ESCALATION_DUE - timedelta(days=5)
    while day < date(2026, 1, 26):  # the reminders before the letter, day by day
        run_on(engine, settings, day)
        day += timedelta(days=1)
    [letter] = run_on(engine, settings, date(2026, 1, 26)).actions.to_dicts()
    with transaction(engine) as session:
        sent = session.query(Action).filter_by(action_id=letter["action_id"]).one()
        sent.status, sent.sent_at = "delivered", datetime(2026, 1, 26, 14, 0, tzinfo=UTC)
    [costs] = run_on(engine, settings, date(2026, 2, 12)).actions.to_dicts()
    assert costs["charge_minor"] == 15000
    # the hand-over step is 30 days after the invoice's last step (the costs, 12 February)
    assert run_on(engine, settings, date(2026, 3, 13)).actions.height == 0
    [escalation] = run_on(engine, settings, date(2026, 3, 14)).actions.to_dicts()
    assert (escalation["kind"], escalation["channel"], escalation["status"]) == (
        "escalation",
        "agency",
        "queued",
    )
    return escalation["action_id"]
