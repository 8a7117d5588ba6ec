"""A claimed batch goes out in phases: every attempt on record before the first send,
SMS concurrently through the Twilio emulator, all outcomes recorded together."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from creditflow.channels.base import OutboundMessage, SendResult
from creditflow.channels.registry import build_adapters
from creditflow.channels.sandbox import SandboxAdapter
from creditflow.channels.twilio import TwilioMessagingAdapter
from creditflow.dispatch.claim import claim_batch, confirm_claims
from creditflow.dispatch.worker import dispatch_due
from tests.support.compliance_ledger import consumer, rows
from tests.support.dispatch_ledger import (
    END_OF_DAY,
    SEND_TIME,
    action_rows,
    events,
    invoice,
    queued_reminders,
    with_organisation,
)
from tests.support.twilio_emulator import running_twilio_emulator

MOBILE = "+31612345678"


def customers(count: int, **fields):
    return [consumer(f"C{i:03d}", **fields) for i in range(count)]


def invoices(count: int):
    return [invoice(f"INV-{i}", f"C{i:03d}") for i in range(count)]


class AttemptCheckingSandbox(SandboxAdapter):
    """The e-mail sandbox that, at every send, reads which attempts are committed."""

    def __init__(self, outbox, engine) -> None:
        super().__init__("email", outbox)
        self.engine = engine
        self.seen: list[tuple[str, set[str]]] = []

    def send(self, message: OutboundMessage) -> SendResult:
        with self.engine.connect() as conn:
            on_record = {
                r[0]
                for r in conn.execute(
                    text("SELECT action_id FROM delivery_attempt WHERE finished_at IS NULL")
                )
            }
        self.seen.append((message.action_id, on_record))
        return super().send(message)


def test_every_attempt_of_the_batch_is_committed_before_the_first_send(engine, settings, tmp_path):
    settings = with_organisation(settings)
    queued = queued_reminders(
        engine, settings, tmp_path, customers=customers(6), invoices=invoices(6)
    )
    adapters = build_adapters({}, settings.outbox_dir)
    checking = AttemptCheckingSandbox(settings.outbox_dir, engine)
    adapters["email"] = checking

    report = dispatch_due(
        engine, settings, until=END_OF_DAY, now=SEND_TIME, adapters=adapters, batch_size=3
    )

    assert report.sent == 6
    batches = [{a["action_id"] for a in queued[:3]}, {a["action_id"] for a in queued[3:]}]
    for index, (action_id, on_record) in enumerate(checking.seen):
        batch = batches[index // 3]
        assert action_id in batch
        assert on_record == batch, "the whole batch is on record, and only the batch"
    attempts = rows(engine, "SELECT outcome, finished_at FROM delivery_attempt")
    assert len(attempts) == 6
    assert all(a["outcome"] == "sent" and a["finished_at"] is not None for a in attempts)
    assert [e["kind"] for e in events(engine, "message.")] == ["message.sent"] * 6


class NoSingleSends(TwilioMessagingAdapter):
    """The Twilio SMS adapter that refuses one-by-one sends: batches must go concurrently."""

    def send(self, message: OutboundMessage) -> SendResult:
        raise AssertionError(f"{message.action_id} was sent one by one")


def test_an_sms_batch_goes_concurrently_and_a_500_is_retried_for_that_message_only(
    engine, settings, tmp_path
):
    with running_twilio_emulator() as twilio:
        settings = with_organisation(settings)
        queued_reminders(
            engine,
            settings,
            tmp_path,
            customers=customers(5, phone=MOBILE, preferred_channel="sms"),
            invoices=invoices(5),
        )
        adapters = build_adapters({}, settings.outbox_dir)
        emulator = twilio.emulator
        adapters["sms"] = NoSingleSends(
            emulator.account_sid, emulator.auth_token, "+3197010000000", twilio.base_url
        )
        emulator.fail_next(1)

        report = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME, adapters=adapters)

    assert (report.claimed, report.sent, report.retried) == (5, 4, 1)
    assert len(emulator.requests) == 5
    states = sorted((a["status"], a["attempts"]) for a in action_rows(engine))
    assert states == [("queued", 1)] + [("sent", 1)] * 4
    retry = [a for a in action_rows(engine) if a["status"] == "queued"][0]
    assert retry["next_attempt_at"] is not None
    sent_ids = [a["provider_message_id"] for a in action_rows(engine) if a["status"] == "sent"]
    assert all(sid.startswith("SM") for sid in sent_ids) and len(set(sent_ids)) == 4
    outcomes = sorted(r["outcome"] for r in rows(engine, "SELECT outcome FROM delivery_attempt"))
    assert outcomes == ["sent"] * 4 + ["transient_failure"]


def test_confirming_a_batch_keeps_only_the_claims_this_worker_still_holds(
    engine, settings, tmp_path
):
    settings = with_organisation(settings)
    queued_reminders(engine, settings, tmp_path, customers=customers(3), invoices=invoices(3))
    with engine.begin() as conn:
        ids = claim_batch(conn, "w1", until=END_OF_DAY, now=SEND_TIME, limit=10, claim_timeout=60)
    assert len(ids) == 3
    with engine.begin() as conn:  # the first claim went stale and another worker took it
        conn.execute(text("UPDATE action SET claimed_by = 'w2' WHERE id = :id"), {"id": ids[0]})

    with engine.begin() as conn:
        held = confirm_claims(conn, ids, "w1", SEND_TIME + timedelta(seconds=1))

    assert held == {ids[1]: 1, ids[2]: 1}
    attempts = {r["id"]: r["attempts"] for r in rows(engine, "SELECT id, attempts FROM action")}
    assert attempts == {ids[0]: 0, ids[1]: 1, ids[2]: 1}
