"""The strategy page on a real database: upload with line-numbered errors, dry run,
activate, diff, and who may do what."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from creditflow.config import Settings
from creditflow.db import transaction
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.strategy.service import active_strategy
from tests.support.staff import add_staff, sign_in, staff_client

EN = {"Accept-Language": "en"}
CUSTOMERS = """customer_id,name,kind,email,phone,address_line1,postal_code,city
C001,Jan de Vries,consumer,jan@example.nl,,Dorpsstraat 1,1234 AB,Utrecht
C002,Bakkerij Brood B.V.,business,info@bakkerij.nl,,Markt 3,3511 AA,Utrecht
C003,Els Jansen,consumer,,,Kerkweg 2,1000 AA,Amsterdam
"""
INVOICES = """invoice_number,customer_id,issue_date,due_date,amount
INV-1,C001,2026-01-01,2026-02-20,120.00
INV-3,C002,2026-01-01,2026-02-01,900.00
INV-4,C003,2026-02-01,2026-03-05,45.00
"""
# One reminder for everyone, by e-mail or else by letter (C003 has no e-mail address).
REMINDER_ONLY = """# <b>a reminder</b> for everyone
segments:
  - name: everyone

strategies:
  everyone:
    tone: friendly
    steps:
      - id: reminder
        at: due+1d
        channels: [email, letter]
        template: reminder
