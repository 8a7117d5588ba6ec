"""Dispatch against real peers on loopback: an aiosmtpd server and the Twilio emulator,
with Twilio's signed status callbacks posted to the running web app."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from creditflow.config.sections import DispatchPolicy
from creditflow.dispatch.worker import dispatch_due
from tests.support.compliance_ledger import consumer, rows
from tests.support.dispatch_ledger import (
    END_OF_DAY,
    SEND_TIME,
    action_rows,
    events,
    queued_reminders,
    running_app,
    with_organisation,
)
from tests.support.smtp_server import free_port, running_smtp_server
from tests.support.twilio_emulator import TwilioEmulator, running_twilio_emulator

MOBILE = "+31612345678"


def email_and_sms_only(customer_id: str = "C001"):
    """A consumer reachable by e-mail and SMS only (no postal address)."""
    return consumer(customer_id, phone=MOBILE, address_line1="", postal_code="", city="")


@pytest.fixture
def smtp_server():
    with running_smtp_server() as server:
        yield server


def smtp_channel(server) -> dict:
    return {
        "provider": "smtp",
        "host": server.host,
        "port": server.port,
        "security": "none",
        "from_addr": "Voorbeeld B.V. <debiteuren@voorbeeld.nl>",
    }


def twilio_channel(server) -> dict:
    return {
        "provider": "twilio",
        "account_sid": server.emulator.account_sid,
        "auth_token": server.emulator.auth_token,
        "from_number": "+3197010000000",
        "base_url": server.base_url,
    }


def test_the_reminder_arrives_over_smtp_with_both_parts_pay_link_and_unsubscribe_headers(
    engine, settings, tmp_path, smtp_server
):
    settings = replace(
        with_organisation(settings, email=smtp_channel(smtp_server)),
        portal_base_url="https://mijn.voorbeeld.nl",
    )
    [queued] = queued_reminders(engine, settings, tmp_path)

    report = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)

    assert report.sent == 1, report.line()
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == ("c001@example.nl",)
    message = mail.message()
    assert queued["action_id"] in message["Message-ID"]
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "https://mijn.voorbeeld.nl/p/" in plain and "https://mijn.voorbeeld.nl/p/" in html
    assert "412,50" in plain
    unsubscribe = message["List-Unsubscribe"]
    assert "<https://mijn.voorbeeld.nl/portal/" in unsubscribe and "/preferences>" in unsubscribe
    assert "mailto:debiteuren@voorbeeld.nl" in unsubscribe
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    [action] = action_rows(engine)
    assert (action["status"], action["provider"]) == ("sent", "smtp")
    assert action["provider_message_id"] == message["Message-ID"]


def test_an_unknown_mailbox_marks_the_address_invalid_and_fails_over_to_sms(
    engine, settings, tmp_path, smtp_server
):
    settings = with_organisation(settings, email=smtp_channel(smtp_server))
    queued_reminders(engine, settings, tmp_path, customers=[email_and_sms_only()])
    smtp_server.refuse("c001@example.nl", "550 5.1.1 no such user")

    report = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)

    assert (report.failed_over, report.sent) == (1, 1), report.line()
    [action] = action_rows(engine)
    assert (action["channel"], action["status"]) == ("sms", "sent")
    [point] = rows(engine, "SELECT valid, invalid_reason FROM contact_point WHERE channel='email'")
    assert not point["valid"] and "550" in point["invalid_reason"]
    kinds = [e["kind"] for e in events(engine) if e["kind"].startswith(("message.", "contact."))]
    assert kinds == ["contact.invalid", "message.failover", "message.sent"]
    assert smtp_server.messages == []


def test_a_mail_server_down_for_good_is_retried_then_failed_over_to_the_next_channel(
    engine, settings, tmp_path, smtp_server
):
    settings = with_organisation(settings, email=smtp_channel(smtp_server))
    settings = replace(settings, dispatch=DispatchPolicy(max_attempts=2, retry_jitter=0))
    queued_reminders(engine, settings, tmp_path, customers=[email_and_sms_only()])
    smtp_server.stop()

    first = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)
    assert (first.retried, first.sent) == (1, 0)
    [action] = action_rows(engine)
    assert (action["channel"], action["status"], action["attempts"]) == ("email", "queued", 1)
    too_soon = dispatch_due(
        engine, settings, until=END_OF_DAY, now=SEND_TIME + timedelta(seconds=30)
    )
    assert too_soon.claimed == 0

    second = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME + timedelta(minutes=2))

    assert (second.failed_over, second.sent) == (1, 1), second.line()
    [action] = action_rows(engine)
    assert (action["channel"], action["status"]) == ("sms", "sent")
    outcomes = rows(engine, "SELECT channel, outcome FROM delivery_attempt ORDER BY id")
    assert [(o["channel"], o["outcome"]) for o in outcomes] == [
        ("email", "transient_failure"),
        ("email", "transient_failure"),
        ("sms", "sent"),
    ]
    assert len(list((settings.outbox_dir / "sms").glob("*.json"))) == 1


def test_twilio_500s_are_retried_with_backoff_and_the_sms_is_sent_once(engine, settings, tmp_path):
    with running_twilio_emulator() as twilio:
        settings = with_organisation(settings, sms=twilio_channel(twilio))
        settings = replace(settings, dispatch=DispatchPolicy(retry_jitter=0))
        queued_reminders(
            engine,
            settings,
            tmp_path,
            customers=[consumer("C001", phone=MOBILE, preferred_channel="sms")],
        )
        twilio.emulator.fail_next(2)

        moments = [SEND_TIME, SEND_TIME + timedelta(seconds=61), SEND_TIME + timedelta(seconds=185)]
        reports = [dispatch_due(engine, settings, until=END_OF_DAY, now=m) for m in moments]

        assert [(r.retried, r.sent) for r in reports] == [(1, 0), (1, 0), (0, 1)]
        assert len(twilio.emulator.requests) == 3
        [action] = action_rows(engine)
        assert (action["status"], action["attempts"]) == ("sent", 3)
        assert action["provider_message_id"].startswith("SM")
        assert [e["kind"] for e in events(engine, "message.")] == [
            "message.retry",
            "message.retry",
            "message.sent",
        ]


def test_signed_status_callbacks_mark_the_sms_delivered_or_the_number_invalid(
    engine, settings, tmp_path
):
    emulator = TwilioEmulator(undeliverable={"+31687654321"})
    with running_twilio_emulator(emulator) as twilio:
        base = f"http://127.0.0.1:{free_port()}"
        settings = replace(
            with_organisation(settings, sms=twilio_channel(twilio)),
            portal_base_url=base,
            providers={"twilio": {"auth_token": emulator.auth_token}},
        )
        queued_reminders(
            engine,
            settings,
            tmp_path,
            customers=[
                consumer("C001", phone=MOBILE, preferred_channel="sms"),
                consumer("C002", phone="+31687654321", preferred_channel="sms"),
            ],
            invoices=[
                {
                    "invoice_number": "INV-1",
                    "customer_id": "C001",
                    "issue_date": "2025-12-22",
                    "due_date": "2026-01-05",
                    "amount": "412.50",
                },
                {
                    "invoice_number": "INV-2",
                    "customer_id": "C002",
                    "issue_date": "2025-12-22",
                    "due_date": "2026-01-05",
                    "amount": "99.00",
                },
            ],
        )
        with running_app(settings):
            report = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)
            assert report.sent == 2, report.line()
            callbacks = emulator.wait_for_callbacks(6, timeout=10)

        assert {c.response_status for c in callbacks} == {204}
        by_customer = {
            r["customer_id"]: r
            for r in rows(
                engine,
                "SELECT c.customer_id, a.status, a.channel FROM action a "
                "JOIN customer c ON c.id = a.customer_id",
            )
        }
        assert by_customer["C001"]["status"] == "delivered"
        assert by_customer["C002"]["channel"] != "sms"  # failed over to e-mail or letter
        assert by_customer["C002"]["status"] == "queued"
        # 30003 (handset unreachable) may pass: the number itself stays valid
        [point] = rows(
            engine,
            "SELECT address, valid FROM contact_point WHERE channel = 'sms' "
            "AND address = '+31687654321'",
        )
        assert point["valid"]
        kinds = [e["kind"] for e in events(engine, "message.")]
        assert "message.delivered" in kinds and "message.undelivered" in kinds
