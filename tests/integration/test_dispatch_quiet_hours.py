"""Quiet hours are kept at the moment of sending, not only when the run schedules.

C001 is a Dutch consumer (Amsterdam time) with only a mobile number, owing EUR 412.50
on INV-1, due Monday 5 January 2026. A one-step strategy sends an SMS reminder on
due+7d, Monday 12 January, at 10:00 Amsterdam time. Dispatch runs through the sandbox.
"""

from __future__ import annotations

from datetime import UTC, datetime

from creditflow.compliance.service import get_customer, queue_compliance_action
from creditflow.db import transaction
from creditflow.dispatch.worker import dispatch_due
from tests.support.compliance_ledger import consumer, customer_pk, rows
from tests.support.dispatch_ledger import (
    invoice,
    one_step_strategy,
    queued_reminders,
    with_organisation,
)

LATE_NIGHT = datetime(2026, 1, 12, 22, 30, tzinfo=UTC)  # 23:30 in Amsterdam
TOO_EARLY = datetime(2026, 1, 13, 6, 30, tzinfo=UTC)  # 07:30 in Amsterdam
NEXT_MORNING = datetime(2026, 1, 13, 7, 0, tzinfo=UTC)  # 08:00 in Amsterdam
SATURDAY_NIGHT = datetime(2026, 1, 17, 22, 0, tzinfo=UTC)  # 23:00 Saturday in Amsterdam
MONDAY_MORNING = datetime(2026, 1, 19, 7, 0, tzinfo=UTC)  # 08:00 Monday in Amsterdam


def sms_reminder(engine, settings, tmp_path):
    settings = with_organisation(settings)
    [queued] = queued_reminders(
        engine,
        settings,
        tmp_path,
        customers=[consumer("C001", email="", phone="0612345678")],
        invoices=[invoice("INV-1")],
        strategy=one_step_strategy("[sms]"),
    )
    assert queued["channel"] == "sms"
    return settings, queued["action_id"]


def moment(value):
    """A stored timestamp as an aware UTC datetime (SQLite hands back text)."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def status(engine, action_id):
    [row] = rows(
        engine,
        "SELECT status, next_attempt_at, sent_at FROM action WHERE action_id = :a",
        a=action_id,
    )
    return row


def test_an_sms_due_at_10_is_not_sent_when_dispatch_runs_at_23_30(engine, settings, tmp_path):
    settings, reminder = sms_reminder(engine, settings, tmp_path)

    late = dispatch_due(engine, settings, until=LATE_NIGHT, now=LATE_NIGHT)
    waiting = status(engine, reminder)
    early = dispatch_due(engine, settings, until=TOO_EARLY, now=TOO_EARLY)
    morning = dispatch_due(engine, settings, until=NEXT_MORNING, now=NEXT_MORNING)

    assert (late.sent, late.retried) == (0, 1), late.line()
    assert waiting["status"] == "queued"
    assert moment(waiting["next_attempt_at"]) == NEXT_MORNING
    [note] = rows(engine, "SELECT summary FROM event WHERE kind = 'message.postponed'")
    assert "outside quiet hours 08:00-21:00 (Europe/Amsterdam, 23:30 there)" in note["summary"]
    assert early.claimed == 0
    assert morning.sent == 1, morning.line()
    assert moment(status(engine, reminder)["sent_at"]) == NEXT_MORNING
    assert list((tmp_path / "outbox" / "sms").glob("*.json"))


def test_an_sms_that_missed_saturday_waits_until_monday(engine, settings, tmp_path):
    settings, reminder = sms_reminder(engine, settings, tmp_path)

    saturday = dispatch_due(engine, settings, until=SATURDAY_NIGHT, now=SATURDAY_NIGHT)
    sunday_noon = datetime(2026, 1, 18, 11, 0, tzinfo=UTC)
    sunday = dispatch_due(engine, settings, until=sunday_noon, now=sunday_noon)

    assert saturday.retried == 1, saturday.line()
    assert sunday.claimed == 0
    assert moment(status(engine, reminder)["next_attempt_at"]) == MONDAY_MORNING


def test_an_access_code_the_debtor_asked_for_at_night_goes_at_once(engine, settings, tmp_path):
    settings, _ = sms_reminder(engine, settings, tmp_path)
    with transaction(engine) as session:
        customer = get_customer(session, customer_pk(engine, "C001"))
        code = queue_compliance_action(
            session,
            customer,
            kind="message",
            channel="sms",
            step="access_code",
            template="access_code",
            now=LATE_NIGHT,
            key=("night",),
            payload={"code": "123456", "to": "+31612345678", "expires_minutes": 10},
        ).action_id

    dispatch_due(engine, settings, until=LATE_NIGHT, now=LATE_NIGHT)

    assert status(engine, code)["status"] == "sent"
