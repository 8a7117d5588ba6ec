"""REST API v1: a customer's timeline (newest first, paged) and payment plans."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from creditflow.db import transaction
from creditflow.ledger.models import Customer, PaymentPlan, PlanInstallment
from creditflow.ledger.service import add_event
from tests.support.staff import NOW, add_staff, api_key, sign_in, staff_client
from tests.support.worklist_data import every_item

CUSTOMER = {"customer_id": "C-1", "name": "Bakkerij de Vries", "kind": "business"}


@pytest.fixture
def api(settings, engine):
    client = staff_client(settings)
    client.headers["Authorization"] = f"Bearer {api_key(engine, 'write')}"
    for cid in ("C-1", "C-2"):
        assert client.post("/api/v1/customers", json={**CUSTOMER, "customer_id": cid}).is_success
    return client


def _pk(session: Session, customer_id: str) -> int:
    return session.scalars(select(Customer.id).where(Customer.customer_id == customer_id)).one()


def _events(engine, customer_id: str, count: int) -> None:
    with Session(engine) as session:
        pk = _pk(session, customer_id)
        for day in range(1, count + 1):
            event = add_event(session, pk, "note.added", f"note {day}", data={"n": day})
            event.occurred_at = datetime(2026, 3, day, 9, tzinfo=UTC)
        session.commit()


def _plan(engine, customer_id: str, status: str) -> None:
    with Session(engine) as session:
        plan = PaymentPlan(
            customer_id=_pk(session, customer_id), currency="EUR", total_minor=60000, status=status
        )
        session.add(plan)
        session.flush()
        for seq in (1, 2):
            session.add(
                PlanInstallment(
                    plan_id=plan.id,
                    seq=seq,
                    due_date=date(2026, 3 + seq, 1),
                    amount_minor=30000,
                    paid_minor=30000 if seq == 1 else 0,
                )
            )
        session.commit()


def test_a_read_key_pages_the_timeline_newest_first_with_a_payment_amount(api, settings, engine):
    _events(engine, "C-1", 3)
    payment = {"payment_id": "P-1", "amount": "12.50", "currency": "EUR", "customer_id": "C-1"}
    assert api.post(
        "/api/v1/payments", json={**payment, "paid_at": "2026-03-02T12:00:00Z"}
    ).is_success
    reader = staff_client(settings)
    reader.headers["Authorization"] = f"Bearer {api_key(engine, 'read', 'reader')}"
    first = reader.get("/api/v1/customers/C-1/timeline", params={"limit": 2})
    # the note of 3 March, the payment of 2 March 12:00, then the note of 2 March 09:00
    assert first.status_code == 200, first.text
    assert [e["summary"] for e in first.json()["items"]] == [
        "note 3",
        "payment EUR 12.50 received (api)",
    ]
    rest = reader.get(
        "/api/v1/customers/C-1/timeline", params={"cursor": first.json()["next_cursor"]}
    ).json()
    assert rest["next_cursor"] is None
    assert [e["summary"] for e in rest["items"]] == ["note 2", "note 1"]
    paid = first.json()["items"][1]
    assert paid["kind"] == "payment.received" and paid["direction"] == "in"
    assert paid["amount"] == {"amount": "12.50", "currency": "EUR"}
    assert first.json()["items"][0]["amount"] is None


def test_the_timeline_of_an_unknown_customer_is_a_404_problem(api):
    missing = api.get("/api/v1/customers/NOPE/timeline")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert "NOPE" in missing.json()["detail"]


def test_plans_are_listed_with_installments_and_filtered(api, engine):
    _plan(engine, "C-1", "active")
    _plan(engine, "C-2", "completed")
    listed = api.get("/api/v1/plans").json()
    assert [p["customer_id"] for p in listed["items"]] == ["C-1", "C-2"]
    first = listed["items"][0]
    assert first["total"] == {"amount": "600.00", "currency": "EUR"}
    assert first["paid"] == {"amount": "300.00", "currency": "EUR"}
    assert [i["due_date"] for i in first["installments"]] == ["2026-04-01", "2026-05-01"]
    done = api.get("/api/v1/plans", params={"status": "completed"}).json()["items"]
    assert [p["customer_id"] for p in done] == ["C-2"]
    own = api.get("/api/v1/plans", params={"customer_id": "C-1"}).json()["items"]
    assert [p["status"] for p in own] == ["active"]
    paged = api.get("/api/v1/plans", params={"limit": 1}).json()
    assert len(paged["items"]) == 1 and paged["next_cursor"]
    assert api.get("/api/v1/plans", params={"status": "lost"}).status_code == 422


def test_a_collector_sees_only_their_own_customers_timeline_and_plans(api, settings, engine):
    add_staff(engine, "cora@example.nl", "collector")
    _events(engine, "C-2", 1)
    _plan(engine, "C-1", "active")
    _plan(engine, "C-2", "active")
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE customer SET collector_id = (SELECT id FROM staff_user) "
                "WHERE customer_id = 'C-1'"
            )
        )
    browser = staff_client(settings)
    sign_in(browser, "cora@example.nl")
    assert browser.get("/api/v1/customers/C-2/timeline").status_code == 404
    assert browser.get("/api/v1/customers/C-1/timeline").status_code == 200
    plans = browser.get("/api/v1/plans").json()["items"]
    assert [p["customer_id"] for p in plans] == ["C-1"]


def test_actions_are_on_the_timeline_with_their_action_id_and_amount(settings, engine):
    with transaction(engine) as session:
        made = every_item(session, "C001", None, "retail", NOW - timedelta(hours=1), 10_000)
    reader = staff_client(settings)
    reader.headers["Authorization"] = f"Bearer {api_key(engine, 'read', 'reader')}"
    items = reader.get("/api/v1/customers/C001/timeline", params={"limit": 500}).json()["items"]
    failed = made.keys["failed"].split(":", 1)[1]
    [mail] = [e for e in items if e["action_id"] == failed and e["kind"].startswith("action.")]
    assert mail["kind"] == "action.message" and mail["channel"] == "email"
    assert mail["direction"] == "out" and mail["amount"]["currency"] == "EUR"
    assert [e["at"] for e in items] == sorted((e["at"] for e in items), reverse=True)
