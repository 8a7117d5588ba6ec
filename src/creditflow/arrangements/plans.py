"""Payment plans after they are agreed (the store side; the rule is `rules.plan_progress`): installments paid, reminders, completion, lapse.

What a plan has received is what its invoices no longer have open: the plan's total
(the open amount of its invoices when it was agreed) minus what they have open now.
That counts money however it arrives (bank statement, pay page, imported payment,
credit note) and undoes itself when a payment is reversed. It is spread over the
installments in order.

Each collection run, before deciding, brings the active plans up to date
(`settle_payment_plans`):

- a plan whose installments are all paid is completed;
- the next installment gets a reminder `plan_reminder_days` before its due date
  (template payment_plan_installment_due);
- an installment not paid by its due date gets one notice (payment_plan_missed); the
  plan keeps the invoices out of dunning for `plan_grace_days` more;
- after that the plan has lapsed (status defaulted) and the strategy takes the
  invoices up again.

`rules.plan_progress` is the pure rule; this module reads and writes the store.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from creditflow.arrangements.rules import PlanProgress, plan_progress
from creditflow.ledger.models import (
    Customer,
    Invoice,
    PaymentPlan,
    PlanInstallment,
    plan_invoice,
)
from creditflow.ledger.service import add_event
from creditflow.money import from_minor
from creditflow.outbox.service import choose_channel, queue_action

__all__ = ["settle_payment_plans"]


def settle_payment_plans(
    session: Session,
    as_of: date,
    *,
    grace_days: int,
    reminder_days: int,
    now: datetime,
) -> dict[str, int]:
    """Bring every active plan up to date for `as_of`; counts of what changed."""
    counts = {"completed": 0, "defaulted": 0, "reminded": 0, "missed": 0}
    plans = session.scalars(
        select(PaymentPlan).where(PaymentPlan.status == "active").order_by(PaymentPlan.id)
    ).all()
    if not plans:
        return counts
    ids = [plan.id for plan in plans]
    open_now: dict[int, int] = {
        int(plan_pk): int(total or 0)
        for plan_pk, total in session.execute(
            select(plan_invoice.c.plan_id, func.sum(Invoice.open_minor))
            .join(Invoice, Invoice.id == plan_invoice.c.invoice_id)
            .where(plan_invoice.c.plan_id.in_(ids))
            .group_by(plan_invoice.c.plan_id)
        )
    }
    installments: dict[int, list[PlanInstallment]] = defaultdict(list)
    for row in session.scalars(
        select(PlanInstallment)
        .where(PlanInstallment.plan_id.in_(ids))
        .order_by(PlanInstallment.plan_id, PlanInstallment.seq)
    ):
        installments[row.plan_id].append(row)
    for plan in plans:
        rows = installments[plan.id]
        if not rows:
            continue
        received = plan.total_minor - open_now.get(plan.id, 0)
        progress = plan_progress(
            [r.amount_minor for r in rows], [r.due_date for r in rows], received, as_of, grace_days
        )
        for row, paid in zip(rows, progress.paid, strict=True):
            if row.paid_minor != paid:
                row.paid_minor = paid
        outcome = _follow_up(session, plan, rows, progress, as_of, reminder_days, now)
        if outcome:
            counts[outcome] += 1
    return counts


def _follow_up(
    session: Session,
    plan: PaymentPlan,
    rows: list[PlanInstallment],
    progress: PlanProgress,
    as_of: date,
    reminder_days: int,
    now: datetime,
) -> str | None:
    """Complete or lapse the plan, or queue the reminder or notice the day calls for."""
    customer = session.get(Customer, plan.customer_id)
    assert customer is not None  # the foreign key guarantees it
    if progress.state == "completed":
        plan.status = "completed"
        add_event(
            session,
            customer.id,
            "plan.completed",
            f"Payment plan {plan.id} paid in full",
            data={"plan_id": plan.id},
        )
        return "completed"
    assert progress.current is not None
    row = rows[progress.current]
    if progress.state == "defaulted":
        plan.status = "defaulted"
        add_event(
            session,
            customer.id,
            "plan.defaulted",
            f"Payment plan {plan.id} lapsed: installment {row.seq} of {len(rows)}, "
            f"due {row.due_date}, was not paid; the invoices are collected again",
            data={"plan_id": plan.id, "installment": row.seq},
        )
        return "defaulted"
    if progress.overdue:
        notice = "payment_plan_missed"
    elif row.due_date - timedelta(days=reminder_days) <= as_of:
        notice = "payment_plan_installment_due"
    else:
        return None
    channel = choose_channel(session, customer)
    if channel is None:
        return None
    outstanding = row.amount_minor - row.paid_minor
    after = sum(r.amount_minor - r.paid_minor for r in rows) - outstanding
    key = f"plan-{plan.id}-installment-{row.seq}-{notice}"
    invoices = _plan_invoices(session, plan.id)
    queue_action(
        session,
        customer,
        key=key,
        kind="message",
        channel=channel,
        step=notice,
        template=notice,
        now=now,
        invoices=invoices,
        amount_due_minor=outstanding,
        currency=plan.currency,
        payload={
            "plan_id": plan.id,
            "installment_number": row.seq,
            "installment_count": len(rows),
            "installment_due_date": row.due_date.isoformat(),
            "plan_remaining": str(from_minor(after, plan.currency)),
        },
    )
    return "missed" if notice == "payment_plan_missed" else "reminded"


def _plan_invoices(session: Session, plan_pk: int) -> list[Invoice]:
    return list(
        session.scalars(
            select(Invoice)
            .join(plan_invoice, plan_invoice.c.invoice_id == Invoice.id)
            .where(plan_invoice.c.plan_id == plan_pk)
            .order_by(Invoice.due_date, Invoice.id)
        )
    )
