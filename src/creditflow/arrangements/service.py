"""Promises to pay and payment plan requests in the store (the rules are in `rules`).

Each function changes the ledger store inside the caller's session (one transaction),
puts the change on the customer's timeline and queues what follows from it (a
confirmation message, a task for a person). Used by the portal, the conversation
pipeline and the collection run alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from creditflow.arrangements.policy import ArrangementPolicy, PolicyRefusal
from creditflow.arrangements.rules import (
    Installment,
    check_promise_date,
    judge_promise,
    plan_schedule,
    promises_judged_before,
)
from creditflow.ledger.models import (
    Customer,
    Dispute,
    Invoice,
    PaymentPlan,
    PlanInstallment,
    PromiseToPay,
    plan_invoice,
    promise_invoice,
)
from creditflow.ledger.service import add_event
from creditflow.money import Money, from_minor, to_minor
from creditflow.outbox.models import PLAN_REVIEW_STEP, Action
from creditflow.outbox.service import cancel_queued_for_invoices, choose_channel, queue_action


def find_customer(session: Session, customer_id: str) -> Customer | None:
    """The customer with this external number."""
    return session.scalars(select(Customer).where(Customer.customer_id == customer_id)).first()


def open_invoices(session: Session, customer_pk: int) -> list[Invoice]:
    """The customer's invoices with something open (open or disputed), oldest due first."""
    return list(
        session.scalars(
            select(Invoice)
            .where(
                Invoice.customer_id == customer_pk,
                Invoice.open_minor > 0,
                Invoice.status.in_(("open", "disputed")),
            )
            .order_by(Invoice.due_date, Invoice.invoice_number)
        )
    )


def disputed_invoice_pks(session: Session, customer_pk: int) -> set[int]:
    """Invoices of the customer with an open dispute."""
    return set(
        session.scalars(
            select(Dispute.invoice_id).where(
                Dispute.customer_id == customer_pk, Dispute.status == "open"
            )
        )
    )


def payable_invoices(session: Session, customer_pk: int) -> list[Invoice]:
    """Open, undisputed invoices: what a promise or a plan covers."""
    disputed = disputed_invoice_pks(session, customer_pk)
    return [
        i
        for i in open_invoices(session, customer_pk)
        if i.status == "open" and i.id not in disputed
    ]


def main_currency(invoices: list[Invoice], default: str = "EUR") -> str:
    """The currency with the most open money (a promise or plan is in one currency)."""
    totals: dict[str, int] = {}
    for invoice in invoices:
        totals[invoice.currency] = totals.get(invoice.currency, 0) + invoice.open_minor
    return max(totals, key=lambda c: totals[c]) if totals else default


def active_promise(session: Session, customer_pk: int) -> PromiseToPay | None:
    """The customer's running promise to pay, if any."""
    return session.scalars(
        select(PromiseToPay).where(
            PromiseToPay.customer_id == customer_pk, PromiseToPay.status == "active"
        )
    ).first()


def active_plan(session: Session, customer_pk: int) -> PaymentPlan | None:
    """The customer's running payment plan, if any."""
    return session.scalars(
        select(PaymentPlan).where(
            PaymentPlan.customer_id == customer_pk, PaymentPlan.status == "active"
        )
    ).first()


def record_promise(
    session: Session,
    customer: Customer,
    promised: date,
    *,
    today: date,
    now: datetime,
    policy: ArrangementPolicy,
    amount: Decimal | None = None,
    source: str = "portal",
) -> PromiseToPay:
    """Record a promise to pay the open invoices by `promised`; PolicyRefusal outside policy."""
    check_promise_date(promised, today, policy)
    if active_promise(session, customer.id) is not None:
        raise PolicyRefusal("promise_exists", "there is already a promise to pay running")
    if active_plan(session, customer.id) is not None:
        raise PolicyRefusal("plan_exists", "a payment plan is running; pay its installments")
    invoices = payable_invoices(session, customer.id)
    if not invoices:
        raise PolicyRefusal("nothing_open", "there is nothing open to promise")
    currency = main_currency(invoices)
    invoices = [i for i in invoices if i.currency == currency]
    promise = PromiseToPay(
        customer_id=customer.id,
        promised_date=promised,
        amount_minor=None if amount is None else to_minor(amount, currency),
        currency=currency,
        status="active",
        source=source,
        created_at=now,
    )
    session.add(promise)
    session.flush()
    session.execute(
        insert(promise_invoice), [{"promise_id": promise.id, "invoice_id": i.id} for i in invoices]
    )
    cancel_queued_for_invoices(
        session, customer.id, [i.id for i in invoices], f"promise to pay {promised}", now
    )
    promised_minor = _queue_promise_message(
        session, customer, promise, "promise_confirmation", "confirmation", invoices, now
    )
    add_event(
        session,
        customer.id,
        "promise.made",
        f"Promise to pay {from_minor(promised_minor, currency)} {currency} by {promised}",
        channel=source if source in ("sms", "whatsapp", "email") else None,
        direction="in",
        data={"promise_id": promise.id, "invoices": [i.invoice_number for i in invoices]},
    )
    return promise


