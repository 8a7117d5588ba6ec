"""GDPR: export everything about one debtor; pseudonymise them and keep the books."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest

from creditflow.compliance.gdpr import export_customer, forget_customer, pseudonym, scrub_text
from creditflow.compliance.service import set_do_not_contact
from creditflow.db import transaction
from creditflow.inbound.models import ConversationMessage
from creditflow.ledger.models import Customer, Dispute
from creditflow.ledger.service import add_event
from creditflow.portal.models import Feedback
from tests.support.compliance_ledger import consumer, customer_pk, pay, rows, run_on, seed

AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
PERSONAL = ("Jan de Vries", "Kerkstraat 1", "NL91ABNA0417164300", "c001@example.nl", "+31612345678")


@pytest.fixture
def debtor(engine, settings, tmp_path):
    """C001 with two invoices (one paid), a queued reminder, a chat, feedback and a dispute."""
    seed(
        engine,
        settings,
        tmp_path,
        [
            consumer("C001", phone="+31612345678", whatsapp="+31612345678"),
            consumer("C002", name="Piet Bos"),
        ],
        [
            {
                "invoice_number": "INV-1",
                "customer_id": "C001",
                "issue_date": "2026-02-01",
                "due_date": "2026-03-02",
                "amount": "80.00",
            },
            {
                "invoice_number": "INV-2",
                "customer_id": "C001",
                "issue_date": "2026-02-01",
                "due_date": "2026-03-20",
                "amount": "25.00",
            },
            {
                "invoice_number": "INV-3",
                "customer_id": "C002",
                "issue_date": "2026-02-01",
                "due_date": "2026-03-02",
                "amount": "30.00",
            },
        ],
    )
    pay(
        engine,
        settings,
        tmp_path,
        [
            {
                "payment_id": "P1",
                "amount": "25.00",
                "paid_at": "2026-03-05",
                "customer_id": "C001",
                "invoice_number": "INV-2",
            }
        ],
    )
    run_on(engine, settings, date(2026, 3, 9))
    pk = customer_pk(engine, "C001")
    with transaction(engine) as session:
        session.add(
            ConversationMessage(
                customer_id=pk,
                channel="whatsapp",
                direction="in",
                sender="+31612345678",
                text="Dit is Jan de Vries, bel me op 06-12345678",
                created_at=AT,
            )
        )
        session.add(
            Feedback(customer_id=pk, score=2, comment="Jan hier, te veel berichten", created_at=AT)
        )
        invoice_id = rows(engine, "SELECT id FROM invoice WHERE invoice_number = 'INV-1'")[0]["id"]
        session.add(
            Dispute(
                customer_id=pk,
                invoice_id=invoice_id,
                reason="wrong_amount",
                text="Mail me at c001@example.nl",
                status="rejected",
                opened_at=AT,
            )
        )
        add_event(
            session,
            pk,
            "message.received",
            "reply from c001@example.nl (Jan de Vries)",
            channel="email",
            direction="in",
            data={"from": "c001@example.nl", "n": 1},
        )
    return pk


def test_an_export_holds_everything_about_the_debtor_and_is_audited(engine, debtor):
    with transaction(engine) as session:
        data = export_customer(session, debtor, "alice")
    assert data["customer"]["name"] == "Jan de Vries"
    assert data["customer"]["iban"] == "NL91ABNA0417164300"
    assert {p["channel"] for p in data["contact_points"]} == {
        "email",
        "sms",
        "voice",
        "whatsapp",
        "letter",
    }
    assert [i["invoice_number"] for i in data["invoices"]] == ["INV-1", "INV-2"]
    assert data["invoices"][0]["amount"] == "80.00"
    assert [p["payment_id"] for p in data["payments"]] == ["P1"]
    assert [a["amount"] for a in data["allocations"]] == ["25.00"]
    assert [a["step"] for a in data["actions"]] == ["reminder1"]
    assert data["conversation_messages"][0]["text"].startswith("Dit is Jan de Vries")
    assert data["feedback"][0]["comment"] == "Jan hier, te veel berichten"
    assert data["disputes"][0]["text"] == "Mail me at c001@example.nl"
    for section in (
        "consents",
        "charges",
        "promises",
        "payment_plans",
        "events",
        "handovers",
        "payment_requests",
        "statement_entries",
        "dispute_attachments",
        "delivery_attempts",
    ):
        assert section in data
    assert "Piet Bos" not in json.dumps(data)  # only this debtor's data
    [entry] = rows(engine, "SELECT actor, verb, entity_id FROM audit_log WHERE verb = 'export'")
    assert entry == {"actor": "alice", "verb": "export", "entity_id": "C001"}


def test_forgetting_pseudonymises_personal_data_and_keeps_the_books(engine, settings, debtor):
    books = "SELECT invoice_number, amount_minor, open_minor, status FROM invoice ORDER BY id"
    money = "SELECT payment_id, amount_minor FROM payment ORDER BY id"
    before = rows(engine, books), rows(engine, money), rows(engine, "SELECT * FROM allocation")
    with transaction(engine) as session:
        report = forget_customer(session, settings, debtor, "alice", AT)
    assert re.fullmatch(r"pseudonymised [0-9a-f]{12}", report.pseudonym)
    assert (
        rows(engine, books),
        rows(engine, money),
        rows(engine, "SELECT * FROM allocation"),
    ) == before
    assert report.removed["contact_points"] == 5 and report.removed["conversation_messages"] == 1

    with transaction(engine) as session:
        customer = session.get(Customer, debtor)
        assert (customer.name, customer.do_not_contact) == (report.pseudonym, "erased")
        assert (customer.address_line1, customer.postal_code, customer.city, customer.iban) == (
            None,
        ) * 4
        assert customer.pseudonymised_at is not None
        exported = json.dumps(export_customer(session, debtor, "alice"))
    for value in PERSONAL:
        assert value.lower() not in exported.lower(), value
    assert "06-12345678" not in exported
    assert rows(
        engine, "SELECT step, status, status_reason FROM action WHERE customer_id = :pk", pk=debtor
    ) == [{"step": "reminder1", "status": "cancelled", "status_reason": "do not contact: erased"}]
    [erase] = rows(engine, "SELECT actor, entity_id FROM audit_log WHERE verb = 'erase'")
    assert erase == {"actor": "alice", "entity_id": "C001"}
    assert rows(engine, "SELECT name FROM customer WHERE customer_id = 'C002'") == [
        {"name": "Piet Bos"}
    ]


def test_a_forgotten_customer_is_never_contacted_again(engine, settings, debtor):
    with transaction(engine) as session:
        forget_customer(session, settings, debtor, "alice", AT)
    later = run_on(engine, settings, date(2026, 3, 16))
    assert later.actions.get_column("customer_id").to_list() == ["C002"]
    assert later.skipped.get_column("reason").to_list() == ["do not contact: erased"]
    with transaction(engine) as session, pytest.raises(ValueError, match="never contacted again"):
        set_do_not_contact(session, debtor, None, "please", "bob", now=AT)


def test_the_pseudonym_is_keyed_and_stable():
    assert pseudonym("C001", "k1") == pseudonym("C001", "k1")
    assert pseudonym("C001", "k1") != pseudonym("C001", "k2")
    assert pseudonym("C001", "k1") != pseudonym("C002", "k1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("reply from jan@example.nl", "reply from [removed]"),
        ("call +31 6 1234 5678 today", "call [removed] today"),
        ("bel 06-12345678", "bel [removed]"),
        ("JAN DE VRIES paid", "[removed] paid"),
        ("payment EUR 412.50 received (import)", "payment EUR 412.50 received (import)"),
        ("invoice INV-0012345678 paid", "invoice INV-0012345678 paid"),
    ],
)
def test_scrub_text_removes_contact_details_and_known_values_only(text, expected):
    assert scrub_text(text, ["Jan de Vries"]) == expected
