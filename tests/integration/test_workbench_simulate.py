"""The strategy simulator page on a real database: a draft against the active strategy,
side by side with charts, then start it as a challenger; only strategy managers may."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from creditflow.config import Settings
from creditflow.db import transaction
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.simulation.demo import sample_organisation
from creditflow.strategy.service import active_strategy, store_strategy
from creditflow.workbench.simulation_jobs import find_job
from creditflow.workbench.strategy_simulate import challenger_text
from tests.support.staff import add_staff, sign_in, staff_client

pytestmark = pytest.mark.db

EN = {"Accept-Language": "en"}
CUSTOMERS = """customer_id,name,kind,email,phone,address_line1,postal_code,city
C001,Jan de Vries,consumer,jan@example.nl,+31612345678,Dorpsstraat 1,1234 AB,Utrecht
C002,Bakkerij Brood B.V.,business,info@bakkerij.nl,,Markt 3,3511 AA,Utrecht
C003,Els Jansen,consumer,els@example.nl,,Kerkweg 2,1000 AA,Amsterdam
C004,Piet Bakker,consumer,piet@example.nl,,Laan 4,2000 AA,Haarlem
"""
INVOICES = """invoice_number,customer_id,issue_date,due_date,amount
INV-1,C001,2026-01-01,2026-02-20,120.00
INV-2,C002,2026-01-01,2026-02-01,900.00
INV-3,C003,2026-02-01,2026-03-12,45.00
INV-4,C004,2026-02-10,2026-03-14,310.00
"""
SMS_FIRST = """segments:
  - name: everyone
strategies:
  everyone:
    tone: friendly
    steps:
      - id: nudge
        at: due+1d
        channels: [sms, email]
        template: reminder
"""


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test settings with a creditor (messages ask for payment to its IBAN)."""
    return replace(settings, organisation=sample_organisation())


@pytest.fixture
def ledger(engine: Engine, settings: Settings, tmp_path: Path) -> Engine:
    (tmp_path / "c.csv").write_text(CUSTOMERS)
    (tmp_path / "i.csv").write_text(INVOICES)
    assert import_customers(engine, tmp_path / "c.csv", settings).rejected == 0
    assert import_invoices(engine, tmp_path / "i.csv", settings).rejected == 0
    with transaction(engine) as session:
        store_strategy(session, SMS_FIRST, "sms-first.yaml")
    return engine


def draft_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT id FROM strategy_version")).scalar_one())


def signed_in(engine: Engine, settings: Settings, role: str = "manager"):
    add_staff(engine, f"{role}@example.nl", role)
    client = staff_client(settings)
    client.headers.update(EN)
    return client, sign_in(client, f"{role}@example.nl")