@dataclass
class PlanOutcome:
    """A plan request: approved (plan and schedule) or sent to review (task)."""

    approved: bool
    plan: PaymentPlan | None = None
    schedule: list[Installment] = field(default_factory=list)
    review_action: Action | None = None
    refusal: PolicyRefusal | None = None


def request_plan(
    session: Session,
    customer: Customer,
    months: int,
    *,
    today: date,
    now: datetime,
    policy: ArrangementPolicy,
    source: str = "portal",
) -> PlanOutcome:
    """Approve a payment plan within policy at once; otherwise queue a review task."""
    if active_plan(session, customer.id) is not None:
        raise PolicyRefusal("plan_exists", "a payment plan is already running")
    invoices = payable_invoices(session, customer.id)
    if not invoices:
        raise PolicyRefusal("nothing_open", "there is nothing open to spread")
    currency = main_currency(invoices)
    invoices = [i for i in invoices if i.currency == currency]
    total = Money.of_minor(sum(i.open_minor for i in invoices), currency)
    try:
        schedule = plan_schedule(total, months, today, policy)
    except PolicyRefusal as refusal:
        # the request pauses dunning of its invoices until a person decides on it
        cancel_queued_for_invoices(
            session, customer.id, [i.id for i in invoices], "payment plan requested", now
        )
        task = queue_action(
            session,
            customer,
            key=f"plan-review-{customer.id}-{today}-{months}",
            kind="task",
            channel="review",
            step=PLAN_REVIEW_STEP,
            now=now,
            invoices=invoices,
            amount_due_minor=total.minor,
            currency=currency,
            payload={"months": months, "reason": str(refusal), "source": source},
        )
        add_event(
            session,
            customer.id,
            "plan.requested",
            f"Payment plan of {months} months asked; to review: {refusal}",
            direction="in",
            action_id=task.action_id,
        )
        return PlanOutcome(False, review_action=task, refusal=refusal)
    plan = start_plan(
        session, customer.id, total, schedule, invoices, source=source, now=now,
        summary=f"Payment plan: {len(schedule)} installments of about {schedule[0].amount}",
        direction="in",
    )  # fmt: skip
    return PlanOutcome(True, plan=plan, schedule=schedule)


def start_plan(
    session: Session,
    customer_pk: int,
    total: Money,
    schedule: Sequence[Installment],
    invoices: Sequence[Invoice],
    *,
    source: str,
    now: datetime,
    summary: str,
    direction: str = "internal",
    action_id: str | None = None,
) -> PaymentPlan:
    """An active plan: its installments, its invoices, reminders about them cancelled, and
    the `plan.agreed` entry on the timeline (one place for the portal and the review)."""
    plan = PaymentPlan(
        customer_id=customer_pk,
        currency=total.currency,
        total_minor=total.minor,
        status="active",
        source=source,
        created_at=now,
    )
    session.add(plan)
    session.flush()
    session.add_all(
        PlanInstallment(
            plan_id=plan.id,
            seq=i.seq,
            due_date=i.due_date,
            amount_minor=i.amount.minor,
            paid_minor=0,
        )
        for i in schedule
    )
    session.execute(
        insert(plan_invoice), [{"plan_id": plan.id, "invoice_id": i.id} for i in invoices]
    )
    cancel_queued_for_invoices(
        session, customer_pk, [i.id for i in invoices], f"payment plan {plan.id}", now
    )
    add_event(
        session,
        customer_pk,
        "plan.agreed",
        summary,
        direction=direction,
        action_id=action_id,
        data={"plan_id": plan.id, "invoices": [i.invoice_number for i in invoices]},
    )
    return plan


