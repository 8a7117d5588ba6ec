"""The outbox on a real database: producers date actions on the customer's today, and
the run and the pre-send re-check read the same pauses from the same store."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, select

from creditflow.arrangements.disputes import open_dispute
from creditflow.db import transaction
from creditflow.dispatch.facts import load_facts
from creditflow.ledger.models import PaymentPlan, PlanInstallment, plan_invoice
from creditflow.outbox.models import PLAN_REVIEW_STEP, Action
from creditflow.outbox.service import queue_action
from creditflow.strategy.pause import PAUSE_REASONS, exclusions
from creditflow.strategy.snapshot import load_snapshot
from tests.support.portal_data import add_customer, add_invoice

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_a_dispute_receipt_queued_at_half_past_midnight_in_amsterdam_is_dated_that_day(engine):
    late_evening_utc = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 March in NL
    with transaction(engine) as session:
        customer = add_customer(session, "C001", email="jan@example.nl")
        invoice = add_invoice(session, customer, "INV-1001", 41250, date(2026, 2, 1))
        open_dispute(session, customer, invoice, "amount_wrong", "Te hoog", now=late_evening_utc)
    with transaction(engine) as session:
        dated = {step: day for step, day in session.execute(select(Action.step, Action.decided_on))}
    assert dated == {"dispute_review": date(2026, 3, 2), "dispute_received": date(2026, 3, 2)}


def test_queueing_the_same_record_twice_gives_the_one_action(engine):
    with transaction(engine) as session:
        customer = add_customer(session, "C001", email="jan@example.nl")
        first = queue_action(
            session, customer, key="access-code-7", kind="message", channel="email",
            step="access_code", now=NOW, template="access_code",
        )  # fmt: skip
        again = queue_action(
            session, customer, key="access-code-7", kind="message", channel="email",
            step="access_code", now=NOW + timedelta(minutes=5), template="access_code",
        )  # fmt: skip
        assert again.id == first.id
        assert session.scalars(select(Action)).all() == [first]


def _plan(session, customer, invoice, oldest_unpaid_due: date) -> None:
    plan = PaymentPlan(customer_id=customer.id, total_minor=invoice.open_minor, status="active")
    session.add(plan)
    session.flush()
    session.execute(insert(plan_invoice).values(plan_id=plan.id, invoice_id=invoice.id))
    session.add_all(
        [
            PlanInstallment(plan_id=plan.id, seq=1, due_date=oldest_unpaid_due - timedelta(30),
                            amount_minor=100, paid_minor=100),
            PlanInstallment(plan_id=plan.id, seq=2, due_date=oldest_unpaid_due,
                            amount_minor=invoice.open_minor - 100, paid_minor=0),
        ]
    )  # fmt: skip


def _plan_request(session, customer, invoice, status: str) -> None:
    task = queue_action(
        session, customer, key=f"plan-review-{invoice.id}", kind="task", channel="review",
        step=PLAN_REVIEW_STEP, now=NOW, invoices=[invoice],
    )  # fmt: skip
    task.status = status


CASES = [
    # (case, how the invoice is held in the store, the reason code both must give)
    ("a plan in good standing", lambda s, c, i: _plan(s, c, i, TODAY + timedelta(10)),
     "payment_plan"),
    ("a plan in its grace days", lambda s, c, i: _plan(s, c, i, TODAY - timedelta(5)),
     "payment_plan"),
    ("an active plan past its grace days", lambda s, c, i: _plan(s, c, i, TODAY - timedelta(30)),
     None),
    ("a plan request waiting", lambda s, c, i: _plan_request(s, c, i, "queued"),
     "plan_requested"),
    ("a plan request being worked on", lambda s, c, i: _plan_request(s, c, i, "sent"),
     "plan_requested"),
    ("a plan request decided", lambda s, c, i: _plan_request(s, c, i, "done"), None),
    ("nothing", lambda s, c, i: None, None),
]  # fmt: skip


def test_the_run_and_the_re_check_read_the_same_pauses_from_the_store(engine, settings):
    with transaction(engine) as session:
        invoices = {}
        for n, (_, hold, _) in enumerate(CASES):
            customer = add_customer(session, f"C{n:03d}", email=f"c{n}@example.nl")
            invoice = add_invoice(session, customer, f"INV-{n:04d}", 50000, date(2026, 1, 15))
            hold(session, customer, invoice)
            invoices[n] = invoice.id
            # a reminder about the invoice, as the re-check sees it at send time
            queue_action(
                session, customer, key=f"reminder-{n}", kind="message", channel="email",
                step="reminder1", now=NOW, invoices=[invoice],
            )  # fmt: skip
    with transaction(engine) as session:
        excluded = dict(
            exclusions(load_snapshot(session.connection(), TODAY), TODAY, settings.rules)
            .select("invoice_pk", "excluded")
            .iter_rows()
        )
        reminders = session.scalars(select(Action).where(Action.step == "reminder1")).all()
        facts = load_facts(session, reminders, settings.rules)
        for n, (case, _, expected) in enumerate(CASES):
            pk = invoices[n]
            assert excluded[pk] == expected, case
            held = facts.states[pk].hold(TODAY)
            assert held == (None if expected is None else PAUSE_REASONS[expected]), case
