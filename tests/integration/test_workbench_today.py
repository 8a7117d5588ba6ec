"""The worklist (Today) on a real database: every item type, portfolios, filters, claims."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from creditflow.db import transaction
from creditflow.dispatch.tasks import complete_task
from creditflow.ledger.models import AuditEntry
from creditflow.workbench.models import WorkClaim
from creditflow.workbench.worklist import load_items
from creditflow.workbench.worklist_rules import Filters
from tests.support.staff import NOW, add_staff, sign_in, staff_client
from tests.support.worklist_data import every_item, unmatched_entry, user_id

TYPE_LABELS = ("Call", "Dispute", "Plan request", "Reply", "Broken promise", "Hand-over",
               "Failed message", "Unmatched payment", "Review")  # fmt: skip


@pytest.fixture
def desk(engine):
    """Two collectors with a customer each, a manager, a viewer and an admin."""
    for email, role in (("cora@example.nl", "collector"), ("colin@example.nl", "collector"),
                        ("mira@example.nl", "manager"), ("victor@example.nl", "viewer")):  # fmt: skip
        add_staff(engine, email, role)
    cora, colin = user_id(engine, "cora@example.nl"), user_id(engine, "colin@example.nl")
    with transaction(engine) as session:
        mine = every_item(session, "C001", cora, "retail", NOW - timedelta(hours=1), 10_000)
        theirs = every_item(session, "C002", colin, "business", NOW - timedelta(hours=1), 50_000)
        unmatched = unmatched_entry(session, NOW, 12_345)
    return {"cora": cora, "colin": colin, "C001": mine, "C002": theirs, "unmatched": unmatched}


def rows(html: str) -> list[str]:
    """The item keys of the list, in the order shown."""
    return re.findall(r'<tr data-key="([^"]+)"', html)


def post(client, path, csrf, **data):
    return client.post(path, data={"csrf_token": csrf, **data}, follow_redirects=False)


def audit_verbs(engine) -> list[tuple[str, str, str | None]]:
    with transaction(engine) as session:
        return [(a.actor, a.verb, a.entity_id) for a in session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "work_item").order_by(AuditEntry.id))]  # fmt: skip


def test_a_manager_sees_every_type_of_work_ordered_by_amount_times_urgency(settings, desk):
    client = staff_client(settings)
    sign_in(client, "mira@example.nl")
    page = client.get("/workbench/today", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    keys = rows(page.text)
    expected = {*desk["C001"].keys.values(), *desk["C002"].keys.values(), desk["unmatched"]}
    assert set(keys) == expected and len(keys) == 17
    assert "17 items" in page.text
    for label in TYPE_LABELS:
        assert f'<span class="badge">{label}</span>' in page.text
    # the larger customer's hand-over (6 x 500.00 at weight 2) leads the list
    assert keys[0] == desk["C002"].keys["handover"]
    assert f'href="/workbench/customers/{desk["C001"].customer_pk}"' in page.text
    for queue in ("disputes", "plans", "unmatched", "outbox"):
        assert f'href="/workbench/queues/{queue}"' in page.text
    assert "EUR 500.00" in page.text
    assert page.headers["content-security-policy"].count("script-src 'self'") == 1


def test_a_collector_sees_only_the_work_of_their_own_customers(settings, desk):
    client = staff_client(settings)
    sign_in(client, "cora@example.nl")
    keys = rows(client.get("/workbench/today").text)
    assert set(keys) == set(desk["C001"].keys.values())
    # asking for another collector's work shows their own still
    other = client.get(f"/workbench/today?collector={desk['colin']}")
    assert set(rows(other.text)) == set(desk["C001"].keys.values())


def test_the_list_is_filtered_by_type_collector_and_segment(settings, desk):
    client = staff_client(settings)
    sign_in(client, "mira@example.nl")
    disputes = rows(client.get("/workbench/today?type=dispute").text)
    assert disputes == [desk["C002"].keys["dispute"], desk["C001"].keys["dispute"]]
    colin = rows(client.get(f"/workbench/today?collector={desk['colin']}").text)
    assert set(colin) == set(desk["C002"].keys.values())
    retail_calls = rows(client.get("/workbench/today?segment=retail&type=call").text)
    assert retail_calls == [desk["C001"].keys["call"]]


def test_a_filter_that_cannot_be_used_is_named_on_the_page(settings, desk):
    client = staff_client(settings)
    sign_in(client, "mira@example.nl")
    page = client.get("/workbench/today?type=parcel")
    assert page.status_code == 400
    assert "type: &#39;parcel&#39; is not one of call, dispute" in page.text
    assert len(rows(page.text)) == 17  # the whole list, unfiltered


def test_a_collector_claims_an_item_and_it_shows_who_holds_it(settings, engine, desk):
    client = staff_client(settings)
    csrf = sign_in(client, "cora@example.nl")
    key = desk["C001"].keys["call"]
    answer = post(client, "/workbench/today/claim", csrf, item=key, type="call")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/workbench/today?type=call&notice=Claimed."
    page = client.get("/workbench/today?claimed=mine")
    assert rows(page.text) == [key]
    assert '<span class="badge good">cora@example.nl</span>' in page.text
    assert audit_verbs(engine) == [("user:cora@example.nl", "claim", key)]

    other = staff_client(settings)
    other_csrf = sign_in(other, "colin@example.nl")
    refused = post(other, "/workbench/today/claim", other_csrf, item=key)
    assert "no+longer+on+the+list" in refused.headers["location"]  # not in colin's portfolio
    unclaimed = rows(client.get("/workbench/today?claimed=unclaimed").text)
    assert key not in unclaimed and len(unclaimed) == 7


def test_a_manager_assigns_work_to_a_collector_of_that_customer_only(settings, engine, desk):
    client = staff_client(settings)
    csrf = sign_in(client, "mira@example.nl")
    theirs = desk["C002"].keys["dispute"]
    assigned = post(
        client, "/workbench/today/assign", csrf, item=theirs, assignee=str(desk["colin"])
    )
    assert assigned.headers["location"].endswith("notice=Assigned.")
    wrong = post(client, "/workbench/today/assign", csrf, item=desk["C001"].keys["plan"],
                 assignee=str(desk["colin"]))  # fmt: skip
    assert "not+in+that+collector" in wrong.headers["location"]
    viewer = post(client, "/workbench/today/assign", csrf, item=theirs,
                  assignee=str(user_id(engine, "victor@example.nl")))  # fmt: skip
    assert "viewer+cannot" in viewer.headers["location"]
    colin = staff_client(settings)
    sign_in(colin, "colin@example.nl")
    assert rows(colin.get("/workbench/today?claimed=mine").text) == [theirs]
    assert audit_verbs(engine) == [("user:mira@example.nl", "assign", theirs)]

    collector = staff_client(settings)
    collector_csrf = sign_in(collector, "colin@example.nl")
    refused = post(collector, "/workbench/today/assign", collector_csrf, item=theirs,
                   assignee=str(desk["colin"]))  # fmt: skip
    assert refused.status_code == 403  # assigning needs the decide permission


def test_a_viewer_cannot_claim_anything(settings, engine, desk):
    client = staff_client(settings)
    csrf = sign_in(client, "victor@example.nl")
    page = client.get("/workbench/today")
    assert page.status_code == 200 and len(rows(page.text)) == 17
    assert 'action="/workbench/today/claim"' not in page.text
    answer = post(client, "/workbench/today/claim", csrf, item=desk["C001"].keys["call"])
    assert answer.status_code == 403
    assert audit_verbs(engine) == []


def test_a_claim_is_released_when_its_item_is_done(settings, engine, desk):
    client = staff_client(settings)
    csrf = sign_in(client, "cora@example.nl")
    call = desk["C001"].keys["call"]
    post(client, "/workbench/today/claim", csrf, item=call)
    with transaction(engine) as session:
        complete_task(session, call.split(":", 1)[1], "no answer", None, NOW)
    assert call not in rows(client.get("/workbench/today").text)
    post(client, "/workbench/today/claim", csrf, item=desk["C001"].keys["reply"])
    with transaction(engine) as session:
        held = session.scalars(select(WorkClaim.item_key)).all()
    assert held == [desk["C001"].keys["reply"]]
    assert ("workbench", "release_done", None) in audit_verbs(engine)
    released = post(client, "/workbench/today/release", csrf, item=desk["C001"].keys["reply"])
    assert released.headers["location"].endswith("notice=Released.")
    with transaction(engine) as session:
        assert session.scalars(select(WorkClaim)).all() == []


def test_the_worklist_speaks_dutch(settings, desk):
    client = staff_client(settings)
    sign_in(client, "mira@example.nl")
    page = client.get("/workbench/today", headers={"Accept-Language": "nl-NL"})
    assert '<html lang="nl">' in page.text
    for text in ("Wat te doen", "Geschil", "Geschil afhandelen", "Oppakken", "17 items"):
        assert text in page.text


def row_html(html: str, key: str) -> str:
    """The HTML of one item's row."""
    start = html.index(f'<tr data-key="{key}"')
    return html[start : html.index("</tr>", start)]


def test_the_amount_at_stake_is_the_item_s_own_else_the_customer_s_open_balance(settings, desk):
    client = staff_client(settings)
    sign_in(client, "mira@example.nl")
    html = client.get("/workbench/today", headers={"Accept-Language": "en"}).text
    c001 = desk["C001"].keys
    assert "EUR 100.00" in row_html(html, c001["call"])  # the task's invoice
    assert "EUR 300.00" in row_html(html, c001["dispute"])  # the disputed invoice
    assert "EUR 600.00" in row_html(html, c001["reply"])  # a question: all that is open
    assert "EUR 123.45" in row_html(html, desk["unmatched"])
    assert "no customer yet" in row_html(html, desk["unmatched"])
    assert "2 days" in row_html(html, c001["call"])


def test_each_type_is_cut_at_its_largest_items_and_the_cut_is_reported(engine, desk):
    with transaction(engine) as session:
        loaded = load_items(session, None, Filters(kinds=frozenset({"dispute"})), NOW, limit=1)
    assert [i.key for i in loaded.items] == [desk["C002"].keys["dispute"]]
    assert loaded.cut_off == ["dispute"]
