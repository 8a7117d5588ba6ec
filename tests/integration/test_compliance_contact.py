"""Do-not-contact states and the US Regulation F call check, on a real database."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from creditflow.compliance.contact_rules import DoNotContact
from creditflow.compliance.service import (
    ERASED,
    call_allowed,
    hold_contact,
    queue_compliance_action,
    set_do_not_contact,
)
from creditflow.db import transaction
from creditflow.ledger.models import Customer
from creditflow.ledger.service import add_event
from tests.support.compliance_ledger import consumer, customer_pk, rows, run_on, seed

NOW = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)


@pytest.fixture
def reminded(engine, settings, tmp_path):
    """C001 (Amsterdam) has a reminder queued; C002 lives in New York; returns C001's key."""
    seed(
        engine,
        settings,
        tmp_path,
        [
            consumer("C001"),
            consumer(
                "C002",
                name="Ann Lee",
                country="US",
                timezone="America/New_York",
                postal_code="10001",
                city="New York",
            ),
        ],
        [
            {
                "invoice_number": "INV-1",
                "customer_id": "C001",
                "issue_date": "2026-02-01",
                "due_date": "2026-03-02",
                "amount": "80.00",
            }
        ],
    )
    [action] = run_on(engine, settings, date(2026, 3, 9)).actions.to_dicts()
    assert action["status"] == "queued"
    return customer_pk(engine, "C001")


def test_a_deceased_debtor_is_held_back_and_a_collector_gets_a_review_task(
    engine, settings, reminded
):
    with transaction(engine) as session:
        task = set_do_not_contact(
            session, reminded, DoNotContact.DECEASED, "letter from notary", "alice", now=NOW
        )
        assert (task.kind, task.channel, task.step, task.status) == (
            "task",
            "review",
            "do_not_contact",
            "queued",
        )
    actions = rows(engine, "SELECT step, status, status_reason FROM action ORDER BY id")
    assert actions == [
        {"step": "reminder1", "status": "cancelled", "status_reason": "do not contact: deceased"},
        {"step": "do_not_contact", "status": "queued", "status_reason": None},
    ]
    [entry] = rows(engine, "SELECT actor, verb, entity_id FROM audit_log")
    assert entry == {"actor": "alice", "verb": "do_not_contact", "entity_id": "C001"}
    [event] = rows(engine, "SELECT summary FROM event WHERE kind = 'customer.do_not_contact'")
    assert event["summary"] == "do-not-contact set to deceased: letter from notary"
    later = run_on(engine, settings, date(2026, 3, 16))
    assert later.actions.height == 0
    assert later.skipped.get_column("reason").to_list() == ["do not contact: deceased"]


def test_clearing_the_state_lets_the_run_contact_the_customer_again(engine, settings, reminded):
    with transaction(engine) as session:
        set_do_not_contact(session, reminded, "debt_counselling", None, "alice", now=NOW)
    with transaction(engine) as session:
        assert (
            set_do_not_contact(session, reminded, None, "counselling ended", "bob", now=NOW) is None
        )
        assert session.get(Customer, reminded).do_not_contact is None
    [action] = run_on(engine, settings, date(2026, 3, 16)).actions.to_dicts()
    assert action["step"] == "reminder2"


def test_unknown_states_are_refused_and_an_erasure_is_final(engine, reminded):
    with (
        transaction(engine) as session,
        pytest.raises(ValueError, match="'on_holiday' is not a do-not-contact"),
    ):
        set_do_not_contact(session, reminded, "on_holiday", None, "alice", now=NOW)
    with transaction(engine) as session:
        hold_contact(session, session.get(Customer, reminded), ERASED, None, "alice", NOW)
    with transaction(engine) as session, pytest.raises(ValueError, match="never contacted again"):
        set_do_not_contact(session, reminded, None, None, "alice", now=NOW)


def _calls(
    engine, pk: int, moments: list[datetime], conversation_at: datetime | None = None
) -> None:
    with transaction(engine) as session:
        customer = session.get(Customer, pk)
        for moment in moments:
            action = queue_compliance_action(
                session,
                customer,
                kind="task",
                channel="call",
                step="call",
                now=moment,
                key=(moment.isoformat(),),
            )
            action.status, action.sent_at = "done", moment
            if conversation_at == moment:
                add_event(
                    session,
                    pk,
                    "call.conversation",
                    "spoke to the debtor",
                    channel="call",
                    action_id=action.action_id,
                ).occurred_at = moment


def test_regulation_f_allows_seven_calls_in_seven_days_and_not_an_eighth(
    engine, settings, reminded
):
    new_york = customer_pk(engine, "C002")
    start = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # 10:00 in New York
    _calls(engine, new_york, [start + timedelta(days=d) for d in range(6)])
    check_at = datetime(2026, 3, 8, 16, 0, tzinfo=UTC)  # Sunday 12:00 EDT
    with transaction(engine) as session:
        assert call_allowed(session, new_york, check_at).allowed  # the 7th call
    _calls(engine, new_york, [check_at - timedelta(hours=1)])
    with transaction(engine) as session:
        verdict = call_allowed(session, new_york, check_at)
    assert not verdict.allowed
    assert "at most 7 calls in 7 consecutive days" in verdict.reason
    assert verdict.not_before == datetime(2026, 3, 9, 8, 0, tzinfo=verdict.not_before.tzinfo)
    assert verdict.not_before.utcoffset() == timedelta(hours=-4)  # EDT since 8 March


def test_regulation_f_waits_seven_days_after_a_conversation(engine, reminded):
    new_york = customer_pk(engine, "C002")
    talked = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    _calls(engine, new_york, [talked], conversation_at=talked)
    with transaction(engine) as session:
        refused = call_allowed(session, new_york, datetime(2026, 3, 8, 15, 0, tzinfo=UTC))
        allowed = call_allowed(session, new_york, datetime(2026, 3, 9, 14, 0, tzinfo=UTC))
    assert not refused.allowed and "conversation took place on 2026-03-02" in refused.reason
    assert allowed.allowed


def test_regulation_f_hours_are_those_where_the_debtor_lives(engine, settings, reminded):
    new_york = customer_pk(engine, "C002")
    at_0250_in_new_york = datetime(2026, 1, 15, 7, 50, tzinfo=UTC)
    with transaction(engine) as session:
        verdict = call_allowed(session, new_york, at_0250_in_new_york)
        amsterdam = call_allowed(session, reminded, at_0250_in_new_york)
        switched_off = call_allowed(session, new_york, at_0250_in_new_york, rules=settings.rules)
        switched_on = call_allowed(
            session, new_york, at_0250_in_new_york, rules=replace(settings.rules, regulation_f=True)
        )
    assert not verdict.allowed and verdict.reason.startswith("02:50 is outside 08:00-21:00")
    assert amsterdam.allowed  # 08:50 in Amsterdam
    assert switched_off.allowed  # the profile is off by default
    assert switched_on == verdict
