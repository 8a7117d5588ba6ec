"""The collection run on a real database: idempotent, transactional, superseding."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from creditflow.db import transaction
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.outbox.shape import action_json
from creditflow.strategy.run import collection_run
from creditflow.strategy.schema import StrategyError
from creditflow.strategy.service import activate_strategy
from tests.support.contract import ACTION_JSON_KEYS

CUSTOMERS = """customer_id,name,kind,email,phone,address_line1,postal_code,city
C001,Jan de Vries,consumer,jan@example.nl,0612345678,Dorpsstraat 1,1234 AB,Utrecht
C002,Bakkerij Brood B.V.,business,info@bakkerij.nl,020-1234567,Markt 3,3511 AA,Utrecht
C003,Els Jansen,consumer,,,Kerkweg 2,1000 AA,Amsterdam
"""
INVOICES = """invoice_number,customer_id,issue_date,due_date,amount
INV-1,C001,2026-01-01,2026-02-20,120.00
INV-2,C001,2026-01-05,2026-02-25,80.00
INV-3,C002,2026-01-01,2026-02-01,900.00
INV-4,C003,2026-02-01,2026-03-05,45.00
"""
DAY = date(2026, 3, 2)


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=5)


@pytest.fixture
def ledger(engine, settings, tmp_path: Path):
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    (tmp_path / "i.csv").write_text(INVOICES)
    assert import_customers(engine, tmp_path / "c.csv", settings).rejected == 0
    assert import_invoices(engine, tmp_path / "i.csv", settings).rejected == 0
    return engine


def count(engine, sql: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def test_running_twice_on_the_same_day_creates_nothing_new(ledger, settings):
    first = collection_run(ledger, settings, DAY, now=at(DAY))
    assert first.actions.height == 3
    second = collection_run(ledger, settings, DAY, now=at(DAY))
    assert second.actions.height == 0
    assert count(ledger, "SELECT COUNT(*) FROM action") == 3
    assert count(ledger, "SELECT COUNT(*) FROM collection_run") == 2


def test_a_dry_run_writes_nothing(ledger, settings):
    result = collection_run(ledger, settings, DAY, now=at(DAY), dry_run=True)
    assert result.actions.height == 3
    assert set(result.actions.get_column("status")) == {"planned"}
    assert count(ledger, "SELECT COUNT(*) FROM action") == 0
    assert count(ledger, "SELECT COUNT(*) FROM invoice_dunning") == 0


def test_actions_are_written_in_the_public_json_shape(ledger, settings):
    result = collection_run(ledger, settings, DAY, now=at(DAY))
    by_customer = {r["customer_id"]: action_json(r) for r in result.actions.iter_rows(named=True)}
    nudge = by_customer["C003"]
    assert list(nudge) == ACTION_JSON_KEYS
    assert nudge["channel"] == "call"  # nudge needs email or sms; she has neither
    assert by_customer["C001"]["invoices"] == ["INV-1", "INV-2"]
    assert by_customer["C001"]["amount_due"] == "200.00"
    # 29 days late in a newly imported ledger: the business's first reminder, not a later step
    assert by_customer["C002"]["step"] == "reminder1"


def test_a_later_step_cancels_the_queued_earlier_one_and_levels_rise(ledger, settings):
    reminded = date(2026, 2, 4)  # INV-3 is 3 days late: reminder1
    collection_run(ledger, settings, reminded, now=at(reminded))
    first_day = date(2026, 2, 16)  # INV-3 is 15 days late: reminder2
    collection_run(ledger, settings, first_day, now=at(first_day))
    later = first_day + timedelta(days=4)  # 19 days late: call (900 >= 500)
    collection_run(ledger, settings, later, now=at(later))
    with ledger.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT a.step, a.status, a.status_reason FROM action a JOIN customer c "
                "ON c.id = a.customer_id WHERE c.customer_id = 'C002' ORDER BY a.id"
            )
        ).fetchall()
        level = conn.execute(
            text(
                "SELECT d.step FROM invoice_dunning d JOIN invoice i ON i.id = d.invoice_id "
                "WHERE i.invoice_number = 'INV-3'"
            )
        ).scalar_one()
    assert rows[1][0] == "reminder2" and rows[1][1] == "cancelled"
    assert rows[1][2].startswith("superseded by")
    assert (rows[2][0], rows[2][1]) == ("call", "queued")
    assert level == "call"


def test_business_costs_are_booked_as_a_ledger_item_not_an_invoice_edit(ledger, settings):
    day = DAY
    for offset in range(0, 70, 3):
        current = day + timedelta(days=offset)
        collection_run(ledger, settings, current, now=at(current))
    with ledger.connect() as conn:
        charges = conn.execute(text("SELECT kind, amount_minor, currency FROM charge")).fetchall()
        amount = conn.execute(
            text("SELECT amount_minor FROM invoice WHERE invoice_number = 'INV-3'")
        ).scalar_one()
    assert ("collection_costs", 4000, "EUR") in charges
    assert amount == 90000


def test_an_invalid_strategy_is_refused_whole_and_the_active_one_stays(ledger, settings):
    bad = "segments:\n  - name: all\nstrategies:\n  all:\n    steps:\n      - id: x\n        at: soon\n"
    with pytest.raises(StrategyError), transaction(ledger) as session:
        activate_strategy(session, bad, "bad.yaml")
    assert count(ledger, "SELECT COUNT(*) FROM strategy_version") == 0
