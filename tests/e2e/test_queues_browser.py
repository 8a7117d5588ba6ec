"""A credit manager works the queues in Chromium at 390 px, against a real `creditflow serve`.

The ledger is seeded through the real importers and arrangement services (a dispute, a
plan request outside the portal's limits, a bank statement with a payment no rule could
place); the manager is added with `creditflow user add`. In the browser the manager
rejects the dispute, approves the plan and matches the payment in one click; the store
and the next collection run show what each did. Screenshots go to test-artifacts/queues/.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from creditflow.arrangements.disputes import open_dispute
from creditflow.arrangements.service import request_plan
from creditflow.db import transaction
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.ledger.models import Customer, Dispute, Invoice, PaymentPlan
from creditflow.outbox.models import Action
from creditflow.payments.models import StatementEntryRecord
from creditflow.payments.statement_import import import_statement
from creditflow.strategy.run import collection_run
from tests.e2e.test_staff_browser import CHROMIUM, CHROMIUM_ARGS, PASSWORD, creditflow
from tests.support.payments_statements import Tx, camt053
from tests.support.serve_process import serve

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "queues"

CUSTOMERS = """customer_id,name,kind,email,address_line1,postal_code,city
C001,Jan de Vries,consumer,jan@example.nl,Dorpsstraat 1,1234 AB,Utrecht
C002,Bakkerij Brood B.V.,business,info@bakkerij.nl,Markt 3,3511 AA,Utrecht
"""
INVOICES = """invoice_number,customer_id,issue_date,due_date,amount
INV-1,C001,2026-01-01,2026-02-20,120.00
INV-2,C001,2026-01-05,2026-02-25,80.00
INV-3,C002,2026-01-01,2026-02-01,900.00
INV-5,C002,2026-01-02,2026-02-02,300.00
"""
DAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _seed(engine, settings, folder: Path) -> tuple[int, int, int]:
    (folder / "c.csv").write_text(CUSTOMERS)
    (folder / "i.csv").write_text(INVOICES)
    assert import_customers(engine, folder / "c.csv", settings).rejected == 0
    assert import_invoices(engine, folder / "i.csv", settings).rejected == 0
    with transaction(engine) as session:
        invoice = session.scalars(select(Invoice).where(Invoice.invoice_number == "INV-3")).one()
        bakery = session.get(Customer, invoice.customer_id)
        jan = session.scalars(select(Customer).where(Customer.customer_id == "C001")).one()
        assert bakery is not None
        dispute = open_dispute(session, bakery, invoice, "quality", "the oven broke", now=NOW)
        plan = request_plan(session, jan, 12, today=DAY, now=NOW, policy=settings.portal)
        assert plan.review_action is not None
        ids = dispute.id, plan.review_action.id
    import_statement(
        engine, camt053(Tx("300.00", "Bakkerij Brood", text="factuur vijf")), "stmt.xml", NOW
    )
    with transaction(engine) as session:
        entry = session.scalars(
            select(StatementEntryRecord.id).where(StatementEntryRecord.status == "unmatched")
        ).one()
    return ids[0], ids[1], entry


def _fits(page) -> None:  # type: ignore[no-untyped-def]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} px wide at 390 px"


def test_a_manager_resolves_a_dispute_approves_a_plan_and_matches_a_payment_in_chromium(
    engine, settings, database_url, tmp_path
):
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    dispute_id, plan_id, entry_id = _seed(engine, settings, tmp_path)
    added = creditflow(database_url, tmp_path, "user", "add", "mira@example.nl", "--role", "manager",
                       stdin=PASSWORD + "\n")  # fmt: skip
    assert added.returncode == 0, added.stderr
    shots = ARTIFACTS
    shots.mkdir(parents=True, exist_ok=True)
    with serve(database_url, tmp_path / "srv") as server, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
        page = context.new_page()
        page.goto(f"{server.base_url}/workbench/queues")
        page.get_by_label("E-mail address").fill("mira@example.nl")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{server.base_url}/workbench/queues")
        assert "Disputes" in page.inner_text("main") and "Plan requests" in page.inner_text("main")
        _fits(page)
        page.screenshot(path=shots / "01-queues.png", full_page=True)

        page.get_by_role("link", name="Disputes").first.click()
        page.wait_for_url(f"{server.base_url}/workbench/queues/disputes")
        row = page.locator(f"#dispute-{dispute_id}")
        assert "the oven broke" in row.inner_text()
        _fits(page)
        page.screenshot(path=shots / "02-disputes.png", full_page=True)
        row.get_by_label("Rejected: collection resumes").check()
        row.get_by_label("Note", exact=True).fill("The oven was fine on delivery.")
        row.get_by_role("button", name="Resolve dispute").click()
        notice = page.get_by_role("status")
        assert "Dispute rejected: collection resumes at the next run." in notice.inner_text()
        page.screenshot(path=shots / "03-dispute-rejected.png", full_page=True)

        page.goto(f"{server.base_url}/workbench/queues/plans")
        plan_row = page.locator(f"#plan-{plan_id}")
        assert "12 months" in plan_row.inner_text()
        _fits(page)
        page.screenshot(path=shots / "04-plans.png", full_page=True)
        plan_row.get_by_role("button", name="Approve plan").click()
        assert "Plan approved" in page.get_by_role("status").inner_text()
        page.screenshot(path=shots / "05-plan-approved.png", full_page=True)

        page.goto(f"{server.base_url}/workbench/queues/unmatched")
        entry = page.locator(f"#entry-{entry_id}")
        _fits(page)
        page.screenshot(path=shots / "06-unmatched.png", full_page=True)
        entry.get_by_role("button", name="Match to INV-5").click()
        assert "Payment matched to the invoice." in page.get_by_role("status").inner_text()
        assert "No unmatched payments." in page.inner_text("main")
        page.screenshot(path=shots / "07-matched.png", full_page=True)

        page.goto(f"{server.base_url}/workbench/queues/outbox?channel=email")
        assert page.get_by_label("Channel").input_value() == "email"
        _fits(page)
        page.screenshot(path=shots / "08-outbox.png", full_page=True)
        page.get_by_role("link", name="Preview and handle").first.click()
        assert "As the debtor will see it" in page.inner_text("main")
        page.get_by_role("button", name="Hold").click()
        assert "The action is held" in page.get_by_role("status").inner_text()
        _fits(page)
        page.screenshot(path=shots / "09-action-held.png", full_page=True)
        browser.close()
    print(f"screenshots: {shots}")

    with transaction(engine) as session:
        assert session.get(Dispute, dispute_id).status == "rejected"  # type: ignore[union-attr]
        plan = session.scalars(select(PaymentPlan)).one()
        assert plan.status == "active" and plan.total_minor == 20_000
        paid = session.scalars(select(Invoice).where(Invoice.invoice_number == "INV-5")).one()
        assert (paid.status, paid.open_minor) == ("paid", 0)
    day = DAY + timedelta(days=1)
    run = collection_run(engine, settings, day, now=datetime(2026, 3, 3, 5, tzinfo=UTC))
    with transaction(engine) as session:
        queued = (
            session.execute(
                select(Action.invoice_numbers).where(
                    Action.run_id == run.run_id, Action.kind == "message"
                )
            )
            .scalars()
            .all()
        )
    numbers = {n for invoices in queued for n in invoices}
    assert "INV-3" in numbers  # the rejected dispute's invoice is dunned again
    assert not {"INV-1", "INV-2"} & numbers  # the approved plan pauses Jan's invoices
