"""The customer 360 page's facts: balances, contact points, invoices and what comes next.

Read in a handful of queries for one customer (the timeline is in `customer_timeline`).
Money stays integer minor units in the store and `Money` (Decimal) on the page.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.arrangements.service import active_plan, active_promise
from creditflow.compliance.models import OPEN_STATUSES as HANDOVER_OPEN
from creditflow.compliance.models import Handover
from creditflow.ledger.models import (
    Consent,
    ContactPoint,
    Customer,
    Dispute,
    Invoice,
    InvoiceDunning,
    PaymentPlan,
    PromiseToPay,
)
from creditflow.money import Money
from creditflow.outbox.clock import local_today
from creditflow.outbox.models import OPEN_TASK_STATUSES, PLAN_REVIEW_STEP, Action
from creditflow.staff.models import StaffUser
from creditflow.strategy.models import StrategyVersion
from creditflow.strategy.schema import Strategy, parse_strategy
from creditflow.strategy.service import default_strategy_text
from creditflow.workbench.customer_search import OPEN_STATUSES
from creditflow.workbench.next_step import NextStep, next_step, strategy_of

__all__ = ["CustomerFacts", "InvoiceRow", "PlanRequest", "customer_facts"]


@dataclass
class InvoiceRow:
    """An invoice with what is open, how far dunning went and what comes next."""

    invoice: Invoice
    amount: Money
    open: Money
    level: int
    step: str | None
    reached_on: date | None
    next: NextStep | None
    queued: list[Action] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        """True while something is still owed on it."""
        return self.invoice.open_minor > 0 and self.invoice.status in OPEN_STATUSES


@dataclass(frozen=True)
class PlanRequest:
    """A payment plan request waiting for a person (its review task)."""

    action: Action
    months: int | None
    total: Money
    reason: str | None


@dataclass
class CustomerFacts:
    """Everything the customer page shows besides the timeline."""

    customer: Customer
    today: date
    collector: str | None
    balances: list[Money]
    credit: Money | None
    contact_points: list[ContactPoint]
    consents: list[Consent]
    invoices: list[InvoiceRow]
    disputes: list[tuple[Dispute, str]]
    plan_requests: list[PlanRequest]
    promise: PromiseToPay | None
    plan: PaymentPlan | None
    handover: Handover | None
    queued: list[Action]
    strategy: str | None
    collectors: list[StaffUser]

    @property
    def promise_amount(self) -> Money | None:
        """The amount of the running promise, when it names one."""
        p = self.promise
        return (
            None
            if p is None or p.amount_minor is None
            else Money.of_minor(p.amount_minor, p.currency)
        )


def customer_facts(session: Session, customer: Customer, now: datetime) -> CustomerFacts:
    """The facts of one customer's page (the caller checked the portfolio)."""
    today = local_today(customer, now)
    queued = list(
        session.scalars(
            select(Action)
            .where(Action.customer_id == customer.id, Action.status == "queued")
            .order_by(Action.scheduled_at, Action.id)
        )
    )
    invoices, strategy_name = _invoices(session, customer, queued, today)
    balances: dict[str, int] = defaultdict(int)
    for row in invoices:
        if row.is_open:
            balances[row.invoice.currency] += row.invoice.open_minor
    numbers = {row.invoice.id: row.invoice.invoice_number for row in invoices}
    disputes = [
        (d, numbers.get(d.invoice_id, ""))
        for d in session.scalars(
            select(Dispute)
            .where(Dispute.customer_id == customer.id, Dispute.status == "open")
            .order_by(Dispute.opened_at)
        )
    ]
    collector = (
        session.scalar(select(StaffUser.email).where(StaffUser.id == customer.collector_id))
        if customer.collector_id
        else None
    )
    return CustomerFacts(
        customer=customer,
        today=today,
        collector=collector,
        balances=[Money.of_minor(m, c) for c, m in sorted(balances.items())],
        credit=Money.of_minor(customer.credit_minor, customer.credit_currency)
        if customer.credit_minor
        else None,
        contact_points=list(
            session.scalars(
                select(ContactPoint)
                .where(ContactPoint.customer_id == customer.id)
                .order_by(ContactPoint.channel, ContactPoint.id)
            )
        ),
        consents=_latest_consents(session, customer.id),
        invoices=invoices,
        disputes=disputes,
        plan_requests=_plan_requests(session, customer.id),
        promise=active_promise(session, customer.id),
        plan=active_plan(session, customer.id),
        handover=session.scalars(
            select(Handover).where(
                Handover.customer_id == customer.id, Handover.status.in_(HANDOVER_OPEN)
            )
        ).first(),
        queued=queued,
        strategy=strategy_name,
        collectors=list(
            session.scalars(
                select(StaffUser)
                .where(StaffUser.role == "collector", StaffUser.active.is_(True))
                .order_by(StaffUser.email)
            )
        ),
    )


