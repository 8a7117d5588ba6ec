"""REST API v1: the worklist as JSON, in the Today page's order, within the portfolio."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from creditflow.db import transaction
from tests.support.staff import NOW, add_staff, api_key, sign_in, staff_client
from tests.support.worklist_data import every_item, unmatched_entry, user_id


@pytest.fixture
def desk(engine):
    """Two collectors with a customer each, a manager, and an unmatched payment."""
    for email, role in (("cora@example.nl", "collector"), ("colin@example.nl", "collector"),
                        ("mira@example.nl", "manager")):  # fmt: skip
        add_staff(engine, email, role)
    cora, colin = user_id(engine, "cora@example.nl"), user_id(engine, "colin@example.nl")
    with transaction(engine) as session:
        mine = every_item(session, "C001", cora, "retail", NOW - timedelta(hours=1), 10_000)
        theirs = every_item(session, "C002", colin, "business", NOW - timedelta(hours=1), 50_000)
        unmatched = unmatched_entry(session, NOW, 12_345)
    return {"cora": cora, "colin": colin, "C001": mine, "C002": theirs, "unmatched": unmatched}


def every_key(client, **params) -> list[str]:
    """All item keys over every page of the API's worklist."""
    keys: list[str] = []
    cursor = None
    while True:
        got = client.get(
            "/api/v1/worklist", params={**params, **({"cursor": cursor} if cursor else {})}
        )
        assert got.status_code == 200, got.text
        keys += [i["key"] for i in got.json()["items"]]
        cursor = got.json()["next_cursor"]
        if cursor is None:
            return keys


def test_a_read_key_gets_every_item_in_the_today_pages_order(settings, engine, desk):
    reader = staff_client(settings)
    reader.headers["Authorization"] = f"Bearer {api_key(engine, 'read', 'reader')}"
    keys = every_key(reader, limit=5)
    manager = staff_client(settings)
    sign_in(manager, "mira@example.nl")
    page = manager.get("/workbench/today").text
    assert keys == re.findall(r'<tr data-key="([^"]+)"', page)
    assert len(keys) == 17 and keys[0] == desk["C002"].keys["handover"]
    first = reader.get("/api/v1/worklist", params={"limit": 1}).json()["items"][0]
    assert first["kind"] == "handover" and first["customer_id"] == "C002"
    assert first["stake"]["currency"] == "EUR" and "." in first["priority"]


def test_a_collector_sees_only_their_portfolios_work_even_asking_for_another(settings, desk):
    client = staff_client(settings)
    sign_in(client, "cora@example.nl")
    assert set(every_key(client)) == set(desk["C001"].keys.values())
    other = every_key(client, collector=str(desk["colin"]))
    assert set(other) == set(desk["C001"].keys.values())


def test_the_worklist_is_filtered_by_type_and_bad_filters_are_problems(settings, engine, desk):
    reader = staff_client(settings)
    reader.headers["Authorization"] = f"Bearer {api_key(engine, 'read', 'reader')}"
    disputes = every_key(reader, type="dispute")
    assert disputes == [desk["C002"].keys["dispute"], desk["C001"].keys["dispute"]]
    assert every_key(reader, segment="retail", type="call") == [desk["C001"].keys["call"]]
    bad = reader.get("/api/v1/worklist", params={"type": "chores"})
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert reader.get("/api/v1/worklist", params={"cursor": "nope!"}).status_code == 422
