"""REST API v1 on the whole app: upserts share the importers' rules, Idempotency-Key,
problem details, cursor paging, payments allocated like a payments import, UBL in."""

from __future__ import annotations

import pytest

from tests.support.staff import api_key, staff_client
from tests.support.ubl import billing_reference, ubl_invoice

CUSTOMER = {
    "customer_id": "C-1",
    "name": "Bakkerij de Vries",
    "kind": "business",
    "email": "admin@devries.example",
    "country": "NL",
}
INVOICE = {
    "invoice_number": "INV-1",
    "customer_id": "C-1",
    "issue_date": "2026-03-01",
    "due_date": "2026-03-31",
    "amount": "1250.00",
    "currency": "EUR",
}


@pytest.fixture
def api(settings, engine):
    client = staff_client(settings)
    client.headers["Authorization"] = f"Bearer {api_key(engine, 'write')}"
    return client


def test_a_customer_is_created_then_unchanged_and_read_back(api):
    first = api.post("/api/v1/customers", json=CUSTOMER)
    assert first.status_code == 201, first.text
    assert first.json()["contact_points"][0]["address"] == "admin@devries.example"
    assert first.json()["credit"] == {"amount": "0.00", "currency": "EUR"}
    again = api.post("/api/v1/customers", json=CUSTOMER)
    assert again.status_code == 200
    renamed = api.post("/api/v1/customers", json={**CUSTOMER, "name": "De Vries B.V."})
    assert renamed.status_code == 200 and renamed.json()["name"] == "De Vries B.V."
    assert api.get("/api/v1/customers/C-1").json()["name"] == "De Vries B.V."


def test_the_same_idempotency_key_returns_the_stored_answer_and_another_body_is_refused(api):
    headers = {"Idempotency-Key": "k-1"}
    first = api.post("/api/v1/customers", json=CUSTOMER, headers=headers)
    assert first.status_code == 201
    repeat = api.post("/api/v1/customers", json=CUSTOMER, headers=headers)
    assert repeat.status_code == 201  # the stored answer, not "unchanged"
    assert repeat.json() == first.json()
    assert repeat.headers["Idempotent-Replayed"] == "true"
    other = api.post("/api/v1/customers", json={**CUSTOMER, "name": "Other"}, headers=headers)
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["errors"] == [
        {"field": "Idempotency-Key", "reason": "already used with another body or path"}
    ]
    assert api.get("/api/v1/customers/C-1").json()["name"] == CUSTOMER["name"]


def test_an_invalid_customer_is_a_problem_naming_the_field_and_the_importers_reason(api):
    bad = api.post("/api/v1/customers", json={**CUSTOMER, "email": "not-an-address"})
    assert bad.status_code == 422
    body = bad.json()
    assert body["status"] == 422 and body["title"] == "Unprocessable Content"
    assert [e["field"] for e in body["errors"]] == ["email"]
    assert api.get("/api/v1/customers/C-1").status_code == 404
    typed = api.post("/api/v1/customers", json={**CUSTOMER, "kind": "alien"})
    assert typed.status_code == 422
    assert typed.json()["errors"][0]["field"] == "kind"


def test_an_invoice_for_an_unknown_customer_is_refused_like_the_csv_import(api):
    refused = api.post("/api/v1/invoices", json=INVOICE)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {"field": "customer_id", "reason": "unknown customer 'C-1'"}
    ]
    comma = api.post("/api/v1/invoices", json={**INVOICE, "amount": "1250,00"})
    assert "amount" in [e["field"] for e in comma.json()["errors"]]


