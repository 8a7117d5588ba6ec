"""The consent register in the store: opt-outs, consents and inbound "STOP" replies."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from creditflow.compliance.consent import handle_inbound_text, record_consent, record_opt_out
from creditflow.db import transaction
from creditflow.ledger.models import Customer
from tests.support.compliance_ledger import consumer, customer_pk, rows, run_on, seed

AT = datetime(2026, 3, 9, 9, 30, tzinfo=UTC)
MOBILE = {"phone": "+31612345678", "whatsapp": "+31612345678"}


@pytest.fixture
def reminded(engine, settings, tmp_path):
    """C001 prefers SMS and has a reminder queued on it; its primary key is returned."""
    seed(
        engine,
        settings,
        tmp_path,
        [consumer("C001", preferred_channel="sms", **MOBILE)],
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
    assert (action["channel"], action["status"]) == ("sms", "queued")
    return customer_pk(engine, "C001")


def state(engine, pk):
    with transaction(engine) as session:
        opt_out = session.get(Customer, pk).opt_out
    points = rows(
        engine,
        "SELECT channel, opted_out FROM contact_point WHERE customer_id = :pk ORDER BY channel",
        pk=pk,
    )
    return opt_out, {p["channel"]: bool(p["opted_out"]) for p in points}


def test_an_opt_out_is_registered_everywhere_the_run_and_the_auditor_look(engine, reminded):
    with transaction(engine) as session:
        change = record_opt_out(
            session, reminded, "sms", "phone call", "said: no more texts", AT, actor="alice"
        )
    assert change.changed and not change.granted and len(change.cancelled) == 1
    opt_out, points = state(engine, reminded)
    assert opt_out == ["sms"]
    assert points == {
        "email": False,
        "letter": False,
        "sms": True,
        "voice": False,
        "whatsapp": False,
    }
    [consent] = rows(
        engine,
        "SELECT channel, granted, source, evidence FROM consent WHERE customer_id = :pk",
        pk=reminded,
    )
    assert (consent["channel"], consent["source"], consent["evidence"]) == (
        "sms",
        "phone call",
        "said: no more texts",
    )
    assert consent["granted"] in (False, 0)
    [action] = rows(engine, "SELECT status, status_reason FROM action WHERE kind = 'message'")
    assert action == {"status": "cancelled", "status_reason": "opted out"}
    kinds = [
        e["kind"]
        for e in rows(
            engine, "SELECT kind FROM event WHERE customer_id = :pk ORDER BY id", pk=reminded
        )
    ]
    assert kinds[-2:] == ["action.cancelled", "consent.withdrawn"]
    [entry] = rows(engine, "SELECT actor, verb, entity_id FROM audit_log WHERE verb = 'opt_out'")
    assert entry == {"actor": "alice", "verb": "opt_out", "entity_id": "C001"}


def test_a_consent_lifts_the_opt_out_and_is_registered_too(engine, reminded):
    with transaction(engine) as session:
        record_opt_out(session, reminded, "sms", "sms reply", "STOP", AT)
    with transaction(engine) as session:
        again = record_opt_out(session, reminded, "sms", "sms reply", "STOP", AT)
        assert not again.changed
        change = record_consent(session, reminded, "sms", "portal", "ticked the box", AT)
    assert change.changed and change.granted
    opt_out, points = state(engine, reminded)
    assert opt_out == [] and points["sms"] is False
    granted = [r["granted"] for r in rows(engine, "SELECT granted FROM consent ORDER BY id")]
    assert [bool(g) for g in granted] == [False, False, True]


def test_unknown_channels_and_customers_are_refused_by_name(engine, reminded):
    with transaction(engine) as session, pytest.raises(ValueError, match="channel: 'fax'"):
        record_opt_out(session, reminded, "fax", "staff", None, AT)
    with (
        transaction(engine) as session,
        pytest.raises(LookupError, match="customer_pk: no customer"),
    ):
        record_opt_out(session, 999_999, "sms", "staff", None, AT)


@pytest.mark.parametrize(
    ("channel", "text"),
    [
        ("sms", "STOP"),
        ("sms", "Stop met sturen aub"),
        ("email", "Unsubscribe"),
        ("whatsapp", "meld mij af"),
        ("sms", "geen berichten meer graag"),
    ],
)
def test_an_opt_out_reply_in_dutch_or_english_ends_that_channel(engine, reminded, channel, text):
    with transaction(engine) as session:
        assert handle_inbound_text(session, reminded, channel, text, AT) is True
    opt_out, _ = state(engine, reminded)
    assert opt_out == [channel]
    confirmations = rows(
        engine,
        "SELECT channel, kind, template, status, payload FROM action "
        "WHERE template = 'opt_out_confirmation'",
    )
    assert [(c["channel"], c["kind"], c["status"]) for c in confirmations] == [
        (channel, "message", "queued")
    ]
    sms_reminder = rows(engine, "SELECT status FROM action WHERE step = 'reminder1'")
    assert sms_reminder == [{"status": "cancelled" if channel == "sms" else "queued"}]


@pytest.mark.parametrize(
    ("channel", "text"),
    [
        ("sms", "Ik betaal morgen"),
        ("sms", "I will stop by tomorrow"),
        ("voice", "stop"),
        ("letter", "STOP"),
    ],
)
def test_other_replies_and_other_channels_change_nothing(engine, reminded, channel, text):
    with transaction(engine) as session:
        assert handle_inbound_text(session, reminded, channel, text, AT) is False
    assert state(engine, reminded)[0] == []
    assert rows(engine, "SELECT COUNT(*) AS n FROM consent") == [{"n": 0}]
    assert rows(engine, "SELECT status FROM action") == [{"status": "queued"}]