def run_simulation(client, csrf: str, version: int, days: int = 14, seeds: int = 1) -> str:
    """Start a simulation from the page and wait for it; returns the result page's text."""
    started = client.post(
        "/workbench/strategy/simulate",
        data={"csrf_token": csrf, "version": str(version), "days": str(days), "seeds": str(seeds)},
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    path = started.headers["location"].split("?")[0]
    job = find_job(path.rsplit("/", 1)[1])
    assert job is not None
    deadline = time.monotonic() + 120
    while job.state == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert job.state == "done", job.error
    page = client.get(path)
    assert page.status_code == 200
    return page.text


def test_a_draft_simulated_against_the_active_strategy_shows_both_columns_and_charts(
    ledger, settings
):
    client, csrf = signed_in(ledger, settings)
    form = client.get("/workbench/strategy/simulate")
    assert form.status_code == 200 and "sms-first.yaml" in form.text
    assert "iban is not set" not in form.text
    page = run_simulation(client, csrf, draft_id(ledger), days=14)
    table = re.search(
        r'<table class="list stack" id="simulation-figures">(.*?)</table>', page, re.S
    )
    assert table, "no figures table"
    head = re.search(r"<thead>(.*?)</thead>", table.group(1), re.S).group(1)
    assert f"Version {draft_id(ledger)}" in head and "Active" in head
    rows = {
        re.sub(r"<[^>]+>", "", label).strip(): [re.sub(r"<[^>]+>", "", v).strip() for v in vals]
        for label, *vals in re.findall(
            r"<tr>\s*<th[^>]*>(.*?)</th>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>",
            table.group(1),
            re.S,
        )
    }
    assert "DSO at the end" in rows and "disputes" in rows
    assert all(len(values) == 2 for values in rows.values())
    # The draft texts first: its SMS contacts are counted in its own column.
    assert int(rows["contacts: sms"][0]) > 0
    assert rows["contact cost (EUR)"][0] != "-" and rows["open at the end (EUR)"][1] != "-"
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg"') == 2
    assert "Collected per week" in page and "<script" not in page
    assert "Start as challenger" in page and "Activate this version" in page
    with transaction(ledger) as session:
        assert active_strategy(session)[1] is None, "simulating activates nothing"
    with ledger.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM action")).scalar_one() == 0


def test_start_as_challenger_activates_a_copy_of_the_active_strategy_that_tries_the_draft(
    ledger, settings
):
    client, csrf = signed_in(ledger, settings)
    draft = draft_id(ledger)
    run_simulation(client, csrf, draft, days=3)
    token = next(iter(re.findall(r"/simulate/([\w-]+)/challenger", run_simulation(
        client, csrf, draft, days=2))))  # fmt: skip
    answer = client.post(
        f"/workbench/strategy/simulate/{token}/challenger",
        data={"csrf_token": csrf, "share": "0.25", "name": "sms-trial"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert "Challenger started" in client.get(answer.headers["location"]).text
    with transaction(ledger) as session:
        strategy, active_id = active_strategy(session)
    assert active_id is not None and active_id != draft
    assert strategy.challenger is not None
    assert strategy.challenger.version == draft and strategy.challenger.share == 0.25
    assert strategy.challenger.name == "sms-trial"
    with ledger.connect() as conn:
        verbs = (
            conn.execute(
                text("SELECT verb FROM audit_log WHERE entity_id = :id"), {"id": str(active_id)}
            )
            .scalars()
            .all()
        )
    assert "strategy_activated" in verbs


def test_a_share_above_one_half_is_refused_and_nothing_is_activated(ledger, settings):
    client, csrf = signed_in(ledger, settings)
    page = run_simulation(client, csrf, draft_id(ledger), days=1)
    token = re.search(r"/simulate/([\w-]+)/challenger", page).group(1)
    answer = client.post(
        f"/workbench/strategy/simulate/{token}/challenger",
        data={"csrf_token": csrf, "share": "0.8"},
    )
    assert answer.status_code == 422
    assert "share: a number above 0 and at most 0.5" in answer.text
    with transaction(ledger) as session:
        assert active_strategy(session)[1] is None


@pytest.mark.parametrize("role", ["collector", "viewer"])
def test_a_collector_or_viewer_cannot_run_a_simulation(ledger, settings, role):
    client, csrf = signed_in(ledger, settings, role)
    assert client.get("/workbench/strategy/simulate").status_code == 403
    answer = client.post(
        "/workbench/strategy/simulate",
        data={"csrf_token": csrf, "version": str(draft_id(ledger)), "days": "5", "seeds": "1"},
    )
    assert answer.status_code == 403


def test_without_an_iban_the_form_warns_that_nobody_would_be_contacted(engine, settings):
    bare = replace(settings, organisation=replace(settings.organisation, iban=""))
    client, _ = signed_in(engine, bare)
    assert "[organisation] iban is not set" in client.get("/workbench/strategy/simulate").text


def test_days_out_of_bounds_are_refused_with_the_field_named(ledger, settings):
    client, csrf = signed_in(ledger, settings)
    answer = client.post(
        "/workbench/strategy/simulate",
        data={"csrf_token": csrf, "version": str(draft_id(ledger)), "days": "9999", "seeds": "1"},
    )
    assert answer.status_code == 422 and "days: a whole number from 1 to 180" in answer.text


def test_the_challenger_text_replaces_an_earlier_challenger_block():
    earlier = SMS_FIRST + "challenger:\n  version: 3\n  share: 0.1\n# end\n"
    made = challenger_text(earlier, 9, Decimal("0.2"), "trial")
    assert made.count("challenger:") == 1 and "version: 9" in made and "version: 3" not in made
    assert made.startswith(SMS_FIRST.rstrip())


def test_messages_that_could_not_be_sent_are_listed_with_their_reason(ledger, settings):
    bare = replace(settings, organisation=replace(settings.organisation, iban=""))
    client, csrf = signed_in(ledger, bare)
    page = run_simulation(client, csrf, draft_id(ledger), days=14)
    block = re.search(
        r'<div class="error" role="alert" id="simulation-failed-1">(.*?)</div>', page, re.S
    )
    assert block, "the failed messages are not shown"
    assert "would fail the same way live" in block.group(1)
    assert "iban is not set" in block.group(1)