def test_an_invoice_is_upserted_by_number_and_a_payment_settles_it(api):
    api.post("/api/v1/customers", json=CUSTOMER)
    created = api.post("/api/v1/invoices", json=INVOICE)
    assert created.status_code == 201, created.text
    assert created.json()["open"] == {"amount": "1250.00", "currency": "EUR"}
    assert created.json()["payment_reference"]
    payment = {
        "payment_id": "P-1",
        "amount": "1250.00",
        "paid_at": "2026-03-15",
        "invoice_number": "INV-1",
    }
    paid = api.post("/api/v1/payments", json=payment)
    assert paid.status_code == 201, paid.text
    assert paid.json()["allocations"] == [
        {"invoice_number": "INV-1", "amount": {"amount": "1250.00", "currency": "EUR"},
         "rule": paid.json()["allocations"][0]["rule"]}
    ]  # fmt: skip
    assert api.post("/api/v1/payments", json=payment).status_code == 200  # recorded once
    invoice = api.get("/api/v1/invoices/INV-1").json()
    assert (invoice["status"], invoice["open"]["amount"]) == ("paid", "0.00")
    assert (
        api.get("/api/v1/payments", params={"customer_id": "C-1"}).json()["items"][0]["source"]
        == "api"
    )


def test_lists_page_with_a_cursor_and_filter(api):
    items = [{**CUSTOMER, "customer_id": f"C-{n}", "kind": kind} for n, kind in
             [(1, "business"), (2, "consumer"), (3, "business"), (4, "business")]]  # fmt: skip
    bulk = api.post("/api/v1/customers/bulk", json={"items": items})
    assert bulk.json()["imported"] == 4
    first = api.get("/api/v1/customers", params={"limit": 2, "kind": "business"}).json()
    assert [c["customer_id"] for c in first["items"]] == ["C-1", "C-3"]
    second = api.get(
        "/api/v1/customers", params={"limit": 2, "kind": "business", "cursor": first["next_cursor"]}
    ).json()
    assert [c["customer_id"] for c in second["items"]] == ["C-4"]
    assert second["next_cursor"] is None
    assert api.get("/api/v1/customers", params={"cursor": "nonsense"}).status_code == 422


def test_a_bulk_request_answers_each_item_and_keeps_the_valid_ones(api):
    api.post("/api/v1/customers", json=CUSTOMER)
    items = [INVOICE, {**INVOICE, "invoice_number": "INV-2", "due_date": "2026-02-01"}]
    answer = api.post("/api/v1/invoices/bulk", json={"items": items}).json()
    assert (answer["imported"], answer["rejected"]) == (1, 1)
    assert answer["items"][1]["errors"] == [{"field": "due_date", "reason": "before issue_date"}]
    assert api.get("/api/v1/invoices/INV-2").status_code == 404


def test_a_ubl_credit_note_lowers_its_invoice(api):
    xml = {"Content-Type": "application/xml"}
    first = api.post("/api/v1/ubl", content=ubl_invoice("NL-1"), headers=xml)
    assert first.status_code == 200, first.text
    assert first.json()["imported"] == 1
    credit = ubl_invoice(
        "CN-1", credit_note=True, due=None, billing_reference=billing_reference("NL-1"),
        payable='<cbc:PayableAmount currencyID="EUR">200.00</cbc:PayableAmount>',
    )  # fmt: skip
    assert api.post("/api/v1/ubl", content=credit, headers=xml).status_code == 200
    assert api.get("/api/v1/invoices/NL-1").json()["open"]["amount"] == "1050.00"
    [note] = api.get("/api/v1/credit-notes").json()["items"]
    assert (note["invoice_number"], note["applied"]["amount"]) == ("NL-1", "200.00")
    junk = api.post("/api/v1/ubl", content=b"<x/>", headers=xml)
    assert junk.status_code == 422 and junk.json()["detail"].startswith("The document")
    assert (
        api.post(
            "/api/v1/ubl", content=b"{}", headers={"Content-Type": "application/json"}
        ).status_code
        == 415
    )


