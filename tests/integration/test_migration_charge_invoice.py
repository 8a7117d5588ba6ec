"""Migration 0008 on a ledger charged before it: charges are linked, positions get step ids."""

from __future__ import annotations

from datetime import date, timedelta

from alembic import command
from sqlalchemy import text

from creditflow.db import alembic_config, upgrade
from tests.support.compliance_ledger import consumer, rows, run_and_dispatch, seed
from tests.support.dispatch_ledger import with_organisation


def test_existing_charges_are_linked_once_and_dunning_rows_get_their_step(
    engine, settings, tmp_path
):
    posted = with_organisation(settings)
    due = date(2026, 1, 5)
    seed(
        engine,
        posted,
        tmp_path,
        [consumer("C001")],
        [
            {
                "invoice_number": "INV-1",
                "customer_id": "C001",
                "issue_date": "2025-12-22",
                "due_date": due.isoformat(),
                "amount": "1000.00",
            }
        ],
    )
    day = due - timedelta(days=3)
    while day <= date(2026, 2, 12):
        run_and_dispatch(engine, posted, day)
        day += timedelta(days=1)
    [charge] = rows(engine, "SELECT id FROM charge")
    command.downgrade(alembic_config(engine), "0007")
    with engine.begin() as conn:  # as before 0008: a double charge, a row without step id
        conn.execute(
            text(
                "INSERT INTO charge (customer_id, kind, amount_minor, open_minor, currency, "
                "charged_on, action_id, created_at) SELECT customer_id, kind, amount_minor, "
                "open_minor, currency, charged_on, action_id, created_at FROM charge"
            )
        )
        conn.execute(text("UPDATE invoice_dunning SET step = ''"))
    upgrade(engine)
    assert rows(engine, "SELECT charge_id, kind FROM charge_invoice") == [
        {"charge_id": charge["id"], "kind": "collection_costs"}
    ]
    assert rows(engine, "SELECT step FROM invoice_dunning") == [{"step": "costs"}]
