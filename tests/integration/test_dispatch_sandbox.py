"""Dispatch through the sandbox channels on a ledger seeded by the importers.

The consumer C001 owes EUR 412.50 on INV-1, due 5 January 2026; the collection run
of 12 January queues the reminder by e-mail for 09:00 Amsterdam time.
"""

from __future__ import annotations

import email
import email.policy
import json
from datetime import date, timedelta

from sqlalchemy import text

from creditflow.db import transaction
from creditflow.dispatch.letters import letters_batch
from creditflow.dispatch.tasks import complete_task
from creditflow.dispatch.worker import dispatch_due
from creditflow.ledger.models import PromiseToPay, promise_invoice
from creditflow.messages.printing import page_count
from tests.support.compliance_ledger import consumer, pay, rows
from tests.support.dispatch_ledger import (
    END_OF_DAY,
    SEND_TIME,
    action_rows,
    events,
    invoice,
    queued_reminders,
    with_organisation,
)


def test_a_queued_reminder_is_sent_once_by_email_and_lands_on_the_timeline(
    engine, settings, tmp_path
):
    settings = with_organisation(settings)
    [queued] = queued_reminders(engine, settings, tmp_path)
    assert (queued["channel"], queued["template"]) == ("email", "reminder")

    report = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)

    assert (report.claimed, report.sent) == (1, 1), report.line()
    [action] = action_rows(engine)
    assert action["status"] == "sent"
    assert action["provider"] == "sandbox"
    assert action["provider_message_id"].startswith("sandbox-")
    eml = settings.outbox_dir / "email" / f"{queued['action_id']}.eml"
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["To"] == "c001@example.nl"
    body = message.get_body(("plain",)).get_content()
    assert "412,50" in body
    assert f"{settings.portal_base_url}/p/" in body
    assert "mailto:debiteuren@voorbeeld.nl" in message["List-Unsubscribe"]
    [attempt] = rows(engine, "SELECT attempt, outcome, finished_at FROM delivery_attempt")
    assert (attempt["attempt"], attempt["outcome"]) == (1, "sent")
    assert attempt["finished_at"] is not None
    [sent] = events(engine, "message.")
    assert (sent["kind"], sent["channel"], sent["direction"]) == ("message.sent", "email", "out")

    again = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME + timedelta(hours=1))
    assert again.claimed == 0


def test_nothing_is_sent_before_its_scheduled_time(engine, settings, tmp_path):
    settings = with_organisation(settings)
    queued_reminders(engine, settings, tmp_path)
    early = SEND_TIME.replace(hour=6)
    assert dispatch_due(engine, settings, until=early, now=early).claimed == 0
    assert action_rows(engine)[0]["status"] == "queued"


def test_a_payment_recorded_after_queueing_cancels_the_reminder(engine, settings, tmp_path):
    settings = with_organisation(settings)
    [queued] = queued_reminders(engine, settings, tmp_path)
    pay(
        engine,
        settings,
        tmp_path,
        [
            {
                "payment_id": "P1",
                "amount": "412.50",
                "paid_at": "2026-01-12",
                "invoice_number": "INV-1",
            }
        ],
    )

    report = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)

    assert (report.sent, report.cancelled) == (0, 1)
    [action] = action_rows(engine)
    assert action["status"] == "cancelled"
    assert "paid: INV-1" in action["status_reason"]
    assert not (settings.outbox_dir / "email").exists()
    assert [e["kind"] for e in events(engine, "message.")] == ["message.cancelled"]


def test_a_partly_paid_reminder_is_sent_for_what_is_still_open(engine, settings, tmp_path):
    settings = with_organisation(settings)
    queued_reminders(
        engine,
        settings,
        tmp_path,
        invoices=[invoice("INV-1", amount="100.00"), invoice("INV-2", amount="250.00")],
    )
    pay(
        engine,
        settings,
        tmp_path,
        [
            {
                "payment_id": "P1",
                "amount": "100.00",
                "paid_at": "2026-01-12",
                "invoice_number": "INV-1",
            },
            {
                "payment_id": "P2",
                "amount": "50.00",
                "paid_at": "2026-01-12",
                "invoice_number": "INV-2",
            },
        ],
    )

    report = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)

    assert report.sent == 1
    [action] = action_rows(engine)
    assert action["amount_due_minor"] == 20000
    payload = (
        json.loads(action["payload"]) if isinstance(action["payload"], str) else action["payload"]
    )
    assert payload["recheck"] == {"dropped": ["INV-1"], "amount_due_minor_before": 35000}
    [eml] = (settings.outbox_dir / "email").glob("*.eml")
    body = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    text_part = body.get_body(("plain",)).get_content()
    assert "200,00" in text_part and "INV-2" in text_part
    assert "INV-1" not in text_part


