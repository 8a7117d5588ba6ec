"""A person decides on a payment plan request that waited for review (outside the portal's limits).

A request outside policy is a review task (`outbox.models.PLAN_REVIEW_STEP`); while it
waits, dunning of its invoices is paused (`strategy.pause`, via
`outbox.service.plan_requests_waiting`). Approving makes the plan active with the
months the debtor asked for (`decisions.reviewed_schedule`): dunning stays paused
while it is in good standing and `plans.settle_payment_plans` follows it up. Rejecting
closes the task, so the next collection run takes the invoices up again. Either way
the task is done; no message goes to the debtor (the outbox has no transactional step
for a reviewed plan, `outbox.transactional.RESPONSE_STEPS`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.arrangements.decisions import PLAN_DECISIONS, reviewed_schedule
from creditflow.arrangements.policy import PolicyRefusal
from creditflow.arrangements.service import active_plan, disputed_invoice_pks, start_plan
from creditflow.ledger.models import Invoice, PaymentPlan
from creditflow.ledger.service import add_event
from creditflow.money import Money
from creditflow.outbox.models import CONTEXT_INVOICES, OPEN_TASK_STATUSES, PLAN_REVIEW_STEP, Action

__all__ = ["decide_plan_request", "requested_months", "waiting_plan_request"]


def waiting_plan_request(session: Session, action_pk: int) -> Action | None:
    """The plan review task with this id while it still waits for a decision."""
    task = session.get(Action, action_pk)
    if task is None or task.kind != "task" or task.step != PLAN_REVIEW_STEP:
        return None
    return task if task.status in OPEN_TASK_STATUSES else None


def requested_months(task: Action) -> int:
    """The number of months the debtor asked for (0 when the request did not say)."""
    try:
        return int((task.payload or {}).get("months") or 0)
    except (TypeError, ValueError):
        return 0


def _request_invoices(session: Session, task: Action) -> list[Invoice]:
    """The request's invoices that are still open, undisputed, in the request's currency."""
    ids = [int(i) for i in (task.payload or {}).get(CONTEXT_INVOICES) or []]
    if not ids:
        return []
    disputed = disputed_invoice_pks(session, task.customer_id)
    return [
        invoice
        for invoice in session.scalars(
            select(Invoice).where(Invoice.id.in_(ids)).order_by(Invoice.due_date, Invoice.id)
        )
        if invoice.status == "open"
        and invoice.open_minor > 0
        and invoice.currency == task.currency
        and invoice.id not in disputed
    ]


def decide_plan_request(
    session: Session,
    task: Action,
    decision: str,
    note: str,
    *,
    today: date,
    now: datetime,
    first_due_days: int,
) -> PaymentPlan | None:
    """Approve (the plan, active) or reject (dunning resumes) a waiting plan request."""
    if decision not in PLAN_DECISIONS:
        raise PolicyRefusal(
            "plan_decision", f"decision {decision!r} is not one of {', '.join(PLAN_DECISIONS)}"
        )
    if task.status not in OPEN_TASK_STATUSES:
        raise PolicyRefusal("plan_decided", "this plan request was decided already")
    months = requested_months(task)
    plan = None
    if decision == "approve":
        plan = _approve(session, task, months, today=today, now=now, first_due_days=first_due_days)
    task.status = "done"
    verdict = "approved" if decision == "approve" else "rejected"
    task.status_reason = (f"plan request {verdict}" + (f": {note}" if note else ""))[:400]
    task.updated_at = now
    if plan is None:
        add_event(
            session,
            task.customer_id,
            "plan.rejected",
            f"Payment plan of {months} months rejected; collection resumes"
            + (f". {note}" if note else ""),
            action_id=task.action_id,
            data={"note": note[:1000]},
        )
    return plan


def _approve(
    session: Session, task: Action, months: int, *, today: date, now: datetime, first_due_days: int
) -> PaymentPlan:
    if active_plan(session, task.customer_id) is not None:
        raise PolicyRefusal("plan_exists", "the customer already has a payment plan running")
    invoices = _request_invoices(session, task)
    if not invoices:
        raise PolicyRefusal("nothing_open", "the invoices of this request have nothing open now")
    total = Money.of_minor(sum(i.open_minor for i in invoices), task.currency)
    schedule = reviewed_schedule(total, months, today, first_due_days)
    return start_plan(
        session, task.customer_id, total, schedule, invoices, source="review", now=now,
        summary=f"Payment plan approved after review: {len(schedule)} installments of "
        f"about {schedule[0].amount}",
        action_id=task.action_id,
    )  # fmt: skip
