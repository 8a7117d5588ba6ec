"""Hand-over to a collection agency: dossier to a folder or a real SFTP server, and after."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import paramiko
import pytest
from pypdf import PdfReader

from creditflow.compliance.dossier_delivery import deliver_pending_dossiers
from creditflow.compliance.handover import hand_over, reconcile_handovers
from creditflow.compliance.interest import RateTable, statutory_interest
from creditflow.compliance.models import Handover
from creditflow.config import ConfigError
from creditflow.config.sections import parse_handover
from creditflow.db import transaction
from creditflow.ledger.models import Customer
from creditflow.money import Money
from creditflow.outbox.models import Action
from creditflow.payments.statement_import import import_statement
from tests.support.compliance_ledger import (
    ESCALATION_DUE as DUE,
)
from tests.support.compliance_ledger import (
    consumer,
    customer_pk,
    escalate_to_agency,
    pay,
    rows,
    run_on,
    seed,
)
from tests.support.payments_statements import Tx, camt053
from tests.support.sftp_server import agency_settings, sftp_server

HANDOVER_AT = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)  # a Saturday


@pytest.fixture
def escalated(engine, settings, tmp_path):
    """A consumer who got the 14-day letter (sent 26 January), costs, and now the escalation."""
    return escalate_to_agency(engine, settings, tmp_path)


def _hand_over(engine, settings, subject_action_id=None, pk=None):
    with transaction(engine) as session:
        subject = (
            session.query(Action).filter_by(action_id=subject_action_id).one()
            if subject_action_id
            else pk
        )
        handover = hand_over(session, settings, subject, "Incasso B.V.", HANDOVER_AT, actor="alice")
    deliver_pending_dossiers(engine, settings, HANDOVER_AT, handover_ids=[handover.id])
    return handover.id, handover.dossier_path


def test_the_dossier_holds_the_claim_interest_history_and_the_14_day_letter(
    engine, settings, escalated
):
    handover_id, path = _hand_over(engine, settings, escalated)
    folder = settings.outbox_dir / "handover"
    assert sorted(p.name for p in folder.iterdir()) == [
        "dossier-C001-20260314T100000Z.json",
        "dossier-C001-20260314T100000Z.pdf",
    ]
    assert path == str(folder / "dossier-C001-20260314T100000Z.json")
    dossier = json.loads((folder / "dossier-C001-20260314T100000Z.json").read_text("utf-8"))

    assert dossier["debtor"]["name"] == "Jan de Vries"
    assert dossier["debtor"]["address_line1"] == "Kerkstraat 1"
    interest = statutory_interest(
        Money(Decimal("1000.00"), "EUR"), DUE, date(2026, 3, 14), "consumer", RateTable.load()
    ).total
    assert interest.amount > 0
    [invoice] = dossier["invoices"]
    assert (invoice["invoice_number"], invoice["open_amount"], invoice["interest"]) == (
        "INV-1",
        "1000.00",
        interest.text(),
    )
    assert invoice["interest_kind"] == "consumer"
    assert dossier["totals"] == [
        {
            "currency": "EUR",
            "principal": "1000.00",
            "costs": "150.00",
            "interest": interest.text(),
            "total": (Money(Decimal("1150.00"), "EUR") + interest).text(),
        }
    ]
    [letter] = dossier["legal_notices"]
    assert {
        k: letter[k]
        for k in (
            "legal",
            "channel",
            "decided_on",
            "costs_stated",
            "assumed_delivery",
            "payment_term_ends",
        )
    } == {
        "legal": "wik_notice",
        "channel": "letter",
        "decided_on": "2026-01-26",
        "costs_stated": "150.00",
        "assumed_delivery": "2026-01-28",
        "payment_term_ends": "2026-02-11",
    }
    steps = [a["step"] for a in dossier["contact_history"]["actions"]]
    assert steps == ["nudge", "reminder1", "reminder2", "call", "final_notice", "costs", "handover"]
    assert dossier["charges"][0]["amount"] == "150.00"

    pdf = "".join(
        page.extract_text()
        for page in PdfReader(folder / "dossier-C001-20260314T100000Z.pdf").pages
    )
    for expected in (
        "Jan de Vries",
        "INV-1",
        "Legal notices (14-day letter)",
        "2026-01-28",
        "150.00",
    ):
        assert expected in pdf

    with transaction(engine) as session:
        handover = session.get(Handover, handover_id)
        assert (handover.status, handover.action_id, handover.target) == (
            "handed_over",
            escalated,
            "Incasso B.V.",
        )
        assert session.get(Customer, handover.customer_id).do_not_contact == "handed_over"
    assert rows(engine, "SELECT status FROM action WHERE action_id = :a", a=escalated) == [
        {"status": "done"}
    ]
    [audit] = rows(engine, "SELECT actor FROM audit_log WHERE verb = 'hand_over'")
    assert audit == {"actor": "alice"}


def test_handing_over_twice_returns_the_same_hand_over(engine, settings, escalated):
    first = _hand_over(engine, settings, escalated)
    assert _hand_over(engine, settings, escalated) == first
    assert _hand_over(engine, settings, pk=customer_pk(engine, "C001")) == first
    assert len(list((settings.outbox_dir / "handover").iterdir())) == 2


def test_a_collector_s_hand_over_settles_the_run_s_escalation(engine, settings, escalated):
    first = _hand_over(engine, settings, pk=customer_pk(engine, "C001"))
    [action] = rows(
        engine, "SELECT status, status_reason FROM action WHERE action_id = :a", a=escalated
    )
    assert action == {"status": "cancelled", "status_reason": "do not contact: handed_over"}
    assert _hand_over(engine, settings, escalated) == first


def test_an_escalation_still_queued_after_a_hand_over_is_marked_done_not_repeated(
    engine, settings, escalated
):
    first = _hand_over(engine, settings, pk=customer_pk(engine, "C001"))
    with transaction(engine) as session:  # a worker had claimed it before the collector acted
        session.query(Action).filter_by(action_id=escalated).one().status = "queued"
    assert _hand_over(engine, settings, escalated) == first
    [action] = rows(
        engine, "SELECT status, status_reason FROM action WHERE action_id = :a", a=escalated
    )
    assert action == {
        "status": "done",
        "status_reason": f"already handed over (hand-over {first[0]})",
    }
    assert rows(engine, "SELECT COUNT(*) AS n FROM handover") == [{"n": 1}]


def test_the_run_does_not_dun_a_handed_over_customer(engine, settings, tmp_path, escalated):
    _hand_over(engine, settings, escalated)
    seed(
        engine,
        settings,
        tmp_path,
        [consumer("C001")],
        [
            {
                "invoice_number": "INV-2",
                "customer_id": "C001",
                "issue_date": "2026-02-01",
                "due_date": "2026-03-01",
                "amount": "60.00",
            }
        ],
    )
    result = run_on(engine, settings, date(2026, 3, 16))
    assert result.actions.height == 0
    assert result.skipped.get_column("reason").to_list() == ["do not contact: handed_over"]


def test_a_payment_after_the_hand_over_is_allocated_and_noted_on_it(
    engine, settings, tmp_path, escalated
):
    handover_id, _ = _hand_over(engine, settings, escalated)
    pay(
        engine,
        settings,
        tmp_path,
        [
            {
                "payment_id": "AG-1",
                "amount": "1150.00",
                "paid_at": "2026-03-16",
                "customer_id": "C001",
                "invoice_number": "INV-1",
            }
        ],
    )
    assert rows(engine, "SELECT status, open_minor FROM invoice") == [
        {"status": "paid", "open_minor": 0}
    ]
    assert rows(engine, "SELECT open_minor FROM charge") == [{"open_minor": 0}]
    # recording the payment noted it on the hand-over at once; a later pass adds nothing
    later = datetime(2026, 3, 17, 9, 0, tzinfo=UTC)
    with transaction(engine) as session:
        assert reconcile_handovers(session, later) == []
        handover = session.get(Handover, handover_id)
        assert handover.status == "paid" and handover.closed_on is not None
        assert (
            "payment AG-1 of EUR 1150.00 received, EUR 1000.00 of it on the handed-over invoices"
            in handover.note
        )
        assert session.get(Customer, handover.customer_id).do_not_contact is None


def test_the_dossier_is_uploaded_to_the_agency_sftp_server(
    engine, settings, tmp_path, escalated, monkeypatch
):
    monkeypatch.setenv("AGENCY_SFTP_PASSWORD", "s3cret")
    root = tmp_path / "agency"
    (root / "inbox").mkdir(parents=True)
    with sftp_server(root, "agency", "s3cret") as server:
        _, path = _hand_over(engine, agency_settings(settings, server), escalated)
    assert path == f"sftp://agency@127.0.0.1:{server.port}/inbox/dossier-C001-20260314T100000Z.json"
    assert sorted(p.name for p in (root / "inbox").iterdir()) == [
        "dossier-C001-20260314T100000Z.json",
        "dossier-C001-20260314T100000Z.pdf",
    ]
    dossier = json.loads((root / "inbox" / "dossier-C001-20260314T100000Z.json").read_text("utf-8"))
    assert dossier["invoice_numbers"] == ["INV-1"]
    assert (root / "inbox" / "dossier-C001-20260314T100000Z.pdf").read_bytes().startswith(b"%PDF")


def test_an_sftp_server_with_another_key_gets_nothing_and_the_dossier_stays_pending(
    engine, settings, tmp_path, escalated, monkeypatch
):
    monkeypatch.setenv("AGENCY_SFTP_PASSWORD", "s3cret")
    with pytest.raises(ConfigError, match="host_key or known_hosts"):
        parse_handover({"handover": {"sftp_host": "127.0.0.1", "username": "agency"}})
    impostor = paramiko.RSAKey.generate(2048)
    root = tmp_path / "agency"
    (root / "inbox").mkdir(parents=True)
    with sftp_server(root, "agency", "s3cret") as server:
        wrong = agency_settings(settings, server, host_key=f"ssh-rsa {impostor.get_base64()}")
        handover_id, _ = _hand_over(engine, wrong, escalated)
        again = deliver_pending_dossiers(engine, wrong, HANDOVER_AT)
    assert list((root / "inbox").iterdir()) == []
    assert "host key" in again.pending[handover_id]
    assert rows(engine, "SELECT status FROM handover") == [{"status": "dossier_pending"}]
    with transaction(engine) as session:
        assert session.get(Customer, customer_pk(engine, "C001")).do_not_contact == "handed_over"


def test_dossier_pdf_is_deterministic_for_the_same_data():
    from creditflow.compliance.dossier import dossier_pdf

    data = {
        "debtor": {
            "customer_id": "C9",
            "name": "A",
            "kind": "consumer",
            "address_line1": None,
            "address_line2": None,
            "postal_code": None,
            "city": None,
            "country": "NL",
            "contact_points": [],
        },
        "creditor": {
            "name": "Crediteur",
            "address_line1": "",
            "postal_code": "",
            "city": "",
            "iban": "",
        },
        "target": "agency",
        "created_at": "2026-01-01T00:00:00+00:00",
        "as_of": "2026-01-01",
        "totals": [],
        "invoices": [],
        "charges": [],
        "legal_notices": [],
        "payments": [],
        "contact_history": {"actions": [], "events": []},
    }
    first = dossier_pdf(data)
    assert first == dossier_pdf(data)
    assert "Dossier C9: hand-over to agency" in PdfReader(io.BytesIO(first)).pages[0].extract_text()


def test_a_bank_transfer_after_the_hand_over_is_noted_on_it_by_the_statement_import(
    engine, settings, escalated
):
    handover_id, _ = _hand_over(engine, settings, escalated)
    summary = import_statement(
        engine,
        camt053(
            Tx("400.00", "Jan de Vries", "NL91ABNA0417164300", text="INV-1", booked="2026-03-16")
        ),
        "statement.xml",
        datetime(2026, 3, 17, 7, 0, tzinfo=UTC),
    )
    assert summary.exit_code == 0
    [noted] = rows(engine, "SELECT summary FROM event WHERE kind = 'handover.payment'")
    # the collection costs (150.00) are paid first, the rest goes to the invoice
    assert "EUR 400.00 received, EUR 250.00 of it on the handed-over invoices" in noted["summary"]
    with transaction(engine) as session:
        handover = session.get(Handover, handover_id)
        assert handover.status == "handed_over"
        assert "EUR 400.00 received" in handover.note
