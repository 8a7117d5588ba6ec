"""The run learns from what happened: the channel that got paid, the hour a debtor acts.

On a real database: messages sent earlier (sms paid within a week, e-mail not) and a
debtor who signs in to the portal around 20:00; `learn_channels_and_hours` stores what
it judged, and the next collection run sends on sms at 19:45 and says why.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select, text

from creditflow.db import transaction
from creditflow.intelligence.learning import learn_channels_and_hours
from creditflow.intelligence.models import ChannelOutcome, CustomerHabit
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.ledger.models import Customer, Event, Invoice
from creditflow.outbox.models import Action
from creditflow.strategy.run import collection_run
from creditflow.strategy.service import activate_strategy

DAY = date(2026, 3, 2)  # a Monday
NOW = datetime(2026, 3, 2, 6, tzinfo=UTC)
STRATEGY = """
segments:
  - name: everyone
strategies:
  everyone:
    steps:
      - id: reminder1
        at: due+7d
        channels: [email, sms]
        template: reminder
"""
PEOPLE = 30


def _ledger(folder: Path) -> tuple[Path, Path]:
    customers = ["customer_id,name,kind,email,phone"]
    invoices = ["invoice_number,customer_id,issue_date,due_date,amount,status,paid_date"]
    for n in range(1, PEOPLE + 1):
        customers.append(f"C{n:02d},Klant {n},consumer,k{n}@example.nl,+3161234{n:04d}")
        invoices.append(f"OLD-{n},C{n:02d},2026-01-01,2026-01-15,80.00,paid,2026-02-10")
        invoices.append(f"NEW-{n},C{n:02d},2026-02-01,2026-02-20,95.00,,")
    (folder / "c.csv").write_text("\n".join(customers) + "\n")
    (folder / "i.csv").write_text("\n".join(invoices) + "\n")
    return folder / "c.csv", folder / "i.csv"


def _history(engine) -> None:
    """Reminders about the OLD invoices: sms ones were paid in 2 days, e-mail ones not."""
    sent_at = datetime(2026, 2, 1, 9, tzinfo=UTC)
    with transaction(engine) as session:
        customers = {c.customer_id: c for c in session.scalars(select(Customer))}
        for n in range(1, PEOPLE + 1):
            customer = customers[f"C{n:02d}"]
            old = session.scalars(select(Invoice).where(Invoice.invoice_number == f"OLD-{n}")).one()
            channel = "sms" if n <= PEOPLE // 2 else "email"
            old.paid_on = date(2026, 2, 3) if channel == "sms" else date(2026, 2, 25)
            session.add(
                Action(
                    action_id=f"history-{n}", customer_id=customer.id, kind="message",
                    channel=channel, step="reminder1", level=1, strategy="everyone",
                    template="reminder", language="nl", tone="neutral",
                    invoice_numbers=[old.invoice_number], invoice_ids=[old.id],
                    amount_due_minor=8000, currency="EUR", decided_on=sent_at.date(),
                    scheduled_at=sent_at, timezone="Europe/Amsterdam", status="sent",
                    sent_at=sent_at,
                )
            )  # fmt: skip
        evening = customers["C01"]
        for day in (5, 12, 19):  # 19:55, 20:00 and 20:05 in Amsterdam (UTC+1)
            at = datetime(2026, 2, day, 18, 55, tzinfo=UTC) + timedelta(minutes=5 * (day // 7))
            session.add(Event(customer_id=evening.id, occurred_at=at, kind="portal.login",
                              direction="in", summary="signed in to the portal"))  # fmt: skip


def test_the_run_sends_on_the_channel_that_got_paid_at_the_hour_the_debtor_acts(
    engine, settings, tmp_path
):
    customers, invoices = _ledger(tmp_path)
    assert import_customers(engine, customers, settings).rejected == 0
    assert import_invoices(engine, invoices, settings).rejected == 0
    with transaction(engine) as session:
        activate_strategy(session, STRATEGY, "learning.yaml", ["reminder"])
    _history(engine)

    learned = learn_channels_and_hours(engine, DAY)

    assert (learned.steps, learned.judged_sends, learned.customers_with_habit) == (1, PEOPLE, 1)
    with engine.connect() as conn:
        stored = conn.execute(
            select(ChannelOutcome.channel, ChannelOutcome.sent, ChannelOutcome.paid).order_by(
                ChannelOutcome.channel
            )
        ).all()
        habit = conn.execute(select(CustomerHabit.usual_minute)).scalar_one()
    assert [tuple(row) for row in stored] == [("email", 15, 0), ("sms", 15, 15)]
    assert habit == 20 * 60

    collection_run(engine, settings, DAY, now=NOW)

    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.customer_id, a.channel, a.scheduled_at, a.status_reason FROM action a "
                "JOIN customer c ON c.id = a.customer_id WHERE a.run_id IS NOT NULL"
            )
        ).all()
    assert len(rows) == PEOPLE
    assert sum(1 for row in rows if row[1] == "sms") >= PEOPLE - 2
    first = next(row for row in rows if row[0] == "C01")
    scheduled = first[2] if isinstance(first[2], datetime) else datetime.fromisoformat(first[2])
    local = scheduled.replace(tzinfo=scheduled.tzinfo or UTC).astimezone(
        ZoneInfo("Europe/Amsterdam")
    )
    assert (local.hour, local.minute) == (19, 45)
    assert "send time learned: 19:45" in first[3]
    assert any("channel learned: sms chosen (paid within 7 days: email 0/15, sms 15/15)"
               in (row[3] or "") for row in rows)  # fmt: skip


def test_learning_again_replaces_what_was_learned(engine, settings, tmp_path):
    customers, invoices = _ledger(tmp_path)
    import_customers(engine, customers, settings)
    import_invoices(engine, invoices, settings)
    _history(engine)
    learn_channels_and_hours(engine, DAY)
    # a week before the reminders were judged: nothing to learn yet, and nothing kept
    learned = learn_channels_and_hours(engine, date(2026, 2, 5))
    assert learned.judged_sends == 0
    with engine.connect() as conn:
        assert conn.execute(select(ChannelOutcome)).first() is None
