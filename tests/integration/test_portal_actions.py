"""Each portal action through the real app (TestClient, CSRF), checked in the ledger store."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from creditflow.arrangements.models import DisputeAttachment
from creditflow.config import Settings
from creditflow.config.sections import PortalPolicy
from creditflow.db import transaction
from creditflow.ledger.models import (
    Consent,
    Customer,
    Dispute,
    Event,
    Invoice,
    PaymentPlan,
    PlanInstallment,
    PromiseToPay,
)
from creditflow.outbox.models import Action
from creditflow.portal.models import Feedback
from tests.support.portal_data import (
    NOW,
    actions_of,
    add_customer,
    add_invoice,
    csrf_of,
    make_client,
    portal_token,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def account(engine: Engine, settings: Settings) -> dict[str, Any]:
    """Customer C001 (Dutch, e-mail and phone) with two overdue invoices and a queued reminder."""
    with transaction(engine) as session:
        customer = add_customer(session, "C001", email="jan@example.nl", phone="+31612345678")
        first = add_invoice(session, customer, "INV-1001", 12_000, date(2026, 2, 1))
        second = add_invoice(session, customer, "INV-1002", 18_050, date(2026, 2, 10))
        session.add(
            Action(
                action_id="reminder-1",
                customer_id=customer.id,
                kind="message",
                channel="email",
                step="reminder1",
                level=2,
                strategy="consumers",
                template="reminder",
                language="nl",
                tone="friendly",
                invoice_numbers=["INV-1001", "INV-1002"],
                invoice_ids=[first.id, second.id],
                amount_due_minor=30_050,
                currency="EUR",
                decided_on=NOW.date(),
                scheduled_at=NOW,
                timezone="Europe/Amsterdam",
                status="queued",
            )
        )
        pk = customer.id
    return {"pk": pk, "token": portal_token(engine, settings, "C001")}


@pytest.fixture
def client(settings: Settings, engine: Engine) -> TestClient:
    """The app with the clock at 2 March 2026."""
    return make_client(settings)


def _page(client: TestClient, token: str, lang: str = "") -> tuple[str, str]:
    response = client.get(f"/portal/{token}" + (f"?lang={lang}" if lang else ""))
    assert response.status_code == 200, response.text
    return response.text, csrf_of(response.text)


def test_the_page_lists_open_invoices_in_the_customers_language(client, account):
    html, _ = _page(client, account["token"])
    assert '<html lang="nl">' in html
    assert "INV-1001" in html and "INV-1002" in html
    assert "€\xa0300,50" in html  # the total, Dutch formatting
    assert "Nu betalen" in html and 'href="/p/' in html
    english, _ = _page(client, account["token"], "en")
    assert '<html lang="en">' in english and "Pay now" in english and "€300.50" in english


def test_a_promise_within_policy_pauses_the_invoices_and_confirms(client, engine, account):
    _, csrf = _page(client, account["token"])
    response = client.post(
        f"/portal/{account['token']}/promise",
        data={"promised_date": "2026-03-10", "csrf_token": csrf},
    )
    assert response.status_code == 200
    assert "10 maart 2026" in response.text
    with transaction(engine) as session:
        promise = session.scalars(select(PromiseToPay)).one()
        assert (promise.promised_date, promise.status, promise.source) == (
            date(2026, 3, 10),
            "active",
            "portal",
        )
    actions = {a["step"]: a for a in actions_of(engine, account["pk"])}
    assert actions["reminder1"]["status"] == "cancelled"
    confirmation = actions["promise_confirmation"]
    assert (confirmation["kind"], confirmation["template"], confirmation["status"]) == (
        "message",
        "promise_confirmation",
        "queued",
    )
    assert confirmation["payload"]["promise_date"] == "2026-03-10"
    assert confirmation["payload"]["promise_amount"] == "300.50"


def test_a_promise_beyond_fourteen_days_is_refused(client, engine, account):
    _, csrf = _page(client, account["token"], "en")
    response = client.post(
        f"/portal/{account['token']}/promise",
        data={"promised_date": "2026-03-17", "csrf_token": csrf, "lang": "en"},
    )
    assert response.status_code == 422
    assert "within 14 days" in response.text
    with transaction(engine) as session:
        assert session.scalars(select(PromiseToPay)).first() is None


def test_a_plan_within_policy_is_approved_with_a_schedule(client, engine, account):
    _, csrf = _page(client, account["token"], "en")
    response = client.post(
        f"/portal/{account['token']}/plan", data={"months": "3", "csrf_token": csrf, "lang": "en"}
    )
    assert response.status_code == 200
    assert "Your payment plan" in response.text and "Pay the first installment" in response.text
    with transaction(engine) as session:
        plan = session.scalars(select(PaymentPlan)).one()
        rows = session.scalars(select(PlanInstallment).order_by(PlanInstallment.seq)).all()
    assert plan.total_minor == 30_050 and plan.status == "active"
    assert [(r.due_date, r.amount_minor) for r in rows] == [
        (date(2026, 3, 9), 10_017),
        (date(2026, 4, 9), 10_017),
        (date(2026, 5, 9), 10_016),
    ]
    assert "€100.17" in response.text


def test_a_plan_outside_policy_becomes_a_review_task(client, engine, account):
    _, csrf = _page(client, account["token"], "en")
    response = client.post(
        f"/portal/{account['token']}/plan", data={"months": "8", "csrf_token": csrf, "lang": "en"}
    )
    assert response.status_code == 200 and "A colleague will look at it" in response.text
    tasks = [a for a in actions_of(engine, account["pk"]) if a["kind"] == "task"]
    assert [(t["channel"], t["step"]) for t in tasks] == [("review", "plan_review")]
    with transaction(engine) as session:
        assert session.scalars(select(PaymentPlan)).first() is None


def test_a_dispute_pauses_the_invoice_keeps_the_file_and_acknowledges(client, engine, account):
    _, csrf = _page(client, account["token"])
    response = client.post(
        f"/portal/{account['token']}/dispute",
        data={
            "invoice_number": "INV-1002",
            "reason": "not_delivered",
            "text": "Nooit ontvangen",
            "csrf_token": csrf,
        },
        files={"upload": ("bon.png", PNG, "text/html")},
    )
    assert response.status_code == 200, response.text
    with transaction(engine) as session:
        dispute = session.scalars(select(Dispute)).one()
        invoice = session.scalars(select(Invoice).where(Invoice.invoice_number == "INV-1002")).one()
        attachment = session.scalars(select(DisputeAttachment)).one()
    assert (dispute.status, dispute.reason, invoice.status) == ("open", "not_delivered", "disputed")
    assert (attachment.content_type, attachment.filename) == ("image/png", "bon.png")
    steps = {a["step"]: a for a in actions_of(engine, account["pk"])}
    assert steps["dispute_review"]["kind"] == "task"
    assert steps["dispute_received"]["template"] == "dispute_received"
    assert steps["reminder1"]["status"] == "cancelled"
    html, _ = _page(client, account["token"])
    link = f"/portal/{account['token']}/attachments/{attachment.id}"
    assert link in html
    download = client.get(link)
    assert download.headers["content-type"] == "image/png"
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.content == PNG


def test_preferences_store_channel_language_hour_and_opt_outs(client, engine, account):
    _, csrf = _page(client, account["token"])
    response = client.post(
        f"/portal/{account['token']}/preferences",
        data={
            "channel": "whatsapp",
            "language": "en",
            "preferred_hour": "19",
            "opt_out": ["sms", "voice"],
            "csrf_token": csrf,
        },
    )
    assert response.status_code == 200 and "Your preferences are saved." in response.text
    with transaction(engine) as session:
        customer = session.scalars(select(Customer)).one()
        consents = session.scalars(select(Consent).order_by(Consent.id)).all()
    assert (customer.preferred_channel, customer.language, customer.preferred_hour) == (
        "whatsapp",
        "en",
        19,
    )
    assert sorted(customer.opt_out) == ["sms", "voice"]
    assert sorted((c.channel, c.granted) for c in consents) == [("sms", False), ("voice", False)]


def test_feedback_is_kept(client, engine, account):
    _, csrf = _page(client, account["token"])
    response = client.post(
        f"/portal/{account['token']}/feedback",
        data={"score": "4", "comment": "Snel geregeld", "csrf_token": csrf},
    )
    assert response.status_code == 200
    with transaction(engine) as session:
        feedback = session.scalars(select(Feedback)).one()
        kinds = session.scalars(select(Event.kind)).all()
    assert (feedback.score, feedback.comment) == (4, "Snel geregeld")
    assert "feedback" in kinds


def test_chat_answers_on_the_page(client, engine, account):
    _, csrf = _page(client, account["token"], "en")
    response = client.post(
        f"/portal/{account['token']}/chat",
        data={"text": "Can I pay in installments?", "csrf_token": csrf, "lang": "en"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Can I pay in installments?" in response.text
    assert "betalingsregeling" in response.text  # the customer's language is Dutch


def test_invoice_pdf_is_served_as_an_attachment(engine, settings, tmp_path, account):
    from dataclasses import replace

    folder = tmp_path / "pdf"
    folder.mkdir()
    (folder / "INV-1001.pdf").write_bytes(b"%PDF-1.4\n%test\n")
    client = make_client(replace(settings, portal=PortalPolicy(invoice_pdf_dir=folder)))
    html, _ = _page(client, account["token"])
    assert f"/portal/{account['token']}/invoices/INV-1001.pdf" in html
    assert "INV-1002.pdf" not in html
    response = client.get(f"/portal/{account['token']}/invoices/INV-1001.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment")
    assert client.get(f"/portal/{account['token']}/invoices/INV-1002.pdf").status_code == 404
