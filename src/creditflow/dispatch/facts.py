"""What the pre-send re-check and the renderer need for a batch, read set-based.

`load_facts` reads the customers, contact points and the state of the covered
invoices of a whole batch of actions with a handful of queries; each invoice's state
(`InvoiceState`) carries the facts of the dunning pause (`strategy.pause`), judged on
the customer's today by `InvoiceState.hold`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from creditflow.config import ContactRules
from creditflow.dispatch.quiet_hours import quiet_hours_holds
from creditflow.ledger.models import (
    ContactPoint,
    Customer,
    Dispute,
    Invoice,
    PaymentPlan,
    PlanInstallment,
    PromiseToPay,
    plan_invoice,
    promise_invoice,
)
from creditflow.outbox.models import CONTEXT_INVOICES, Action
from creditflow.outbox.service import plan_requests_waiting
from creditflow.strategy.pause import (
    PAUSE_REASONS,
    pause_reason,
    plan_pauses_until,
    promise_until,
)

__all__ = [
    "CLOSED_STATUSES",
    "BatchFacts",
    "ContactFact",
    "InvoiceState",
    "load_facts",
    "message_invoice_ids",
]

CLOSED_STATUSES = ("paid", "written_off")


@dataclass(frozen=True)
class InvoiceState:
    """One covered invoice as it stands at send time.

    promised_until: the last day an active promise pauses it (`pause.promise_until`);
    plan_until: the last day its active plan is in good standing (`pause.plan_pauses_until`);
    paused_until: the last day a person paused the customer's dunning (`customer.paused_until`).
    """

    invoice_id: int
    invoice_number: str
    open_minor: int
    status: str
    disputed: bool = False
    promised_until: date | None = None
    plan_until: date | None = None
    plan_requested: bool = False
    paused_until: date | None = None

    def hold(self, today: date, *, internal: bool = False) -> str | None:
        """Why this invoice needs no reminder now ("paid", "disputed", ...), or None.

        `internal` work for a collector (the review of a plan request) is not held
        by the plan request it is about.
        """
        if self.open_minor <= 0 or self.status in CLOSED_STATUSES:
            return "paid"
        reason = pause_reason(
            status=self.status,
            disputed=self.disputed,
            promised_until=self.promised_until,
            plan_until=self.plan_until,
            plan_requested=self.plan_requested and not internal,
            today=today,
            paused_until=self.paused_until,
        )
        return None if reason is None else PAUSE_REASONS[reason]


@dataclass(frozen=True, slots=True)
class ContactFact:
    """A contact point as the re-check sees it (read as plain rows, not ORM objects)."""

    customer_id: int
    channel: str
    address: str
    valid: bool
    opted_out: bool


@dataclass
class BatchFacts:
    """What the re-check and the renderer need for a batch, read in a few queries."""

    customers: dict[int, Customer] = field(default_factory=dict)
    invoices: dict[int, Invoice] = field(default_factory=dict)
    states: dict[int, InvoiceState] = field(default_factory=dict)
    contacts: dict[int, list[ContactFact]] = field(default_factory=lambda: defaultdict(list))
    not_before: dict[int, datetime] = field(default_factory=dict)

    def opted_out(self, customer_pk: int) -> set[str]:
        """Channels the customer opted out of (customer list or every point opted out)."""
        customer = self.customers[customer_pk]
        out = set(customer.opt_out or [])
        by_channel: dict[str, list[bool]] = defaultdict(list)
        for point in self.contacts.get(customer_pk, []):
            by_channel[point.channel].append(point.opted_out)
        out |= {ch for ch, flags in by_channel.items() if flags and all(flags)}
        return out

    def contact(
        self, customer_pk: int, channel: str, *, include_opted_out: bool = False
    ) -> ContactFact | None:
        """The address to send to on a channel: the first valid, not opted-out point.

        `include_opted_out` (for the confirmation of an opt-out) also takes a point the
        customer opted out of, preferring one that is not.
        """
        points = [p for p in self.contacts.get(customer_pk, []) if p.channel == channel and p.valid]
        for point in points:
            if not point.opted_out:
                return point
        if include_opted_out and points:
            return points[0]
        return None


def message_invoice_ids(action: Action) -> list[int]:
    """The invoices a message is about: those the re-check guards, else those it names."""
    if action.invoice_ids:
        return list(action.invoice_ids)
    return [int(pk) for pk in (action.payload or {}).get(CONTEXT_INVOICES, [])]


def load_facts(
    session: Session,
    actions: Sequence[Action],
    rules: ContactRules,
    *,
    now: datetime | None = None,
) -> BatchFacts:
    """Read customers, contact points and the state of the invoices of a batch's messages.

    With `now`, also the messages that must wait for quiet hours to end.
    """
    facts = BatchFacts()
    customer_pks = sorted({a.customer_id for a in actions})
    invoice_pks = sorted({i for a in actions for i in message_invoice_ids(a)})
    if not customer_pks:
        return facts
    for customer in session.scalars(select(Customer).where(Customer.id.in_(customer_pks))):
        facts.customers[customer.id] = customer
    if now is not None:
        facts.not_before = quiet_hours_holds(actions, facts.customers, now, rules)
    points = select(
        ContactPoint.customer_id,
        ContactPoint.channel,
        ContactPoint.address,
        ContactPoint.valid,
        ContactPoint.opted_out,
    ).where(ContactPoint.customer_id.in_(customer_pks))
    for row in session.execute(points.order_by(ContactPoint.id)):
        facts.contacts[row[0]].append(ContactFact(*row))
    if not invoice_pks:
        return facts
    for invoice in session.scalars(select(Invoice).where(Invoice.id.in_(invoice_pks))):
        facts.invoices[invoice.id] = invoice
    disputed = set(
        session.scalars(
            select(Dispute.invoice_id).where(
                Dispute.invoice_id.in_(invoice_pks), Dispute.status == "open"
            )
        )
    )
    planned = _plan_until(session, invoice_pks, rules.plan_grace_days)
    requested = {
        (customer_pk, number)
        for customer_pk, numbers in session.execute(plan_requests_waiting(customer_pks))
        for number in numbers or []
    }
    promised = _promised_until(session, customer_pks, rules.promise_grace_days)
    for invoice in facts.invoices.values():
        until = [
            d
            for key in ((invoice.customer_id, None), (invoice.customer_id, invoice.id))
            if (d := promised.get(key)) is not None
        ]
        facts.states[invoice.id] = InvoiceState(
            invoice.id,
            invoice.invoice_number,
            invoice.open_minor,
            invoice.status,
            disputed=invoice.id in disputed,
            promised_until=max(until) if until else None,
            plan_until=planned.get(invoice.id),
            plan_requested=(invoice.customer_id, invoice.invoice_number) in requested,
            paused_until=facts.customers[invoice.customer_id].paused_until
            if invoice.customer_id in facts.customers
            else None,
        )
    return facts


def _plan_until(session: Session, invoice_pks: Sequence[int], grace_days: int) -> dict[int, date]:
    """invoice -> the last day an active plan it is in stays in good standing."""
    plans = session.execute(
        select(plan_invoice.c.invoice_id, plan_invoice.c.plan_id)
        .join(PaymentPlan, PaymentPlan.id == plan_invoice.c.plan_id)
        .where(plan_invoice.c.invoice_id.in_(invoice_pks), PaymentPlan.status == "active")
    ).all()
    if not plans:
        return {}
    oldest_unpaid: dict[int, date] = {
        plan_pk: due
        for plan_pk, due in session.execute(
            select(PlanInstallment.plan_id, func.min(PlanInstallment.due_date))
            .where(
                PlanInstallment.plan_id.in_({plan_pk for _, plan_pk in plans}),
                PlanInstallment.paid_minor < PlanInstallment.amount_minor,
            )
            .group_by(PlanInstallment.plan_id)
        )
    }
    out: dict[int, date] = {}
    for invoice_pk, plan_pk in plans:
        until = plan_pauses_until(oldest_unpaid.get(plan_pk), grace_days)
        out[invoice_pk] = max(out.get(invoice_pk, until), until)
    return out


def _promised_until(
    session: Session, customer_pks: Sequence[int], grace_days: int
) -> dict[tuple[int, int | None], date]:
    """(customer, invoice or None for all) -> the last day an active promise holds."""
    rows = session.execute(
        select(PromiseToPay.customer_id, PromiseToPay.promised_date, promise_invoice.c.invoice_id)
        .outerjoin(promise_invoice, promise_invoice.c.promise_id == PromiseToPay.id)
        .where(PromiseToPay.customer_id.in_(customer_pks), PromiseToPay.status == "active")
    )
    out: dict[tuple[int, int | None], date] = {}
    for customer_pk, promised_date, invoice_pk in rows:
        key = (customer_pk, invoice_pk)
        until = promise_until(promised_date, grace_days)
        out[key] = max(out.get(key, until), until)
    return out
