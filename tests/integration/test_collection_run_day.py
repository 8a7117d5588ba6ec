"""The collection run is a function of the day, and a plan request waiting for review pauses.

C001 is a Dutch consumer (e-mail and letter) who is weeks overdue on INV-1 and INV-2
(due 22 January and 5 February, each reminded twice already) and has INV-3 coming due
on Thursday 12 March.
The run is for Monday 9 March 2026 with the shipped strategy.
"""

from __future__ import annotations

import email
import email.policy
import json
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text

from creditflow.arrangements.service import request_plan
from creditflow.db import transaction
from creditflow.dispatch.tasks import complete_task
from creditflow.dispatch.worker import dispatch_due
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.ledger.models import Customer
from creditflow.ledger.payments import import_payments
from creditflow.portal.policy import PortalPolicy
from creditflow.simulation.company import generate_company
from tests.support.compliance_ledger import consumer, customer_pk, morning, rows, run_on, seed
from tests.support.dispatch_ledger import with_organisation

DAY = date(2026, 3, 9)
WEEKS_OVERDUE = [
    {"invoice_number": "INV-1", "customer_id": "C001", "issue_date": "2025-12-23",
     "due_date": "2026-01-22", "amount": "120.00"},
    {"invoice_number": "INV-2", "customer_id": "C001", "issue_date": "2026-01-06",
     "due_date": "2026-02-05", "amount": "80.00"},
]  # fmt: skip
COMING_DUE = {"invoice_number": "INV-3", "customer_id": "C001", "issue_date": "2026-02-10",
              "due_date": "2026-03-12", "amount": "45.00"}  # fmt: skip


REMINDED_TWICE = {"INV-1": date(2026, 2, 5), "INV-2": date(2026, 2, 19)}


def numbers(value: str | list[str]) -> list[str]:
    """A JSON column as read back: text on SQLite, decoded on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else list(value)


def steps_of(engine, customer_id: str = "C001") -> list[tuple[str, str, list[str]]]:
    """(step, status, invoice numbers) of the customer's actions, oldest first."""
    found = rows(
        engine,
        "SELECT a.step, a.status, a.invoice_numbers FROM action a JOIN customer c "
        "ON c.id = a.customer_id WHERE c.customer_id = :cid ORDER BY a.id",
        cid=customer_id,
    )
    return [(r["step"], r["status"], numbers(r["invoice_numbers"])) for r in found]


def reminded_twice(engine, reached: dict[str, date]) -> None:
    """The account's history: each invoice reached the second reminder on its day."""
    with engine.begin() as conn:
        for number, day in reached.items():
            conn.execute(
                text(
                    "INSERT INTO invoice_dunning (invoice_id, level, step, reached_on) "
                    "SELECT id, 3, 'reminder2', :day FROM invoice WHERE invoice_number = :n"
                ),
                {"day": day, "n": number},
            )


def test_an_account_weeks_overdue_that_just_got_the_14_day_letter_gets_no_pre_due_nudge(
    engine, settings, tmp_path
):
    settings = with_organisation(settings)
    seed(engine, settings, tmp_path, [consumer("C001")], [*WEEKS_OVERDUE, COMING_DUE])
    reminded_twice(engine, REMINDED_TWICE)

    first = run_on(engine, settings, DAY)
    second = run_on(engine, settings, DAY)

    assert [(a["step"], a["invoices"]) for a in first.actions.to_dicts()] == [
        ("final_notice", ["INV-1", "INV-2"])
    ]
    assert second.actions.height == 0
    assert second.summary["held_back"] == {"already acted on by an earlier run today": 1}
    assert steps_of(engine) == [("final_notice", "queued", ["INV-1", "INV-2"])]

    next_day = DAY + timedelta(days=1)
    run_on(engine, settings, next_day)
    assert steps_of(engine)[1] == ("nudge", "queued", ["INV-3"])
    # the minimum gap after Monday's letter puts the nudge on Wednesday morning
    wednesday = morning(DAY + timedelta(days=2)) + timedelta(hours=4)
    dispatch_due(engine, settings, until=wednesday, now=wednesday)
    [nudge] = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in (settings.outbox_dir / "email").glob("*.eml")
    ]
    assert "12 maart" in nudge["Subject"] and "INV-3" in nudge["Subject"]
    body = nudge.get_body(("plain",)).get_content()
    assert "22 januari" not in body and "INV-1" not in body