def test_errors_everywhere_under_api_are_problem_details(api, settings, engine):
    missing = api.get("/api/v1/invoices/nope")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert api.get("/api/v1/no-such-thing").headers["content-type"] == "application/problem+json"
    reader = staff_client(settings)
    reader.headers["Authorization"] = f"Bearer {api_key(engine, 'read', 'reader')}"
    assert reader.get("/api/v1/customers").status_code == 200
    refused = reader.post("/api/v1/customers", json=CUSTOMER)
    assert refused.status_code == 403 and refused.json()["status"] == 403


def test_an_idempotency_key_expires_after_a_day_and_is_per_api_key(api, settings, engine):
    from datetime import timedelta

    from tests.support.staff import Clock

    clock = Clock()
    api.app.state.clock = clock
    headers = {"Idempotency-Key": "daily"}
    assert api.post("/api/v1/customers", json=CUSTOMER, headers=headers).status_code == 201
    other = staff_client(settings)
    other.app.state.clock = clock
    other.headers["Authorization"] = f"Bearer {api_key(engine, 'write', 'other')}"
    second = {**CUSTOMER, "customer_id": "C-2"}
    assert other.post("/api/v1/customers", json=second, headers=headers).status_code == 201
    clock.now += timedelta(hours=25)
    renamed = {**CUSTOMER, "name": "Renamed"}
    reused = api.post("/api/v1/customers", json=renamed, headers=headers)
    assert reused.status_code == 200 and reused.json()["name"] == "Renamed"


def test_a_signed_in_collector_reads_only_their_own_customers(settings, engine):
    from sqlalchemy import text

    from tests.support.staff import add_staff, sign_in

    add_staff(engine, "cora@example.nl", "collector")
    writer = staff_client(settings)
    writer.headers["Authorization"] = f"Bearer {api_key(engine, 'write')}"
    for cid in ("C-1", "C-2"):
        assert writer.post("/api/v1/customers", json={**CUSTOMER, "customer_id": cid}).is_success
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE customer SET collector_id = (SELECT id FROM staff_user) "
                "WHERE customer_id = 'C-1'"
            )
        )
    browser = staff_client(settings)
    sign_in(browser, "cora@example.nl")
    listed = browser.get("/api/v1/customers").json()
    assert [c["customer_id"] for c in listed["items"]] == ["C-1"]
    assert browser.get("/api/v1/customers/C-2").status_code == 404


def test_the_worker_tick_delivers_webhooks_after_the_schedule(settings, engine):
    import logging

    from creditflow.db import transaction
    from creditflow.dispatch.cli import _with_webhooks
    from creditflow.webhooks.service import add_subscription
    from tests.support.http_receiver import running_receiver

    ran: list[str] = []
    with running_receiver() as receiver:
        with transaction(engine) as session:
            add_subscription(session, receiver.url("/h"), ["payment.received"], "test")
        client = staff_client(settings)
        client.headers["Authorization"] = f"Bearer {api_key(engine, 'write')}"
        client.post("/api/v1/customers", json=CUSTOMER)
        payment = {"payment_id": "P-9", "amount": "5.00", "paid_at": "2026-03-02",
                   "customer_id": "C-1"}  # fmt: skip
        assert client.post("/api/v1/payments", json=payment).status_code == 201
        _with_webhooks(engine, lambda: ran.append("schedule"), logging.getLogger("t"))()
        [sent] = receiver.wait_for(1)
    assert ran == ["schedule"]
    assert b'"payment_id":"P-9"' in sent.body


def test_two_writes_of_the_same_record_at_once_answer_409_not_500(settings, engine):
    from fastapi import APIRouter, Depends
    from sqlalchemy.exc import IntegrityError

    from creditflow.staff.access import api_access

    race = APIRouter(prefix="/api/v1", dependencies=[Depends(api_access)])

    @race.post("/race")
    def lost_race() -> None:
        raise IntegrityError("INSERT INTO invoice ...", {}, Exception("duplicate key"))

    client = staff_client(settings)
    client.app.include_router(race)
    client.headers["Authorization"] = f"Bearer {api_key(engine, 'write')}"
    answer = client.post("/api/v1/race")
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "application/problem+json"
