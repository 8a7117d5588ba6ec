"""The plan requests queue: requests outside the portal's limits, waiting for a person's decision."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import Response
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from creditflow.api.deps import get_session, get_settings
from creditflow.arrangements.decisions import PLAN_DECISIONS
from creditflow.arrangements.plan_review import (
    decide_plan_request,
    requested_months,
    waiting_plan_request,
)
from creditflow.arrangements.policy import PolicyRefusal
from creditflow.arrangements.rules import split_minor
from creditflow.config import Settings
from creditflow.ledger.models import Customer
from creditflow.ledger.service import audit
from creditflow.outbox.clock import local_today
from creditflow.outbox.models import OPEN_TASK_STATUSES, PLAN_REVIEW_STEP, Action
from creditflow.staff.access import now_of, require
from creditflow.staff.service import Staff
from creditflow.workbench.pages import done, not_found, render, staff_of
from creditflow.workbench.portfolio import customer_scope, open_customer
from creditflow.workbench.queue_common import age_days, amount_text, queue_router, safe_back

router = queue_router()
PATH = "/workbench/queues/plans"
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


@dataclass(frozen=True)
class PlanRow:
    """One plan request as the queue shows it."""

    plan_id: int
    customer_pk: int
    customer_name: str
    customer_number: str
    invoices: list[str]
    amount: str
    months: int
    installment: str
    reason: str
    age: int


def _waiting(staff: Staff) -> Select[Action, Customer]:
    return (
        select(Action, Customer)
        .join(Customer, Customer.id == Action.customer_id)
        .where(
            Action.kind == "task",
            Action.step == PLAN_REVIEW_STEP,
            Action.status.in_(OPEN_TASK_STATUSES),
            customer_scope(staff),
        )
    )


def count_waiting(session: Session, staff: Staff) -> int:
    """Plan requests waiting for review, of the customers this staff member sees."""
    query = _waiting(staff).with_only_columns(func.count(Action.id))
    return session.scalar(query) or 0


def waiting_requests(session: Session, staff: Staff, now: datetime) -> list[PlanRow]:
    """The waiting plan requests this staff member sees, oldest first."""
    rows = session.execute(_waiting(staff).order_by(Action.created_at, Action.id).limit(500)).all()
    out = []
    for task, customer in rows:
        months = requested_months(task)
        first = split_minor(task.amount_due_minor, months)[0] if months > 0 else 0
        out.append(
            PlanRow(
                plan_id=task.id,
                customer_pk=customer.id,
                customer_name=customer.name,
                customer_number=customer.customer_id,
                invoices=list(task.invoice_numbers or []),
                amount=amount_text(task.amount_due_minor, task.currency),
                months=months,
                installment=amount_text(first, task.currency),
                reason=str((task.payload or {}).get("reason") or ""),
                age=age_days(task.created_at, now),
            )
        )
    return out


@router.get("/plans")
def plans_page(request: Request, session: SessionDep) -> Response:
    """The plan requests waiting for review."""
    staff = staff_of(request)
    return render(
        request,
        "queue_plans.html",
        rows=waiting_requests(session, staff, now_of(request)),
        may_decide=staff.may("decide"),
    )


@router.post("/plans/{plan_id}/decide")
def decide(
    request: Request,
    plan_id: int,
    session: SessionDep,
    settings: Annotated[Settings, Depends(get_settings)],
    staff: Annotated[Staff, Depends(require("decide"))],
    decision: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    """Approve or reject one plan request."""
    target = safe_back(back, PATH)
    task = waiting_plan_request(session, plan_id)
    if task is None:
        return not_found(request, "There is no such plan request waiting for review.")
    customer = open_customer(session, staff, task.customer_id)
    if decision not in PLAN_DECISIONS:
        return done(target, "Choose approve or reject.")
    now = now_of(request)
    note = note.strip()[:1000]
    try:
        plan = decide_plan_request(
            session,
            task,
            decision,
            note,
            today=local_today(customer, now),
            now=now,
            first_due_days=settings.portal.plan_first_due_days,
        )
    except PolicyRefusal as refusal:  # refused before anything was written
        return done(target, _refusal_notice(refusal))
    audit(session, staff.actor, f"plan_request.{decision}", "action", task.action_id,
          {"customer_id": customer.customer_id, "note": note,
           "plan_id": plan.id if plan else None, "months": requested_months(task)})  # fmt: skip
    if plan is None:
        return done(target, "Plan request rejected: collection resumes at the next run.")
    return done(target, "Plan approved: dunning is paused while it is kept.")


def _refusal_notice(refusal: PolicyRefusal) -> str:
    return {
        "plan_exists": "The customer already has a payment plan running.",
        "nothing_open": "The invoices of this request have nothing open now.",
        "plan_months": "The request names no valid number of months.",
    }.get(refusal.code, "The plan request could not be decided.")