def plan_schedule_of(session: Session, plan: PaymentPlan) -> list[Installment]:
    """The stored installments of a plan."""
    rows = session.scalars(
        select(PlanInstallment)
        .where(PlanInstallment.plan_id == plan.id)
        .order_by(PlanInstallment.seq)
    )
    return [
        Installment(r.seq, r.due_date, Money.of_minor(r.amount_minor, plan.currency)) for r in rows
    ]


def detect_broken_promises(
    session: Session, as_of: date, *, grace_days: int = 3, now: datetime | None = None
) -> list[int]:
    """Mark promises past their date plus grace with invoices still open as broken.

    Promises whose invoices are all paid are closed as kept. A broken promise
    queues a promise_broken message. Returns the ids of the promises now broken.

    Set-based: one query for the promises to judge, one for their invoices still
    open, one for the customers of the broken ones; only each broken promise's
    notice is queued on its own.
    """
    when = now or datetime.combine(as_of, time(0), UTC)
    judged = (
        PromiseToPay.status == "active",
        PromiseToPay.promised_date < promises_judged_before(as_of, grace_days),
    )
    due = list(session.scalars(select(PromiseToPay).where(*judged).order_by(PromiseToPay.id)))
    if not due:
        return []
    still_open: dict[int, list[Invoice]] = {promise.id: [] for promise in due}
    for promise_id, invoice in session.execute(
        select(promise_invoice.c.promise_id, Invoice)
        .join(Invoice, Invoice.id == promise_invoice.c.invoice_id)
        .join(PromiseToPay, PromiseToPay.id == promise_invoice.c.promise_id)
        .where(*judged, Invoice.open_minor > 0, Invoice.status == "open")
        .order_by(promise_invoice.c.promise_id, Invoice.id)
    ):
        still_open[promise_id].append(invoice)
    broken: list[PromiseToPay] = []
    for promise in due:
        open_minor = sum(i.open_minor for i in still_open[promise.id])
        verdict = judge_promise(promise.promised_date, as_of, grace_days, open_minor)
        if verdict == "active":
            continue
        promise.closed_at = when
        promise.status = verdict
        if verdict == "broken":
            broken.append(promise)
    customers = _customers(session, {promise.customer_id for promise in broken})
    for promise in broken:
        customer = customers[promise.customer_id]  # the foreign key guarantees it
        _queue_promise_message(
            session, customer, promise, "promise_broken", "broken", still_open[promise.id], when
        )
        add_event(
            session,
            customer.id,
            "promise.broken",
            f"Promise to pay by {promise.promised_date} not kept",
            data={"promise_id": promise.id},
        )
    return [promise.id for promise in broken]


def _customers(session: Session, pks: set[int], chunk: int = 500) -> dict[int, Customer]:
    """The customers with these keys, read a chunk of keys at a time."""
    ordered = sorted(pks)
    found: dict[int, Customer] = {}
    for start in range(0, len(ordered), chunk):
        keys = ordered[start : start + chunk]
        found.update(
            (c.id, c) for c in session.scalars(select(Customer).where(Customer.id.in_(keys)))
        )
    return found


def _queue_promise_message(
    session: Session,
    customer: Customer,
    promise: PromiseToPay,
    step: str,
    key: str,
    invoices: list[Invoice],
    now: datetime,
) -> int:
    """Queue the promise's confirmation or broken notice; returns the promised minor units."""
    total = sum(i.open_minor for i in invoices)
    promised_minor = promise.amount_minor if promise.amount_minor is not None else total
    channel = choose_channel(session, customer)
    if channel:
        queue_action(
            session,
            customer,
            key=f"promise-{promise.id}-{key}",
            kind="message",
            channel=channel,
            step=step,
            template=step,
            now=now,
            invoices=invoices,
            amount_due_minor=total,
            currency=promise.currency,
            payload={
                "promise_date": promise.promised_date.isoformat(),
                "promise_amount": str(from_minor(promised_minor, promise.currency)),
            },
        )
    return promised_minor