"""
BROKEN = REMINDER_ONLY.replace("at: due+1d", "at: due+1x")  # line 10


@pytest.fixture
def ledger(engine: Engine, settings: Settings, tmp_path: Path) -> Engine:
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    (tmp_path / "i.csv").write_text(INVOICES)
    assert import_customers(engine, tmp_path / "c.csv", settings).rejected == 0
    assert import_invoices(engine, tmp_path / "i.csv", settings).rejected == 0
    return engine


def count(engine: Engine, table: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one())  # noqa: S608


def manager(engine: Engine, settings: Settings):
    add_staff(engine, "mira@example.nl", "manager")
    client = staff_client(settings)
    client.headers.update(EN)
    return client, sign_in(client, "mira@example.nl")


def upload(client, csrf: str, yaml_text: str, name: str = "reminders.yaml"):
    return client.post(
        "/workbench/strategy/upload",
        data={"csrf_token": csrf},
        files={"file": (name, yaml_text.encode(), "text/yaml")},
        follow_redirects=False,
    )


def test_an_uploaded_strategy_with_an_error_shows_the_error_beside_its_line(ledger, settings):
    client, csrf = manager(ledger, settings)
    answer = upload(client, csrf, BROKEN)
    assert answer.status_code == 422
    row = re.search(r'<tr id="line-10" class="has-error">(.*?)</tr>', answer.text, re.S)
    assert row, "line 10 is not marked as the line with the error"
    assert "line 10: everyone.reminder: at &#39;due+1x&#39; is not like due+7d" in row.group(1)
    assert 'id="line-9" class="has-error"' not in answer.text
    assert "&lt;b&gt;a reminder&lt;/b&gt;" in answer.text  # the file is shown escaped
    assert count(ledger, "strategy_version") == 0


def test_pasted_yaml_that_is_not_yaml_names_its_line(ledger, settings):
    client, csrf = manager(ledger, settings)
    answer = client.post(
        "/workbench/strategy/upload",
        data={"csrf_token": csrf, "text": "segments:\n  - name: [x\n"},
        follow_redirects=False,
    )
    assert answer.status_code == 422
    assert "not valid YAML" in answer.text and "has-error" in answer.text


def test_a_dry_run_counts_actions_per_step_and_channel_and_writes_nothing(ledger, settings):
    client, csrf = manager(ledger, settings)
    stored = upload(client, csrf, REMINDER_ONLY)
    assert stored.status_code == 303
    version_page = stored.headers["location"].split("?")[0]
    assert "Strategy checked and stored" in client.get(stored.headers["location"]).text
    page = client.get(f"{version_page}/dry-run")
    assert page.status_code == 200
    table = re.search(
        r'<table class="list stack" id="dry-run-counts">(.*?)</table>', page.text, re.S
    )
    assert table
    cells = [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S)
        if "<td" in row
    ]
    assert cells == [
        ["everyone", "1. reminder", "message", "email", "2"],
        ["everyone", "1. reminder", "message", "letter", "1"],
    ]
    assert "Nothing was written." in page.text and "2026-03-10" in page.text
    for table_name in ("action", "collection_run", "invoice_dunning", "charge"):
        assert count(ledger, table_name) == 0, table_name
    with transaction(ledger) as session:
        assert active_strategy(session)[1] is None  # still the shipped default


def test_activating_a_version_makes_it_the_active_one_and_is_audited(ledger, settings):
    client, csrf = manager(ledger, settings)
    location = upload(client, csrf, REMINDER_ONLY).headers["location"]
    version_id = int(re.search(r"/versions/(\d+)", location).group(1))
    answer = client.post(
        f"/workbench/strategy/versions/{version_id}/activate",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    with transaction(ledger) as session:
        strategy, active_id = active_strategy(session)
    assert active_id == version_id
    assert [name for name, _, _ in strategy.segments] == ["everyone"]
    page = client.get("/workbench/strategy").text
    assert f"The active strategy is version {version_id}." in page
    assert 'id="segment-everyone"' in page and "due+1d" in page
    with ledger.connect() as conn:
        audited = conn.execute(
            text("SELECT actor, verb, entity_id FROM audit_log WHERE entity = 'strategy_version'")
        ).all()
    assert sorted(audited) == [
        ("user:mira@example.nl", "strategy_activated", str(version_id)),
        ("user:mira@example.nl", "strategy_uploaded", str(version_id)),
    ]


def test_the_diff_of_two_versions_marks_the_removed_and_the_added_line(ledger, settings):
    client, csrf = manager(ledger, settings)
    first = upload(client, csrf, REMINDER_ONLY).headers["location"]
    later = REMINDER_ONLY.replace("at: due+1d", "at: due+5d")
    second = upload(client, csrf, later, "later.yaml").headers["location"]
    old, new = (int(re.search(r"/versions/(\d+)", u).group(1)) for u in (first, second))
    page = client.get(f"/workbench/strategy/diff?old={old}&new={new}")
    assert page.status_code == 200
    removed = re.findall(r'<tr class="removed">(.*?)</tr>', page.text, re.S)
    added = re.findall(r'<tr class="added">(.*?)</tr>', page.text, re.S)
    assert len(removed) == len(added) == 1
    assert "at: due+1d" in removed[0] and '<td class="num">10</td>' in removed[0]
    assert "at: due+5d" in added[0]
    assert "&lt;b&gt;a reminder&lt;/b&gt;" not in page.text  # line 1 is outside the context
    same = client.get(f"/workbench/strategy/diff?old={old}&new={old}")
    assert "The two versions are the same." in same.text


def test_a_collector_sees_the_strategy_but_cannot_upload_dry_run_or_activate(ledger, settings):
    add_staff(ledger, "cor@example.nl", "collector")
    client = staff_client(settings)
    csrf = sign_in(client, "cor@example.nl")
    page = client.get("/workbench/strategy", headers=EN)
    assert page.status_code == 200 and "Upload a new version" not in page.text
    assert upload(client, csrf, REMINDER_ONLY).status_code == 403
    assert client.get("/workbench/strategy/versions/0/dry-run").status_code == 403
    assert (
        client.post(
            "/workbench/strategy/versions/1/activate", data={"csrf_token": csrf}
        ).status_code
        == 403
    )
    assert count(ledger, "strategy_version") == 0


def test_the_strategy_page_is_in_dutch_for_a_dutch_browser(ledger, settings):
    client, _ = manager(ledger, settings)
    page = client.get("/workbench/strategy", headers={"Accept-Language": "nl"}).text
    assert "Stappen per segment" in page and "Een nieuwe versie uploaden" in page
