"""REST API v1: the analytics figures per currency, the same objects as `report --json`."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from creditflow.analytics.service import build_report
from tests.support.staff import add_staff, api_key, sign_in, staff_client

CUSTOMER = {"customer_id": "C-1", "name": "Bakkerij de Vries", "kind": "business"}


@pytest.fixture
def api(settings, engine):
    client = staff_client(settings)
    client.headers["Authorization"] = f"Bearer {api_key(engine, 'write')}"
    assert client.post("/api/v1/customers", json=CUSTOMER).is_success
    for number, due, amount in (
        ("INV-1", "2026-02-01", "800.00"),
        ("INV-2", "2026-03-31", "434.50"),
    ):
        invoice = {
            "invoice_number": number,
            "customer_id": "C-1",
            "issue_date": "2026-01-15",
            "due_date": due,
            "amount": amount,
            "currency": "EUR",
        }
        assert client.post("/api/v1/invoices", json=invoice).is_success
    return client


def test_a_read_key_gets_the_figures_report_json_prints(api, settings, engine):
    reader = staff_client(settings)
    reader.headers["Authorization"] = f"Bearer {api_key(engine, 'read', 'reader')}"
    got = reader.get("/api/v1/figures", params={"as_of": "2026-03-10"})
    assert got.status_code == 200, got.text
    [eur] = got.json()["items"]
    assert eur["currency"] == "EUR" and eur["as_of"] == "2026-03-10"
    assert eur["open"] == "1234.50" and eur["overdue"] == "800.00"
    assert eur["aging"] == {
        "current": "434.50",
        "1-30": "0.00",
        "31-60": "800.00",
        "61-90": "0.00",
        "90+": "0.00",
    }
    expected = build_report(engine, date(2026, 3, 10)).currencies[0].as_json()
    assert eur == expected


def test_figures_before_any_invoice_are_empty_and_a_future_date_is_a_problem(api):
    assert api.get("/api/v1/figures", params={"as_of": "2025-01-01"}).json() == {"items": []}
    future = api.get("/api/v1/figures", params={"as_of": "2999-01-01"})
    assert future.status_code == 422
    assert future.headers["content-type"] == "application/problem+json"
    assert future.json()["errors"] == [{"field": "as_of", "reason": "in the future"}]
    assert api.get("/api/v1/figures", params={"as_of": "10-03-2026"}).status_code == 422


def test_a_collector_may_not_read_the_whole_books_figures(api, settings, engine):
    add_staff(engine, "cora@example.nl", "collector")
    add_staff(engine, "mia@example.nl", "manager")
    with engine.begin() as conn:
        conn.execute(text("UPDATE customer SET collector_id = (SELECT min(id) FROM staff_user)"))
    collector = staff_client(settings)
    sign_in(collector, "cora@example.nl")
    refused = collector.get("/api/v1/figures")
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    manager = staff_client(settings)
    sign_in(manager, "mia@example.nl")
    assert manager.get("/api/v1/figures", params={"as_of": "2026-03-10"}).json()["items"]
