"""The queues through the real app (TestClient, sign-in, CSRF) on a real database.

Each action is posted as a staff member would, then checked in the store and against
what the next collection run, the dispatcher's claim or the ledger does with it.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from creditflow.arrangements.disputes import open_dispute
from creditflow.arrangements.service import request_plan
from creditflow.config import Settings
from creditflow.db import transaction
from creditflow.dispatch.claim import claim_batch
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.ledger.models import (
    AuditEntry,
    CreditNote,
    Customer,
    Dispute,
    Event,
    Invoice,
    PaymentPlan,
    PlanInstallment,
)
from creditflow.outbox.models import PLAN_REVIEW_STEP, Action
from creditflow.payments.models import StatementEntryRecord
from creditflow.payments.statement_import import import_statement
from creditflow.staff.models import StaffUser
from creditflow.strategy.run import collection_run
from tests.support.payments_statements import Tx, camt053
from tests.support.staff import Clock, add_staff, sign_in, staff_client

CUSTOMERS = """customer_id,name,kind,email,phone,address_line1,postal_code,city
C001,Jan de Vries,consumer,jan@example.nl,0612345678,Dorpsstraat 1,1234 AB,Utrecht
C002,Bakkerij Brood B.V.,business,info@bakkerij.nl,020-1234567,Markt 3,3511 AA,Utrecht
C003,Els Jansen,consumer,els@example.nl,,Kerkweg 2,1000 AA,Amsterdam
"""
INVOICES = """invoice_number,customer_id,issue_date,due_date,amount
INV-1,C001,2026-01-01,2026-02-20,120.00
INV-2,C001,2026-01-05,2026-02-25,80.00
INV-3,C002,2026-01-01,2026-02-01,900.00
INV-4,C003,2026-01-01,2026-02-05,45.00
"""
DAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
MANAGER, COLLECTOR, OTHER, VIEWER = (
    "mira@example.nl",
    "coen@example.nl",
    "olga@example.nl",
    "vera@example.nl",
)


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=5)


@pytest.fixture
def ledger(engine: Engine, settings: Settings, tmp_path: Path) -> Engine:
    """Three customers with overdue invoices; staff of every role; C001 and C002 are Coen's."""
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    (tmp_path / "i.csv").write_text(INVOICES)
    assert import_customers(engine, tmp_path / "c.csv", settings).rejected == 0
    assert import_invoices(engine, tmp_path / "i.csv", settings).rejected == 0
    for email, role in ((MANAGER, "manager"), (COLLECTOR, "collector"), (OTHER, "collector"),
                        (VIEWER, "viewer")):  # fmt: skip
        add_staff(engine, email, role)
    with transaction(engine) as session:
        coen = session.scalars(select(StaffUser.id).where(StaffUser.email == COLLECTOR)).one()
        olga = session.scalars(select(StaffUser.id).where(StaffUser.email == OTHER)).one()
        for customer in session.scalars(select(Customer)):
            customer.collector_id = olga if customer.customer_id == "C003" else coen
    return engine


def client_for(settings: Settings, email: str) -> tuple[Any, str]:
    """A signed-in client and its CSRF value."""
    client = staff_client(settings, Clock(NOW))
    client.headers["Accept-Language"] = "en"
    return client, sign_in(client, email)


def dispute_on(engine: Engine, number: str) -> int:
    with transaction(engine) as session:
        invoice = session.scalars(select(Invoice).where(Invoice.invoice_number == number)).one()
        customer = session.get(Customer, invoice.customer_id)
        assert customer is not None
        return open_dispute(session, customer, invoice, "quality", "broken oven", now=NOW).id


def dunned(engine: Engine, settings: Settings, day: date) -> set[str]:
    """Run collection for `day`; the invoice numbers it queued a message or call about."""
    result = collection_run(engine, settings, day, now=at(day))
    numbers: set[str] = set()
    with transaction(engine) as session:
        for kind, invoices in session.execute(
            select(Action.kind, Action.invoice_numbers).where(
                Action.run_id == result.run_id, Action.status == "queued"
            )
        ):
            if kind in ("message", "task"):
                numbers |= set(invoices or [])
    return numbers


def plan_request(engine: Engine, settings: Settings, customer_id: str, months: int) -> int:
    with transaction(engine) as session:
        customer = session.scalars(
            select(Customer).where(Customer.customer_id == customer_id)
        ).one()
        outcome = request_plan(
            session, customer, months, today=DAY, now=NOW, policy=settings.portal
        )
        assert not outcome.approved and outcome.review_action is not None
        return outcome.review_action.id


