"""The pre-send re-check (DESIGN invariant 5): is this action still right to send?

`recheck` is pure: given the state of the covered invoices and of the customer at
send time, it says whether to cancel (and why) or what to send (the invoices still
open and their amount). `load_facts` reads that state for a whole batch of actions
with a handful of set-based queries.

Rules: an invoice no longer needs a reminder when it is paid or closed (open amount
zero, status paid or written_off), disputed, under an active promise (until its date
plus the grace days) or under an active payment plan. When no covered invoice is
left, the action is cancelled; when only some are, it is sent for the rest with the
new amount. Actions without invoices (confirmations, access codes, replies) are
checked for contact rules only.

Contact rules: a message is cancelled when the customer opted out of its channel,
except the one confirmation of that opt-out (`is_opt_out_confirmation`). A message,
or a task that reaches the debtor (a call, a visit), is cancelled when the customer
is in a do-not-contact state; internal work items for collectors (channel "review")
are not. With Regulation F on, a call or voice message the rules refuse now is
postponed to the moment they allow it (`recheck_action`, `postpone`).

Quiet hours (DESIGN invariant 9): a message that reaches the debtor outside the
quiet-hours window of their own time zone, or on a Sunday or public holiday for the
channels that rest then, is postponed to the first moment allowed, whatever time it
was scheduled for: a dispatch that runs late never sends at night. Letters (posted,
not received, at send time) and the answers to something the debtor just did (an
access code, a confirmation) are exempt (`sendtime.keeps_quiet_hours`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.compliance.service import CALL_CHANNELS, call_allowed, customer_zone, local_today
from creditflow.config import ContactRules, Settings
from creditflow.dispatch.models import Action
from creditflow.dispatch.outcome import timeline
from creditflow.ledger.models import (
    ContactPoint,
    Customer,
    Dispute,
    Invoice,
    PaymentPlan,
    PromiseToPay,
    plan_invoice,
    promise_invoice,
)
from creditflow.strategy.sendtime import keeps_quiet_hours, next_allowed

__all__ = [
    "INTERNAL_TASK_CHANNELS",
    "OPT_OUT_CONFIRMATION",
    "BatchFacts",
    "InvoiceState",
    "RecheckResult",
    "is_opt_out_confirmation",
    "load_facts",
    "postpone",
    "recheck",
    "recheck_action",
]

CLOSED_STATUSES = ("paid", "written_off")
# Tasks on these channels are work for collectors, not contact with the debtor.
INTERNAL_TASK_CHANNELS = ("review",)
OPT_OUT_CONFIRMATION = "opt_out_confirmation"
# Fallback when a refusal gives no moment to try again (it always should).
POSTPONE_FALLBACK = timedelta(hours=1)


@dataclass(frozen=True)
class InvoiceState:
    """One covered invoice as it stands at send time."""

    invoice_id: int
    invoice_number: str
    open_minor: int
    status: str
    disputed: bool = False
    promised_until: date | None = None
    planned: bool = False

    def hold(self, today: date) -> str | None:
        """Why this invoice needs no reminder now ("paid", "disputed", ...), or None."""
        if self.open_minor <= 0 or self.status in CLOSED_STATUSES:
            return "paid"
        if self.disputed or self.status == "disputed":
            return "disputed"
        if self.promised_until is not None and self.promised_until >= today:
            return "promise to pay"
        if self.planned:
            return "payment plan"
        return None


@dataclass(frozen=True)
class RecheckResult:
    """Cancel (with the reason) or send for these invoices and this amount."""

    cancel_reason: str | None
    invoice_ids: tuple[int, ...] = ()
    invoice_numbers: tuple[str, ...] = ()
    amount_due_minor: int | None = None
    dropped: tuple[str, ...] = ()
    postpone_until: datetime | None = None
    postpone_reason: str | None = None

    @property
    def postponed(self) -> bool:
        """True when the action must wait (not be sent now, not be cancelled)."""
        return self.postpone_until is not None and self.cancel_reason is None

    @property
    def cancelled(self) -> bool:
        """True when the action must not be sent."""
        return self.cancel_reason is not None


def recheck(
    kind: str,
    channel: str,
    invoices: Sequence[InvoiceState],
    *,
    has_invoices: bool,
    today: date,
    opted_out_channels: Iterable[str] = (),
    do_not_contact: str | None = None,
    opt_out_confirmation: bool = False,
) -> RecheckResult:
    """Decide whether an action is still to be sent, and for which invoices and amount.

    `opt_out_confirmation` marks the one message confirming an opt-out on its own
    channel: it goes although the customer opted out of that channel.
    """
    if reaches_debtor(kind, channel) and do_not_contact:
        return RecheckResult(f"do not contact: {do_not_contact}")
    if kind == "message" and channel in set(opted_out_channels) and not opt_out_confirmation:
        return RecheckResult(f"customer opted out of {channel}")
    if not has_invoices:
        return RecheckResult(None)
    if not invoices:
        return RecheckResult("the covered invoices no longer exist")
    keep: list[InvoiceState] = []
    held: dict[str, list[str]] = defaultdict(list)
    for invoice in invoices:
        reason = invoice.hold(today)
        if reason is None:
            keep.append(invoice)
        else:
            held[reason].append(invoice.invoice_number)
    if not keep:
        why = "; ".join(f"{reason}: {', '.join(numbers)}" for reason, numbers in held.items())
        return RecheckResult(f"nothing left to remind of ({why})")
    return RecheckResult(
        None,
        tuple(i.invoice_id for i in keep),
        tuple(i.invoice_number for i in keep),
        sum(i.open_minor for i in keep),
        tuple(n for numbers in held.values() for n in numbers),
    )


def reaches_debtor(kind: str, channel: str) -> bool:
    """True for a message, or a task that contacts the debtor (not an internal review)."""
    if kind == "message":
        return True
    return kind == "task" and channel not in INTERNAL_TASK_CHANNELS


def is_opt_out_confirmation(action: Action) -> bool:
    """True for the confirmation queued when the customer opted out of this channel."""
    return (
        action.kind == "message"
        and action.template == OPT_OUT_CONFIRMATION
        and (action.payload or {}).get(OPT_OUT_CONFIRMATION) is True
    )


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

    def reachable(self, customer_pk: int) -> set[str]:
        """Channels with a valid contact point the customer did not opt out of."""
        out = self.opted_out(customer_pk)
        return {
            p.channel
            for p in self.contacts.get(customer_pk, [])
            if p.valid and not p.opted_out and p.channel not in out
        }

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


def load_facts(
    session: Session,
    actions: Sequence[Action],
    grace_days: int,
    *,
    now: datetime | None = None,
    rules: ContactRules | None = None,
) -> BatchFacts:
    """Read customers, contact points and the covered invoices' state for a batch.

    With `now` and `rules`, also the messages that must wait for quiet hours to end.
    """
    facts = BatchFacts()
    customer_pks = sorted({a.customer_id for a in actions})
    invoice_pks = sorted({i for a in actions for i in (a.invoice_ids or [])})
    if not customer_pks:
        return facts
    for customer in session.scalars(select(Customer).where(Customer.id.in_(customer_pks))):
        facts.customers[customer.id] = customer
    if now is not None and rules is not None:
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
    planned = set(
        session.scalars(
            select(plan_invoice.c.invoice_id)
            .join(PaymentPlan, PaymentPlan.id == plan_invoice.c.plan_id)
            .where(plan_invoice.c.invoice_id.in_(invoice_pks), PaymentPlan.status == "active")
        )
    )
    promised = _promised_until(session, customer_pks, grace_days)
    for invoice in facts.invoices.values():
        until = [
            d
            for key, d in promised.items()
            if key in ((invoice.customer_id, None), (invoice.customer_id, invoice.id))
        ]
        facts.states[invoice.id] = InvoiceState(
            invoice.id,
            invoice.invoice_number,
            invoice.open_minor,
            invoice.status,
            disputed=invoice.id in disputed,
            promised_until=max(until) if until else None,
            planned=invoice.id in planned,
        )
    return facts


def quiet_hours_holds(
    actions: Sequence[Action],
    customers: dict[int, Customer],
    now: datetime,
    rules: ContactRules,
) -> dict[int, datetime]:
    """Action pk -> the first moment it may be sent, for those that may not go at `now`."""
    held = [a for a in actions if keeps_quiet_hours(a.kind, a.channel, a.step)]
    if not held:
        return {}
    frame = pl.DataFrame(
        {
            "action_pk": [a.id for a in held],
            "timezone": [customers[a.customer_id].timezone for a in held],
            "country": [customers[a.customer_id].country for a in held],
            "channel": [a.channel for a in held],
        }
    )
    allowed = next_allowed(frame, now=now, rules=rules)
    return {
        pk: moment
        for pk, moment in zip(allowed["action_pk"], allowed["not_before"], strict=True)
        if moment > now
    }


def quiet_hours_reason(customer: Customer, channel: str, now: datetime, rules: ContactRules) -> str:
    """Why a message may not reach this customer at `now` (quiet hours or a rest day)."""
    local = now.astimezone(customer_zone(customer))
    window = f"{rules.quiet_start:%H:%M}-{rules.quiet_end:%H:%M}"
    if rules.quiet_start <= local.time() < rules.quiet_end:
        return f"no {channel} on a Sunday or public holiday in {customer.country}"
    return f"outside quiet hours {window} ({customer.timezone}, {local:%H:%M} there)"


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
        until = promised_date + timedelta(days=grace_days)
        out[key] = max(out.get(key, until), until)
    return out


def recheck_action(
    session: Session, settings: Settings, action: Action, facts: BatchFacts, now: datetime
) -> RecheckResult:
    """Re-check one claimed action against the store at `now` (see the module rules).

    A call or voice action that passes the re-check is then held against Regulation F
    when `settings.rules.regulation_f` is on: refused means postponed, not cancelled.
    """
    customer = facts.customers[action.customer_id]
    states = [facts.states[i] for i in action.invoice_ids or [] if i in facts.states]
    verdict = recheck(
        action.kind,
        action.channel,
        states,
        has_invoices=bool(action.invoice_ids),
        today=local_today(customer, now),
        opted_out_channels=facts.opted_out(customer.id),
        do_not_contact=customer.do_not_contact,
        opt_out_confirmation=is_opt_out_confirmation(action),
    )
    if not verdict.cancelled and action.id in facts.not_before:
        return replace(
            verdict,
            postpone_until=facts.not_before[action.id],
            postpone_reason=quiet_hours_reason(customer, action.channel, now, settings.rules),
        )
    if (
        verdict.cancelled
        or not settings.rules.regulation_f
        or action.channel not in CALL_CHANNELS
        or not reaches_debtor(action.kind, action.channel)
    ):
        return verdict
    rule = call_allowed(session, customer.id, now, settings.rules)
    if rule.allowed:
        return verdict
    return replace(
        verdict,
        postpone_until=rule.not_before or now + POSTPONE_FALLBACK,
        postpone_reason=rule.reason or "Regulation F",
    )


def postpone(session: Session, action: Action, verdict: RecheckResult, now: datetime) -> None:
    """Give the action back to the queue until `verdict.postpone_until`, on the timeline."""
    if verdict.postpone_until is None:
        raise ValueError(f"action {action.action_id}: the re-check gave no time to postpone to")
    action.next_attempt_at = verdict.postpone_until
    action.claimed_by = None
    action.claimed_at = None
    action.updated_at = now
    label = "message" if action.kind == "message" else action.kind
    when = verdict.postpone_until.isoformat(timespec="minutes")
    timeline(
        session,
        action,
        f"{label}.postponed",
        f"{action.step} on {action.channel} postponed until {when}: {verdict.postpone_reason}",
        now,
        data={"reason": verdict.postpone_reason, "not_before": verdict.postpone_until.isoformat()},
    )