def test_opting_out_of_the_channel_cancels_the_message(engine, settings, tmp_path):
    settings = with_organisation(settings)
    queued_reminders(engine, settings, tmp_path)
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE contact_point SET opted_out = :t WHERE channel = 'email'"), {"t": True}
        )

    report = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)

    assert report.cancelled == 1
    assert action_rows(engine)[0]["status_reason"] == "customer opted out of email"


def test_a_promise_made_after_queueing_cancels_the_reminder(engine, settings, tmp_path):
    settings = with_organisation(settings)
    [queued] = queued_reminders(engine, settings, tmp_path)
    with transaction(engine) as session:
        promise = PromiseToPay(customer_id=queued["customer_id"], promised_date=date(2026, 1, 20))
        session.add(promise)
        session.flush()
        session.execute(
            promise_invoice.insert(),
            [
                {
                    "promise_id": promise.id,
                    "invoice_id": queued["invoice_ids"][0]
                    if isinstance(queued["invoice_ids"], list)
                    else json.loads(queued["invoice_ids"])[0],
                }
            ],
        )

    report = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)

    assert report.cancelled == 1
    assert "promise to pay: INV-1" in action_rows(engine)[0]["status_reason"]


def test_a_customer_on_do_not_contact_gets_nothing(engine, settings, tmp_path):
    settings = with_organisation(settings)
    queued_reminders(engine, settings, tmp_path)
    with engine.begin() as conn:
        conn.execute(text("UPDATE customer SET do_not_contact = 'cease_and_desist'"))
    report = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)
    assert report.cancelled == 1
    assert action_rows(engine)[0]["status_reason"] == "do not contact: cease_and_desist"


def test_a_letter_is_rendered_as_pdf_archived_and_batched_for_the_print_shop(
    engine, settings, tmp_path
):
    settings = with_organisation(settings)
    customers = [
        consumer("C001", email="", preferred_channel=""),
        consumer("C002", email="", name="Piet Jansen"),
    ]
    queued = queued_reminders(
        engine,
        settings,
        tmp_path,
        customers=customers,
        invoices=[invoice("INV-1"), invoice("INV-2", "C002", "99.95")],
    )
    assert [a["channel"] for a in queued] == ["letter", "letter"]

    report = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)
    assert report.sent == 2

    batch = letters_batch(engine, settings.outbox_dir, date(2026, 1, 12))
    assert batch.letters == 2 and batch.pdf_path is not None
    assert page_count(batch.pdf_path.read_bytes()) == batch.pages >= 2
    manifest = batch.manifest_path.read_text().splitlines()
    assert manifest[0].startswith("action_id,customer_id,name")
    assert [line.split(",")[1] for line in manifest[1:]] == ["C001", "C002"]
    assert letters_batch(engine, settings.outbox_dir, date(2026, 1, 13)).letters == 0


def test_a_call_task_gets_a_preparation_sheet_and_is_completed_by_the_collector(
    engine, settings, tmp_path
):
    settings = with_organisation(settings)
    seeded = queued_reminders(engine, settings, tmp_path)
    dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)
    from tests.support.compliance_ledger import run_on

    call_day = date(2026, 1, 23)  # due+18d: the call step for amounts >= 250
    run_on(engine, settings, call_day)
    [task] = rows(engine, "SELECT action_id, kind, channel FROM action WHERE kind = 'task'")
    moment = SEND_TIME + timedelta(days=11)

    report = dispatch_due(engine, settings, until=moment + timedelta(hours=12), now=moment)

    assert report.tasks == 1
    sheet = json.loads((settings.outbox_dir / "tasks" / f"{task['action_id']}.json").read_text())
    assert sheet["customer"]["customer_id"] == "C001"
    assert sheet["open_items"][0]["invoice_number"] == "INV-1"
    assert sheet["open_items"][0]["open_amount"] == "412.50"
    assert any(c["kind"] == "message.sent" for c in sheet["last_contacts"])
    with transaction(engine) as session:
        complete_task(session, task["action_id"], "promise", "pays Friday", moment)
    done = rows(engine, "SELECT status FROM action WHERE action_id = :a", a=task["action_id"])
    assert done == [{"status": "done"}]
    assert [e["kind"] for e in events(engine, "task.")] == ["task.created", "task.done"]
    assert seeded