def audited(engine: Engine, verb: str) -> list[AuditEntry]:
    with transaction(engine) as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.verb == verb)).all()
        session.expunge_all()
        return list(rows)


# --- disputes ---------------------------------------------------------------------


def test_a_dispute_rejected_is_dunned_again_at_the_next_run(ledger, settings):
    dispute_id = dispute_on(ledger, "INV-3")
    assert "INV-3" not in dunned(ledger, settings, DAY)
    client, csrf = client_for(settings, MANAGER)
    page = client.get("/workbench/queues/disputes")
    assert page.status_code == 200 and "INV-3" in page.text and "broken oven" in page.text

    response = client.post(
        f"/workbench/queues/disputes/{dispute_id}/resolve",
        data={"csrf_token": csrf, "outcome": "rejected", "note": "oven was fine"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith("/workbench/queues/disputes?")
    with transaction(ledger) as session:
        dispute = session.get(Dispute, dispute_id)
        invoice = session.scalars(select(Invoice).where(Invoice.invoice_number == "INV-3")).one()
        assert dispute is not None and dispute.status == "rejected" and dispute.closed_at
        assert invoice.status == "open" and invoice.open_minor == 90_000
        task = session.scalars(select(Action).where(Action.step == "dispute_review")).one()
        assert task.status == "done"
        kinds = set(
            session.scalars(select(Event.kind).where(Event.customer_id == invoice.customer_id))
        )
        assert "dispute.rejected" in kinds
    (entry,) = audited(ledger, "dispute.resolve")
    assert entry.actor == f"user:{MANAGER}" and entry.details["outcome"] == "rejected"

    next_day = DAY + timedelta(days=1)
    assert "INV-3" in dunned(ledger, settings, next_day)
    assert "INV-3" not in client.get("/workbench/queues/disputes").text


def test_a_dispute_resolved_with_a_credit_note_settles_the_invoice(ledger, settings):
    dispute_id = dispute_on(ledger, "INV-4")
    client, csrf = client_for(settings, MANAGER)
    response = client.post(
        f"/workbench/queues/disputes/{dispute_id}/resolve",
        data={"csrf_token": csrf, "outcome": "credit_note", "note": ""},
    )
    assert response.status_code == 200 and "the invoice is credited" in response.text
    with transaction(ledger) as session:
        invoice = session.scalars(select(Invoice).where(Invoice.invoice_number == "INV-4")).one()
        note = session.scalars(select(CreditNote)).one()
        assert (invoice.status, invoice.open_minor) == ("paid", 0)
        assert (note.invoice_id, note.amount_minor, note.applied_minor) == (invoice.id, 4500, 4500)
        assert note.source == "dispute"


def test_a_justified_dispute_writes_the_invoice_off_and_it_is_not_dunned(ledger, settings):
    dispute_id = dispute_on(ledger, "INV-4")
    client, csrf = client_for(settings, MANAGER)
    client.post(
        f"/workbench/queues/disputes/{dispute_id}/resolve",
        data={"csrf_token": csrf, "outcome": "justified", "note": "wrong address"},
    )
    with transaction(ledger) as session:
        invoice = session.scalars(select(Invoice).where(Invoice.invoice_number == "INV-4")).one()
        assert invoice.status == "written_off"
        assert session.get(Dispute, dispute_id).status == "resolved"  # type: ignore[union-attr]
    assert "INV-4" not in dunned(ledger, settings, DAY)


def test_an_unknown_outcome_changes_nothing_and_says_so(ledger, settings):
    dispute_id = dispute_on(ledger, "INV-4")
    client, csrf = client_for(settings, MANAGER)
    response = client.post(
        f"/workbench/queues/disputes/{dispute_id}/resolve",
        data={"csrf_token": csrf, "outcome": "forgiven", "back": "https://evil.example/x"},
        follow_redirects=False,
    )
    assert response.headers["location"].startswith("/workbench/queues/disputes?")
    with transaction(ledger) as session:
        assert session.get(Dispute, dispute_id).status == "open"  # type: ignore[union-attr]


def test_the_evidence_of_a_dispute_downloads_and_only_within_the_portfolio(ledger, settings):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    with transaction(ledger) as session:
        invoice = session.scalars(select(Invoice).where(Invoice.invoice_number == "INV-3")).one()
        customer = session.get(Customer, invoice.customer_id)
        assert customer is not None
        dispute = open_dispute(session, customer, invoice, "quality", "see photo", now=NOW,
                               attachment=("oven.png", png))  # fmt: skip
        dispute_id = dispute.id
    client, _ = client_for(settings, COLLECTOR)
    page = client.get("/workbench/queues/disputes").text
    link = re.search(rf'href="(/workbench/queues/disputes/{dispute_id}/attachments/\d+)"', page)
    assert link is not None
    download = client.get(link.group(1))
    assert download.status_code == 200 and download.content == png
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["content-type"] == "image/png"
    other, _ = client_for(settings, OTHER)
    assert other.get(link.group(1)).status_code == 403


def test_a_collector_cannot_resolve_a_dispute(ledger, settings):
    dispute_id = dispute_on(ledger, "INV-3")  # C002 is in Coen's portfolio
    client, csrf = client_for(settings, COLLECTOR)
    assert "INV-3" in client.get("/workbench/queues/disputes").text
    response = client.post(
        f"/workbench/queues/disputes/{dispute_id}/resolve",
        data={"csrf_token": csrf, "outcome": "rejected"},
    )
    assert response.status_code == 403
    with transaction(ledger) as session:
        assert session.get(Dispute, dispute_id).status == "open"  # type: ignore[union-attr]


def test_a_collector_sees_only_the_disputes_of_their_portfolio(ledger, settings):
    dispute_on(ledger, "INV-3")  # Coen's
    dispute_on(ledger, "INV-4")  # Olga's
    client, _ = client_for(settings, OTHER)
    page = client.get("/workbench/queues/disputes").text
    assert "INV-4" in page and "INV-3" not in page
    overview = client.get("/workbench/queues").text
    assert 'href="/workbench/queues/disputes"' in overview


def test_a_viewer_cannot_post_in_any_queue(ledger, settings):
    dispute_id = dispute_on(ledger, "INV-3")
    client, csrf = client_for(settings, VIEWER)
    assert client.get("/workbench/queues/disputes").status_code == 200
    for path, data in (
        (f"/workbench/queues/disputes/{dispute_id}/resolve", {"outcome": "rejected"}),
        ("/workbench/queues/plans/1/decide", {"decision": "approve"}),
        ("/workbench/queues/unmatched/1/match", {"invoice_number": "INV-1"}),
        ("/workbench/queues/outbox/1/hold", {}),
    ):
        assert client.post(path, data={"csrf_token": csrf, **data}).status_code == 403, path


# --- plan requests ----------------------------------------------------------------


def test_an_approved_plan_is_active_and_pauses_the_customer(ledger, settings):
    task_id = plan_request(ledger, settings, "C001", 12)  # beyond the portal's 6 months
    client, csrf = client_for(settings, MANAGER)
    page = client.get("/workbench/queues/plans")
    assert "Jan de Vries" in page.text and "12 months" in page.text
    response = client.post(
        f"/workbench/queues/plans/{task_id}/decide",
        data={"csrf_token": csrf, "decision": "approve", "note": "steady income"},
    )
    assert response.status_code == 200 and "Plan approved" in response.text
    with transaction(ledger) as session:
        plan = session.scalars(select(PaymentPlan)).one()
        rows = session.scalars(
            select(PlanInstallment).where(PlanInstallment.plan_id == plan.id)
        ).all()
        assert plan.status == "active" and plan.total_minor == 20_000
        assert len(rows) == 12 and sum(r.amount_minor for r in rows) == 20_000
        assert session.get(Action, task_id).status == "done"  # type: ignore[union-attr]
    assert audited(ledger, "plan_request.approve")[0].details["plan_id"] == plan.id
    assert not {"INV-1", "INV-2"} & dunned(ledger, settings, DAY + timedelta(days=1))


def test_a_rejected_plan_request_lets_dunning_resume(ledger, settings):
    task_id = plan_request(ledger, settings, "C001", 12)
    assert not {"INV-1", "INV-2"} & dunned(ledger, settings, DAY)
    client, csrf = client_for(settings, MANAGER)
    client.post(
        f"/workbench/queues/plans/{task_id}/decide",
        data={"csrf_token": csrf, "decision": "reject", "note": "too long"},
    )
    with transaction(ledger) as session:
        assert session.scalars(select(PaymentPlan)).first() is None
        assert session.get(Action, task_id).status == "done"  # type: ignore[union-attr]
    next_day = DAY + timedelta(days=1)
    assert {"INV-1", "INV-2"} & dunned(ledger, settings, next_day)


def test_a_collector_cannot_decide_a_plan_request(ledger, settings):
    task_id = plan_request(ledger, settings, "C001", 12)
    client, csrf = client_for(settings, COLLECTOR)
    response = client.post(
        f"/workbench/queues/plans/{task_id}/decide",
        data={"csrf_token": csrf, "decision": "approve"},
    )
    assert response.status_code == 403
    with transaction(ledger) as session:
        assert session.get(Action, task_id).step == PLAN_REVIEW_STEP  # type: ignore[union-attr]
        assert session.scalars(select(PaymentPlan)).first() is None


# --- unmatched payments -----------------------------------------------------------


def unmatched_entry(engine: Engine) -> int:
    data = camt053(Tx("450.00", "Bakkerij Brood", "NL02RABO0300065264", text="half now"))
    import_statement(engine, data, "stmt.xml", NOW)
    with transaction(engine) as session:
        return session.scalars(
            select(StatementEntryRecord.id).where(StatementEntryRecord.status == "unmatched")
        ).one()


def test_an_unmatched_payment_is_matched_in_one_click_on_the_suggestion(ledger, settings):
    entry_id = unmatched_entry(ledger)
    client, csrf = client_for(settings, COLLECTOR)
    page = client.get("/workbench/queues/unmatched").text
    assert "Match to INV-3" in page
    response = client.post(
        f"/workbench/queues/unmatched/{entry_id}/match",
        data={"csrf_token": csrf, "invoice_number": "INV-3"},
    )
    assert response.status_code == 200 and "Payment matched" in response.text
    with transaction(ledger) as session:
        invoice = session.scalars(select(Invoice).where(Invoice.invoice_number == "INV-3")).one()
        assert invoice.open_minor == 45_000
        entry = session.get(StatementEntryRecord, entry_id)
        assert entry is not None and entry.status == "resolved"
    assert audited(ledger, "statement_entry.resolve")[0].actor == f"user:{COLLECTOR}"


def test_a_payment_matched_by_number_for_the_whole_amount_pays_the_invoice(ledger, settings):
    import_statement(ledger, camt053(Tx("45.00", "Iemand", text="zonder kenmerk")), "s.xml", NOW)
    with transaction(ledger) as session:
        entry_id = session.scalars(
            select(StatementEntryRecord.id).where(StatementEntryRecord.status == "unmatched")
        ).one()
    client, csrf = client_for(settings, MANAGER)
    client.post(
        f"/workbench/queues/unmatched/{entry_id}/match",
        data={"csrf_token": csrf, "invoice_number": "INV-4"},
    )
    with transaction(ledger) as session:
        invoice = session.scalars(select(Invoice).where(Invoice.invoice_number == "INV-4")).one()
        assert (invoice.status, invoice.open_minor) == ("paid", 0)


def test_a_collector_cannot_match_a_payment_to_another_portfolio(ledger, settings):
    entry_id = unmatched_entry(ledger)
    client, csrf = client_for(settings, COLLECTOR)
    response = client.post(
        f"/workbench/queues/unmatched/{entry_id}/match",
        data={"csrf_token": csrf, "invoice_number": "INV-4"},  # Olga's customer
    )
    assert "There is no such invoice in your portfolio." in response.text
    with transaction(ledger) as session:
        assert session.get(StatementEntryRecord, entry_id).status == "unmatched"  # type: ignore[union-attr]


# --- outbox -----------------------------------------------------------------------


def queued_reminder(engine: Engine, settings: Settings) -> int:
    collection_run(engine, settings, DAY, now=at(DAY))
    with transaction(engine) as session:
        return session.scalars(
            select(Action.id)
            .join(Customer, Customer.id == Action.customer_id)
            .where(Customer.customer_id == "C001", Action.kind == "message")
        ).one()


def claimable(engine: Engine) -> list[int]:
    with engine.begin() as conn:
        later = NOW + timedelta(days=2)
        ids = claim_batch(conn, "probe", until=later, now=later, limit=100, claim_timeout=300)
        conn.rollback()
        return ids


def test_the_preview_shows_the_message_as_the_debtor_will_see_it(ledger, settings):
    action_pk = queued_reminder(ledger, settings)
    client, _ = client_for(settings, MANAGER)
    unset = client.get(f"/workbench/queues/outbox/{action_pk}").text
    assert "The message cannot be rendered: [organisation] iban is not set" in unset
    org = replace(settings.organisation, iban="NL91ABNA0417164300", name="Installatie BV")
    client, _ = client_for(replace(settings, organisation=org), MANAGER)
    page = client.get(f"/workbench/queues/outbox/{action_pk}").text
    preview = page[page.index('<pre class="message-preview">') :]
    assert "INV-1" in preview and "NL91 ABNA 0417 1643 00" in preview
    assert "/portal/…" in preview or "/pay/…" in preview  # no working signed link


def test_a_held_action_is_not_claimed_until_it_is_released(ledger, settings):
    action_pk = queued_reminder(ledger, settings)
    assert action_pk in claimable(ledger)
    client, csrf = client_for(settings, COLLECTOR)
    assert client.get(f"/workbench/queues/outbox/{action_pk}").status_code == 200
    client.post(f"/workbench/queues/outbox/{action_pk}/hold", data={"csrf_token": csrf})
    assert action_pk not in claimable(ledger)
    assert "held" in client.get("/workbench/queues/outbox?status=held").text
    client.post(f"/workbench/queues/outbox/{action_pk}/release", data={"csrf_token": csrf})
    assert action_pk in claimable(ledger)
    verbs = [e.verb for e in audited(ledger, "action.hold") + audited(ledger, "action.release")]
    assert verbs == ["action.hold", "action.release"]


def test_a_cancelled_action_is_never_sent_and_cannot_be_released(ledger, settings):
    action_pk = queued_reminder(ledger, settings)
    client, csrf = client_for(settings, MANAGER)
    client.post(f"/workbench/queues/outbox/{action_pk}/cancel", data={"csrf_token": csrf})
    response = client.post(
        f"/workbench/queues/outbox/{action_pk}/release", data={"csrf_token": csrf}
    )
    assert "cannot be changed that way" in response.text
    with transaction(ledger) as session:
        assert session.get(Action, action_pk).status == "cancelled"  # type: ignore[union-attr]
    assert action_pk not in claimable(ledger)


def test_a_failed_action_is_retried(ledger, settings):
    action_pk = queued_reminder(ledger, settings)
    with transaction(ledger) as session:
        action = session.get(Action, action_pk)
        assert action is not None
        action.status, action.attempts, action.error = "failed", 5, "smtp 550 mailbox unknown"
    client, csrf = client_for(settings, MANAGER)
    assert "smtp 550" in client.get("/workbench/queues/outbox?status=failed").text
    client.post(
        f"/workbench/queues/outbox/{action_pk}/retry",
        data={"csrf_token": csrf, "back": f"/workbench/queues/outbox/{action_pk}"},
    )
    with transaction(ledger) as session:
        action = session.get(Action, action_pk)
        assert action is not None and (action.status, action.attempts) == ("queued", 0)
    assert action_pk in claimable(ledger)


def test_a_collector_cannot_handle_another_portfolios_action(ledger, settings):
    collection_run(ledger, settings, DAY, now=at(DAY))
    with transaction(ledger) as session:
        action_pk = session.scalars(
            select(Action.id)
            .join(Customer, Customer.id == Action.customer_id)
            .where(Customer.customer_id == "C003")
        ).first()
    assert action_pk is not None
    client, csrf = client_for(settings, COLLECTOR)
    assert client.get(f"/workbench/queues/outbox/{action_pk}").status_code == 403
    response = client.post(f"/workbench/queues/outbox/{action_pk}/hold", data={"csrf_token": csrf})
    assert response.status_code == 403
    assert "Els Jansen" not in client.get("/workbench/queues/outbox").text


def test_the_queue_pages_speak_dutch(ledger, settings):
    dispute_on(ledger, "INV-3")
    client, _ = client_for(settings, MANAGER)
    page = client.get("/workbench/queues", headers={"Accept-Language": "nl"}).text
    assert "Geschillen" in page and "Regelingsverzoeken" in page
    disputes = client.get("/workbench/queues/disputes", headers={"Accept-Language": "nl"}).text
    assert "Geschil afhandelen" in disputes and "Creditnota: crediteer" in disputes
