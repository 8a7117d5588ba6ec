"""REST API v1: payments recorded in bulk, each answered on its own like the import."""

from __future__ import annotations

import pytest

from tests.support.staff import api_key, staff_client

CUSTOMER = {"customer_id": "C-1", "name": "Bakkerij de Vries", "kind": "business"}
INVOICE = {
    "invoice_number": "INV-1",
    "customer_id": "C-1",
    "issue_date": "2026-03-01",
    "due_date": "2026-03-31",
    "amount": "1250.00",
    "currency": "EUR",
}
PAID = {"amount": "250.00", "paid_at": "2026-03-15", "invoice_number": "INV-1"}


@pytest.fixture
def api(settings, engine):
    client = staff_client(settings)
    client.headers["Authorization"] = f"Bearer {api_key(engine, 'write')}"
    assert client.post("/api/v1/customers", json=CUSTOMER).is_success
    assert client.post("/api/v1/invoices", json=INVOICE).is_success
    return client


def test_a_bulk_of_payments_records_the_valid_ones_and_names_each_rejects_reason(api):
    items = [
        {**PAID, "payment_id": "P-1"},
        {**PAID, "payment_id": "P-2", "amount": "lots"},
        {**PAID, "payment_id": "P-3", "amount": "100.00"},
    ]
    answer = api.post("/api/v1/payments/bulk", json={"items": items})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["imported"], body["rejected"]) == (2, 1)
    assert [(i["key"], i["result"]) for i in body["items"]] == [
        ("P-1", "imported"),
        ("P-2", "rejected"),
        ("P-3", "imported"),
    ]
    assert [e["field"] for e in body["items"][1]["errors"]] == ["amount"]
    invoice = api.get("/api/v1/invoices/INV-1").json()
    assert invoice["open"] == {"amount": "900.00", "currency": "EUR"}
    assert api.get("/api/v1/payments/P-2").status_code == 404
    again = api.post("/api/v1/payments/bulk", json={"items": items[:1]}).json()
    assert [i["result"] for i in again["items"]] == ["unchanged"]  # recorded once


def test_a_bulk_of_payments_is_idempotent_by_key_and_a_read_key_may_not_post(api, settings, engine):
    body = {"items": [{**PAID, "payment_id": "P-9"}]}
    headers = {"Idempotency-Key": "pay-1"}
    first = api.post("/api/v1/payments/bulk", json=body, headers=headers)
    repeat = api.post("/api/v1/payments/bulk", json=body, headers=headers)
    assert repeat.json() == first.json() and repeat.headers["Idempotent-Replayed"] == "true"
    reader = staff_client(settings)
    reader.headers["Authorization"] = f"Bearer {api_key(engine, 'read', 'reader')}"
    assert reader.post("/api/v1/payments/bulk", json=body).status_code == 403
    assert api.post("/api/v1/payments/bulk", json={"items": []}).status_code == 422
