"""REST API v1: a customer's contact points read and replaced with the importer's checks."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.support.staff import add_staff, api_key, sign_in, staff_client

CUSTOMER = {
    "customer_id": "C-1",
    "name": "Bakkerij de Vries",
    "kind": "business",
    "email": "admin@devries.example",
    "country": "NL",
}
PATH = "/api/v1/customers/C-1/contact-points"


@pytest.fixture
def api(settings, engine):
    client = staff_client(settings)
    client.headers["Authorization"] = f"Bearer {api_key(engine, 'write')}"
    for cid in ("C-1", "C-2"):
        assert client.post("/api/v1/customers", json={**CUSTOMER, "customer_id": cid}).is_success
    return client


def test_a_read_key_reads_the_contact_points_the_import_made(api, settings, engine):
    reader = staff_client(settings)
    reader.headers["Authorization"] = f"Bearer {api_key(engine, 'read', 'reader')}"
    got = reader.get(PATH)
    assert got.status_code == 200, got.text
    assert got.json()["items"] == [
        {"channel": "email", "address": "admin@devries.example", "valid": True, "opted_out": False}
    ]
    refused = reader.put(PATH, json={"items": []})
    assert refused.status_code == 403


def test_put_replaces_the_list_normalised_and_records_an_opt_out(api, engine):
    body = {
        "items": [
            {"channel": "email", "address": "Boekhouding@DeVries.example"},
            {"channel": "sms", "address": "06 1234 5678", "opted_out": True},
            {"channel": "voice", "address": "020 123 4567"},
        ]
    }
    put = api.put(PATH, json=body)
    assert put.status_code == 200, put.text
    assert [(p["channel"], p["address"], p["opted_out"]) for p in put.json()["items"]] == [
        ("email", "Boekhouding@devries.example", False),
        ("sms", "+31612345678", True),
        ("voice", "+31201234567", False),
    ]
    assert api.get(PATH).json() == put.json()
    assert api.get("/api/v1/customers/C-1").json()["opt_out"] == ["sms"]
    with engine.connect() as conn:
        consent = conn.execute(text("SELECT channel, granted, source FROM consent")).all()
    assert [tuple(row) for row in consent] == [("sms", False, "api")]
    again = api.put(
        PATH, json={**body, "items": [{**i, "opted_out": False} for i in body["items"]]}
    )
    sms = [p for p in again.json()["items"] if p["channel"] == "sms"]
    assert sms[0]["opted_out"] is True  # the register's opt-out is not lifted by omission


def test_bad_addresses_are_refused_naming_each_item_and_nothing_changes(api):
    bad = api.put(
        PATH,
        json={
            "items": [
                {"channel": "email", "address": "not-an-address"},
                {"channel": "sms", "address": "020 123 4567"},
                {"channel": "voice", "address": "12"},
            ]
        },
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in bad.json()["errors"]] == [
        "items[0].address",
        "items[1].address",
        "items[2].address",
    ]
    assert "mobile" in bad.json()["errors"][1]["reason"]
    assert [p["address"] for p in api.get(PATH).json()["items"]] == ["admin@devries.example"]
    typed = api.put(PATH, json={"items": [{"channel": "pigeon", "address": "x"}]})
    assert typed.status_code == 422


def test_an_unknown_customer_is_a_404_problem(api):
    for answer in (
        api.get("/api/v1/customers/NOPE/contact-points"),
        api.put("/api/v1/customers/NOPE/contact-points", json={"items": []}),
    ):
        assert answer.status_code == 404
        assert answer.headers["content-type"] == "application/problem+json"


def test_a_collector_cannot_read_or_replace_another_collectors_contact_points(
    api, settings, engine
):
    add_staff(engine, "cora@example.nl", "collector")
    with engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE customer SET collector_id = (SELECT id FROM staff_user) "
                "WHERE customer_id = 'C-1'"
            )
        )
    browser = staff_client(settings)
    sign_in(browser, "cora@example.nl")
    assert browser.get(PATH).status_code == 200
    assert browser.get("/api/v1/customers/C-2/contact-points").status_code == 404