def _generated_ledger(engine, settings, folder: Path, customers: int) -> None:
    files = generate_company(customers, as_of=DAY, seed=11).write_csv(folder)
    for importer, name in (
        (import_customers, "customers"),
        (import_invoices, "invoices"),
        (import_payments, "payments"),
    ):
        assert importer(engine, files[name], settings).rejected == 0


def _counts(engine) -> tuple[int, int, int]:
    [row] = rows(
        engine,
        "SELECT (SELECT COUNT(*) FROM action) AS actions, "
        "(SELECT COUNT(*) FROM invoice_dunning) AS levels, "
        "(SELECT COALESCE(SUM(level), 0) FROM invoice_dunning) AS level_sum",
    )
    return row["actions"], row["levels"], row["level_sum"]


def test_the_second_and_third_run_of_a_day_create_nothing(engine, settings, tmp_path):
    _generated_ledger(engine, settings, tmp_path, 2_000)

    first = run_on(engine, settings, DAY)
    after_first = _counts(engine)
    second = run_on(engine, settings, DAY)
    third = run_on(engine, settings, DAY)

    assert first.actions.height > 500, first.summary
    assert (second.actions.height, third.actions.height) == (0, 0), second.summary
    assert _counts(engine) == after_first
    # every account the first run acted on is left alone for the rest of the day
    held = second.summary["held_back"].get("already acted on by an earlier run today", 0)
    assert held == third.summary["held_back"].get("already acted on by an earlier run today", 0)
    nudges = rows(
        engine,
        "SELECT a.invoice_numbers FROM action a WHERE a.step = 'nudge'",
    )
    assert nudges, "the generated ledger has invoices coming due"
    overdue = {
        r["invoice_number"]
        for r in rows(engine, "SELECT invoice_number FROM invoice WHERE due_date < :d", d=DAY)
    }
    named = {n for r in nudges for n in numbers(r["invoice_numbers"])}
    assert not named & overdue, "a pre-due nudge names only invoices not yet due"


def _plan_request(engine, months: int = 9) -> str:
    """C001 asks for a plan longer than policy allows: a review task for a colleague."""
    with transaction(engine) as session:
        customer = session.get(Customer, customer_pk(engine, "C001"))
        assert customer is not None
        outcome = request_plan(
            session, customer, months, today=DAY, now=morning(DAY), policy=PortalPolicy()
        )
        assert not outcome.approved and outcome.review_action is not None
        return outcome.review_action.action_id


def test_a_plan_request_waiting_for_review_pauses_dunning_until_it_is_decided(
    engine, settings, tmp_path
):
    seed(engine, settings, tmp_path, [consumer("C001")], WEEKS_OVERDUE)
    reminded_twice(engine, REMINDED_TWICE)
    review = _plan_request(engine)

    waiting = run_on(engine, settings, DAY)
    assert waiting.actions.height == 0  # the 14-day letter was due today
    assert rows(engine, "SELECT DISTINCT step FROM invoice_dunning") == [{"step": "reminder2"}]

    with transaction(engine) as session:
        complete_task(session, review, "rejected", "nine months is too long", morning(DAY))
    decided = run_on(engine, settings, DAY + timedelta(days=1))
    assert [(a["step"], a["invoices"]) for a in decided.actions.to_dicts()] == [
        ("final_notice", ["INV-1", "INV-2"])
    ]


def test_a_letter_that_slipped_past_a_plan_request_is_not_sent_but_the_review_is(
    engine, settings, tmp_path
):
    settings = with_organisation(settings)
    seed(engine, settings, tmp_path, [consumer("C001")], WEEKS_OVERDUE)
    reminded_twice(engine, REMINDED_TWICE)
    run_on(engine, settings, DAY)  # the 14-day letter is queued
    _plan_request(engine)
    assert steps_of(engine) == [
        ("final_notice", "cancelled", ["INV-1", "INV-2"]),
        ("plan_review", "queued", ["INV-1", "INV-2"]),
    ]
    # a run that read the ledger just before the request committed its letter after it
    with engine.begin() as conn:
        conn.execute(text("UPDATE action SET status = 'queued' WHERE step = 'final_notice'"))

    report = dispatch_due(engine, settings, until=morning(DAY) + timedelta(hours=12),
                          now=morning(DAY) + timedelta(hours=4))  # fmt: skip

    [letter] = rows(engine, "SELECT status, status_reason FROM action WHERE step = 'final_notice'")
    assert letter == {
        "status": "cancelled",
        "status_reason": "nothing left to remind of (payment plan requested: INV-1, INV-2)",
    }
    [task] = rows(engine, "SELECT status FROM action WHERE step = 'plan_review'")
    assert task["status"] == "sent", report.line()  # in the collectors' work queue
