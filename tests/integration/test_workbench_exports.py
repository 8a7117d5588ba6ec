"""Exports of the workbench lists through the real app (sign-in, portfolio, audit).

Each export is compared with what its page shows for the same filters; the files are
read back as a spreadsheet program would (csv module, openpyxl).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from creditflow.db import transaction
from creditflow.ledger.models import AuditEntry, Customer
from tests.support.staff import NOW, add_staff, sign_in, staff_client
from tests.support.worklist_data import every_item, unmatched_entry, user_id

ADMIN, MANAGER, CORA, COLIN, VIEWER = (
    "ada@example.nl",
    "mira@example.nl",
    "cora@example.nl",
    "colin@example.nl",
    "victor@example.nl",
)


@pytest.fixture
def desk(engine):
    """Two collectors with a customer each (every kind of work item), and the other roles."""
    for email, role in ((ADMIN, "admin"), (MANAGER, "manager"), (CORA, "collector"),
                        (COLIN, "collector"), (VIEWER, "viewer")):  # fmt: skip
        add_staff(engine, email, role)
    cora, colin = user_id(engine, CORA), user_id(engine, COLIN)
    with transaction(engine) as session:
        mine = every_item(session, "C001", cora, "retail", NOW - timedelta(hours=1), 10_000)
        theirs = every_item(session, "C002", colin, "business", NOW - timedelta(hours=1), 50_000)
        unmatched_entry(session, NOW, 12_345)
        session.get_one(Customer, theirs.customer_pk).name = '=HYPERLINK("http://x","pay")'
    return {"cora": cora, "colin": colin, "C001": mine, "C002": theirs}


def client_of(settings, email: str) -> Any:
    client = staff_client(settings)
    client.headers["Accept-Language"] = "en"
    sign_in(client, email)
    return client


def read_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment; filename=")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))


def read_xlsx(response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header, *rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(header, row, strict=True)) for row in rows]


def page_keys(html: str) -> list[str]:
    return re.findall(r'<tr data-key="([^"]+)"', html)


def exports_audited(engine) -> list[AuditEntry]:
    with transaction(engine) as session:
        found = list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.verb == "list_exported").order_by(AuditEntry.id)
            )
        )
        session.expunge_all()
        return found


def test_the_worklist_export_has_the_rows_the_page_shows_for_the_same_filters(settings, desk):
    client = client_of(settings, MANAGER)
    for query in ("", "?type=dispute", f"?collector={desk['colin']}", "?segment=retail&type=call"):
        shown = page_keys(client.get(f"/workbench/today{query}").text)
        exported = read_csv(client.get(f"/workbench/export/today.csv{query}"))
        assert [row["item"] for row in exported] == shown
    dispute = read_csv(client.get("/workbench/export/today.csv?type=dispute"))[0]
    assert (dispute["amount"], dispute["currency"]) == ("1500.00", "EUR")
    assert dispute["waiting_since"].startswith((NOW - timedelta(hours=1)).date().isoformat())


def test_a_collector_s_export_has_only_their_portfolio(settings, desk):
    client = client_of(settings, CORA)
    today = read_csv(client.get(f"/workbench/export/today.csv?collector={desk['colin']}"))
    assert {row["item"] for row in today} == set(desk["C001"].keys.values())
    customers = read_csv(client.get("/workbench/export/customers.csv"))
    assert {row["customer_id"] for row in customers} == {"C001"}
    for queue in ("disputes", "plans", "outbox"):
        rows = read_csv(client.get(f"/workbench/export/{queue}.csv"))
        assert rows and all("C002" not in ",".join(row.values()) for row in rows), queue
    assert read_csv(client.get("/workbench/export/unmatched.csv")) == []
    other = desk["C002"].customer_pk
    assert client.get(f"/workbench/export/customers/{other}/invoices.csv").status_code == 403
    assert client.get(f"/workbench/export/customers/{other}/timeline.xlsx").status_code == 403


def test_the_customer_export_follows_the_search_and_lists_every_page(settings, desk):
    client = client_of(settings, MANAGER)
    page = client.get("/workbench/customers?q=C001").text
    assert "/workbench/export/customers.csv?q=C001" in page
    rows = read_csv(client.get("/workbench/export/customers.csv?q=C001"))
    assert [(r["customer_id"], r["open"], r["currency"]) for r in rows] == [
        ("C001", "600.00", "EUR")
    ]
    everyone = read_csv(client.get("/workbench/export/customers.csv"))
    assert {r["customer_id"] for r in everyone} == {"C001", "C002"}


def test_a_viewer_can_export_and_the_audit_records_who_what_and_the_filter(settings, engine, desk):
    client = client_of(settings, VIEWER)
    rows = read_csv(client.get("/workbench/export/outbox.csv?status=failed&channel=email"))
    assert {row["status"] for row in rows} == {"failed"} and len(rows) == 2
    [entry] = exports_audited(engine)
    assert (entry.actor, entry.entity) == (f"user:{VIEWER}", "export:outbox")
    assert entry.details == {
        "format": "csv",
        "filters": {"status": "failed", "channel": "email"},
        "rows": 2,
    }
    assert client.get("/workbench/export/users.csv").status_code == 403
    assert client.get("/workbench/export/api-keys.xlsx").status_code == 403


def test_the_xlsx_opens_and_keeps_amounts_as_exact_decimal_text(settings, desk):
    client = client_of(settings, MANAGER)
    response = client.get("/workbench/export/disputes.xlsx")
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    rows = read_xlsx(response)
    assert {(r["open"], r["currency"]) for r in rows} == {("300.00", "EUR"), ("1500.00", "EUR")}
    assert all(isinstance(r["open"], str) for r in rows)
    invoices = read_xlsx(
        client.get(f"/workbench/export/customers/{desk['C001'].customer_pk}/invoices.xlsx")
    )
    assert [(r["invoice"], r["amount"], r["currency"]) for r in invoices] == [
        ("C001-1", "100.00", "EUR"),
        ("C001-2", "200.00", "EUR"),
        ("C001-3", "300.00", "EUR"),
    ]


def test_a_formula_looking_name_is_escaped_in_csv_and_xlsx(settings, desk):
    client = client_of(settings, MANAGER)
    names = {r["name"] for r in read_csv(client.get("/workbench/export/customers.csv"))}
    assert '\'=HYPERLINK("http://x","pay")' in names
    book = load_workbook(io.BytesIO(client.get("/workbench/export/customers.xlsx").content))
    sheet = book.active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows() for c in row if "HYPERLINK" in str(c.value)]
    assert [(c.value, c.data_type) for c in cells] == [('\'=HYPERLINK("http://x","pay")', "s")]


def test_every_list_exports_in_both_formats_for_an_admin(settings, engine, desk):
    client = client_of(settings, ADMIN)
    pk = desk["C001"].customer_pk
    lists = ["today", "customers", "disputes", "plans", "unmatched", "outbox",
             "strategy-versions", "users", "api-keys", "jobs",
             f"customers/{pk}/invoices", f"customers/{pk}/timeline"]  # fmt: skip
    for name in lists:
        for fmt in ("csv", "xlsx"):
            response = client.get(f"/workbench/export/{name}.{fmt}")
            assert response.status_code == 200, (name, fmt)
            assert response.headers["cache-control"] == "no-store"
    users = read_csv(client.get("/workbench/export/users.csv"))
    assert {u["email"] for u in users} >= {ADMIN, VIEWER}
    assert set(users[0]) == {"email", "role", "active", "created_at", "created_by"}
    timeline = read_csv(client.get(f"/workbench/export/customers/{pk}/timeline.csv"))
    assert {row["customer_id"] for row in timeline} == {"C001"} and timeline
    assert len(exports_audited(engine)) == 2 * len(lists) + 2
    assert client.get("/workbench/export/nothing.csv").status_code == 404
    assert client.get("/workbench/export/today.pdf").status_code == 404


def test_an_unusable_filter_is_named_and_nothing_is_exported(settings, engine, desk):
    client = client_of(settings, MANAGER)
    response = client.get("/workbench/export/today.csv?type=parcel")
    assert response.status_code == 400
    assert "type:" in response.text
    assert exports_audited(engine) == []
