"""A payment plan after it is agreed: installments paid, reminded, missed, lapsed, done."""

from __future__ import annotations

import email
import email.policy
from datetime import date, timedelta

from sqlalchemy import select

from creditflow.arrangements.plans import settle_payment_plans
from creditflow.arrangements.service import request_plan
from creditflow.db import transaction
from creditflow.dispatch.worker import dispatch_due
from creditflow.ledger.models import Event, Invoice, PaymentPlan, PlanInstallment
from creditflow.portal.policy import PortalPolicy
from creditflow.strategy.run import collection_run
from tests.support.dispatch_ledger import with_organisation
from tests.support.portal_data import NOW, actions_of, add_customer, add_invoice

FIRST_DUE = NOW.date() + timedelta(days=7)  # 2026-03-09, then 04-09 and 05-09


def _plan(engine) -> tuple[int, int]:
    """A consumer with one overdue invoice of EUR 300 spread over three months."""
    with transaction(engine) as session:
        customer = add_customer(session, "PL1", email="pl1@example.nl")
        invoice = add_invoice(session, customer, "INV-PL1", 30_000, date(2026, 2, 1))
        outcome = request_plan(
            session, customer, 3, today=NOW.date(), now=NOW, policy=PortalPolicy()
        )
        assert outcome.approved and outcome.plan is not None
        return customer.id, invoice.id


def _pay(engine, invoice_pk: int, minor: int) -> None:
    with transaction(engine) as session:
        invoice = session.get(Invoice, invoice_pk)
        assert invoice is not None
        invoice.open_minor -= minor
        if invoice.open_minor == 0:
            invoice.status = "paid"


def _settle(engine, day: date) -> dict[str, int]:
    with transaction(engine) as session:
        now = NOW.replace(year=day.year, month=day.month, day=day.day)
        return settle_payment_plans(session, day, grace_days=5, reminder_days=3, now=now)


def _state(engine) -> tuple[str, list[int]]:
    with transaction(engine) as session:
        plan = session.scalars(select(PaymentPlan)).one()
        paid = session.scalars(
            select(PlanInstallment.paid_minor)
            .where(PlanInstallment.plan_id == plan.id)
            .order_by(PlanInstallment.seq)
        ).all()
        return plan.status, list(paid)


def _templates(engine, customer_pk: int) -> list[str]:
    return [a["template"] for a in actions_of(engine, customer_pk)]


def test_a_debtor_who_pays_the_first_installment_keeps_the_plan_and_hears_of_the_next(engine):
    customer_pk, invoice_pk = _plan(engine)
    assert _settle(engine, FIRST_DUE - timedelta(days=3))["reminded"] == 1
    _pay(engine, invoice_pk, 10_000)

    assert _settle(engine, FIRST_DUE + timedelta(days=10)) == {
        "completed": 0,
        "defaulted": 0,
        "reminded": 0,
        "missed": 0,
    }
    assert _state(engine) == ("active", [10_000, 0, 0])
    second_due = date(2026, 4, 9)
    _settle(engine, second_due - timedelta(days=2))
    _settle(engine, second_due - timedelta(days=1))  # the same reminder is not queued twice

    reminders = [
        a
        for a in actions_of(engine, customer_pk)
        if a["template"] == "payment_plan_installment_due"
    ]
    assert [(a["payload"]["installment_number"], a["amount_due_minor"]) for a in reminders] == [
        (1, 10_000),
        (2, 10_000),
    ]
    assert reminders[1]["payload"]["plan_remaining"] == "100.00"


def test_the_installment_reminder_is_sent_with_the_installment_amount(engine, settings):
    _plan(engine)
    day = FIRST_DUE - timedelta(days=2)
    _settle(engine, day)
    now = NOW.replace(day=day.day, hour=10)

    report = dispatch_due(engine, with_organisation(settings), until=now, now=now)

    assert report.sent == 1, report.line()
    [mail] = list((settings.outbox_dir / "email").glob("*.eml"))
    message = email.message_from_bytes(mail.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    assert "1 van 3" in text and "€ 100,00" in text and "9 maart 2026" in text


def test_a_missed_installment_gets_one_notice_then_the_plan_lapses_and_dunning_resumes(
    engine, settings
):
    customer_pk, _ = _plan(engine)
    day_after = FIRST_DUE + timedelta(days=1)
    quiet = collection_run(engine, settings, day_after, now=NOW.replace(day=day_after.day))
    assert customer_pk not in quiet.actions.get_column("customer_pk").to_list()
    assert _templates(engine, customer_pk).count("payment_plan_missed") == 1
    assert _state(engine) == ("active", [0, 0, 0])

    lapsed_on = FIRST_DUE + timedelta(days=6)
    run = collection_run(engine, settings, lapsed_on, now=NOW.replace(day=lapsed_on.day))

    assert _state(engine)[0] == "defaulted"
    assert customer_pk in run.actions.get_column("customer_pk").to_list()
    assert _templates(engine, customer_pk).count("payment_plan_missed") == 1
    with transaction(engine) as session:
        kinds = session.scalars(select(Event.kind).where(Event.customer_id == customer_pk)).all()
    assert "plan.defaulted" in kinds


def test_a_plan_paid_in_full_is_completed_and_nothing_more_is_sent(engine):
    customer_pk, invoice_pk = _plan(engine)
    _pay(engine, invoice_pk, 30_000)

    assert _settle(engine, FIRST_DUE - timedelta(days=1))["completed"] == 1
    assert _state(engine) == ("completed", [10_000, 10_000, 10_000])
    assert "payment_plan_installment_due" not in _templates(engine, customer_pk)
    assert _settle(engine, FIRST_DUE + timedelta(days=40)) == {
        "completed": 0,
        "defaulted": 0,
        "reminded": 0,
        "missed": 0,
    }
