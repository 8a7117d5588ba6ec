"""The pre-send re-check on a real store: what it must send, not only what it cancels.

C001 is a Dutch consumer (Amsterdam time) with an e-mail address and a mobile number,
owing EUR 412.50 on INV-1, due 5 January 2026. Dispatch runs through the sandbox
channels.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import select

from creditflow.compliance.consent import handle_inbound_text
from creditflow.compliance.service import get_customer, queue_compliance_action, set_do_not_contact
from creditflow.db import transaction
from creditflow.dispatch.facts import load_facts
from creditflow.dispatch.recheck import recheck_action
from creditflow.dispatch.worker import dispatch_due
from creditflow.outbox.models import Action
from tests.support.compliance_ledger import consumer, customer_pk, pay, rows, seed
from tests.support.dispatch_ledger import END_OF_DAY, SEND_TIME, invoice, with_organisation

STOP_AT = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)


def ledger(engine, settings, folder):
    settings = with_organisation(settings)
    seed(engine, settings, folder, [consumer("C001", phone="0612345678")], [invoice("INV-1")])
    return settings, customer_pk(engine, "C001")


def actions(engine, **where):
    clause = " AND ".join(f"{k} = :{k}" for k in where) or "1 = 1"
    return rows(
        engine,
        "SELECT action_id, kind, channel, step, status, status_reason, next_attempt_at "
        f"FROM action WHERE {clause} ORDER BY id",  # noqa: S608 - test-only column names
        **where,
    )


def queue(engine, pk, **values):
    with transaction(engine) as session:
        customer = get_customer(session, pk)
        action = queue_compliance_action(session, customer, now=STOP_AT, **values)
        return action.action_id


def test_the_opt_out_confirmation_is_sent_once_on_the_opted_out_channel(engine, settings, tmp_path):
    settings, pk = ledger(engine, settings, tmp_path)
    with transaction(engine) as session:
        assert handle_inbound_text(session, pk, "sms", "STOP", STOP_AT)
    reminder = queue(engine, pk, kind="message", channel="sms", step="late", key=("r",),
                     template="reminder")  # fmt: skip

    first = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)
    with transaction(engine) as session:  # a second STOP, and a second dispatch
        assert handle_inbound_text(session, pk, "sms", "stop", SEND_TIME)
    second = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)

    [confirmation] = actions(engine, step="opt_out_confirmation")
    assert (confirmation["channel"], confirmation["status"]) == ("sms", "sent")
    assert (first.sent, second.sent, second.claimed) == (1, 0, 0), (first.line(), second.line())
    [late] = actions(engine, action_id=reminder)
    assert (late["status"], late["status_reason"]) == ("cancelled", "customer opted out of sms")
    [sms] = list((settings.outbox_dir / "sms").iterdir())
    text = sms.read_text(encoding="utf-8")
    assert "geen berichten meer per sms" in text
    assert "STOP" not in text


def test_a_review_task_for_a_collector_is_not_cancelled_by_do_not_contact(
    engine, settings, tmp_path
):
    settings, pk = ledger(engine, settings, tmp_path)
    with transaction(engine) as session:
        task = set_do_not_contact(
            session, pk, "deceased", "letter from the estate", "anne", now=STOP_AT
        )
        assert task is not None
    call = queue(engine, pk, kind="task", channel="call", step="callback", key=("c",))

    report = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)

    [review] = actions(engine, step="do_not_contact")
    assert (review["kind"], review["channel"], review["status"]) == ("task", "review", "sent")
    [callback] = actions(engine, action_id=call)
    assert (callback["status"], callback["status_reason"]) == (
        "cancelled",
        "do not contact: deceased",
    )
    assert (report.tasks, report.cancelled) == (1, 1), report.line()


def test_regulation_f_postpones_a_call_outside_convenient_hours(engine, settings, tmp_path):
    settings, pk = ledger(engine, settings, tmp_path)
    settings = replace(settings, rules=replace(settings.rules, regulation_f=True))
    call = queue(engine, pk, kind="task", channel="call", step="callback", key=("c",))
    late_evening = datetime(2026, 1, 12, 21, 30, tzinfo=UTC)  # 22:30 in Amsterdam
    next_morning = datetime(2026, 1, 13, 7, 0, tzinfo=UTC)  # 08:00 in Amsterdam

    evening = dispatch_due(engine, settings, until=late_evening, now=late_evening)
    [waiting] = actions(engine, action_id=call)
    with transaction(engine) as session:
        waiting_until = session.scalars(
            select(Action.next_attempt_at).where(Action.action_id == call)
        ).one()
    too_early = dispatch_due(
        engine, settings, until=next_morning, now=datetime(2026, 1, 13, 6, 0, tzinfo=UTC)
    )
    morning = dispatch_due(engine, settings, until=next_morning, now=next_morning)

    assert (evening.retried, evening.tasks, evening.cancelled) == (1, 0, 0), evening.line()
    assert waiting["status"] == "queued"
    assert waiting_until == next_morning
    [note] = rows(engine, "SELECT summary FROM event WHERE kind = 'task.postponed'")
    assert "outside 08:00-21:00" in note["summary"]
    assert too_early.claimed == 0
    assert morning.tasks == 1, morning.line()
    assert actions(engine, action_id=call)[0]["status"] == "sent"


def test_without_regulation_f_the_same_call_goes_at_once(engine, settings, tmp_path):
    settings, pk = ledger(engine, settings, tmp_path)
    call = queue(engine, pk, kind="task", channel="call", step="callback", key=("c",))
    late_evening = datetime(2026, 1, 12, 21, 30, tzinfo=UTC)

    report = dispatch_due(engine, settings, until=late_evening, now=late_evening)

    assert report.tasks == 1, report.line()
    assert actions(engine, action_id=call)[0]["status"] == "sent"


CONFIRMATIONS = [
    ("payment_thanks", {"paid_amount": "412.50"}),
    ("promise_confirmation", {"promise_date": "2026-01-20", "promise_amount": "412.50"}),
    ("dispute_received", {"dispute_reference": "D-1"}),
    ("access_code", {"code": "123456", "expires_minutes": 10}),
    ("pay_link", {"pay_url": "https://pay.example/p/1"}),
    ("conversation_reply", {"text": "Thank you."}),
    ("opt_out_confirmation", {"opt_out_confirmation": True}),
]


def test_confirmations_are_not_cancelled_because_their_invoices_are_settled(
    engine, settings, tmp_path
):
    settings, pk = ledger(engine, settings, tmp_path)
    pay(engine, settings, tmp_path, [{"payment_id": "P1", "amount": "412.50",
        "paid_at": "2026-01-10", "customer_id": "C001", "invoice_number": "INV-1"}])  # fmt: skip
    for template, payload in CONFIRMATIONS:
        queue(engine, pk, kind="message", channel="email", step=template, key=(template,),
              template=template, payload={"invoices": ["INV-1"], **payload})  # fmt: skip

    with transaction(engine) as session:
        queued = session.scalars(select(Action).order_by(Action.id)).all()
        facts = load_facts(session, queued, settings.rules)
        verdicts = {
            a.template: recheck_action(session, settings, a, facts, SEND_TIME) for a in queued
        }

    assert {t: v.cancel_reason for t, v in verdicts.items()} == {t: None for t, _ in CONFIRMATIONS}
    report = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)
    assert report.sent == len(CONFIRMATIONS), (report.line(), report.errors)