def _invoices(
    session: Session, customer: Customer, queued: list[Action], today: date
) -> tuple[list[InvoiceRow], str | None]:
    """Open invoices first (oldest due first), then the last closed ones, with next steps."""
    rows = session.execute(
        select(Invoice, InvoiceDunning)
        .outerjoin(InvoiceDunning, InvoiceDunning.invoice_id == Invoice.id)
        .where(Invoice.customer_id == customer.id)
        .order_by(Invoice.due_date, Invoice.id)
    ).all()
    strategy = _active_strategy(session)
    # the strategy the run last dunned this customer by (its actions carry the name)
    last_run = session.scalar(
        select(Action.strategy)
        .where(
            Action.customer_id == customer.id,
            Action.strategy.in_({s.strategy for s in strategy.steps}),
        )
        .order_by(Action.created_at.desc(), Action.id.desc())
        .limit(1)
    )
    name = strategy_of(strategy, customer.segment, last_run)
    steps = strategy.steps_of(name) if name else []
    found: list[InvoiceRow] = []
    for invoice, dunning in rows:
        row = InvoiceRow(
            invoice=invoice,
            amount=Money.of_minor(invoice.amount_minor, invoice.currency),
            open=Money.of_minor(invoice.open_minor, invoice.currency),
            level=dunning.level if dunning else 0,
            step=dunning.step if dunning else None,
            reached_on=dunning.reached_on if dunning else None,
            next=None,
            queued=[a for a in queued if invoice.id in (a.invoice_ids or [])],
        )
        if row.is_open and steps:
            row.next = next_step(
                steps,
                level=row.level,
                reached_step=row.step,
                reached_on=row.reached_on,
                due_date=invoice.due_date,
                today=today,
            )
        found.append(row)
    open_rows = [r for r in found if r.is_open]
    closed = [r for r in found if not r.is_open][-20:]
    return open_rows + closed[::-1], name


def _active_strategy(session: Session) -> Strategy:
    """The active strategy (the shipped default when none is loaded), parsed once per text."""
    active = session.execute(
        select(StrategyVersion.content, StrategyVersion.source_name).where(StrategyVersion.active)
    ).first()
    text, source = (active[0], active[1]) if active else (default_strategy_text(), "default.yaml")
    return _parsed(text, source)


@lru_cache(maxsize=8)
def _parsed(text: str, source: str) -> Strategy:
    """A strategy file parsed (a page view must not pay ~20 ms to validate it again)."""
    return parse_strategy(text, source=source)


def _latest_consents(session: Session, customer_pk: int) -> list[Consent]:
    """The latest consent given or withdrawn per channel."""
    latest: dict[str, Consent] = {}
    for consent in session.scalars(
        select(Consent)
        .where(Consent.customer_id == customer_pk)
        .order_by(Consent.recorded_at, Consent.id)
    ):
        latest[consent.channel] = consent
    return [latest[channel] for channel in sorted(latest)]


def _plan_requests(session: Session, customer_pk: int) -> list[PlanRequest]:
    """Payment plan requests of the customer that wait for a person's decision."""
    tasks = session.scalars(
        select(Action)
        .where(
            Action.customer_id == customer_pk,
            Action.kind == "task",
            Action.step == PLAN_REVIEW_STEP,
            Action.status.in_(OPEN_TASK_STATUSES),
        )
        .order_by(Action.created_at)
    )
    requests = []
    for task in tasks:
        payload = task.payload or {}
        months = payload.get("months")
        requests.append(
            PlanRequest(
                action=task,
                months=int(months)
                if isinstance(months, int | str) and str(months).isdigit()
                else None,
                total=Money.of_minor(task.amount_due_minor, task.currency),
                reason=payload.get("reason"),
            )
        )
    return requests
