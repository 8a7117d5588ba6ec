"""The pre-send re-check (DESIGN invariant 5): is this action still right to send?

`recheck` is pure: given the state of the covered invoices and of the customer at
send time, it says whether to cancel (and why) or what to send (the invoices still
open and their amount). `dispatch.facts.load_facts` reads that state for a whole
batch of actions with a handful of set-based queries.

Rules: an invoice no longer needs a reminder when it is paid or closed (open amount
zero, status paid or written_off) or paused (`strategy.pause`, the rule the run uses):
disputed, under an active promise (until its date plus the grace days), in a payment
plan in good standing, or named in a payment plan request waiting for review (the
review task itself, internal work, goes on). When no covered invoice is
left, the action is cancelled; when only some are, it is sent for the rest with the
new amount. Actions without invoices (confirmations, access codes, replies) are
checked for contact rules only; a confirmation names the invoices it is about in its
payload (`CONTEXT_INVOICES`), which the message shows but the re-check does not guard.

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
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from creditflow.compliance.service import CALL_CHANNELS, call_allowed
from creditflow.config import Settings
from creditflow.dispatch.facts import BatchFacts, InvoiceState
from creditflow.dispatch.outcome import timeline
from creditflow.dispatch.quiet_hours import quiet_hours_reason
from creditflow.outbox.clock import local_today
from creditflow.outbox.models import Action

__all__ = [
    "INTERNAL_TASK_CHANNELS",
    "OPT_OUT_CONFIRMATION",
    "RecheckResult",
    "is_opt_out_confirmation",
    "postpone",
    "reaches_debtor",
    "recheck",
    "recheck_action",
]

# Tasks on these channels are work for collectors, not contact with the debtor.
INTERNAL_TASK_CHANNELS = ("review",)
OPT_OUT_CONFIRMATION = "opt_out_confirmation"
# Fallback when a refusal gives no moment to try again (it always should).
POSTPONE_FALLBACK = timedelta(hours=1)


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
    internal = not reaches_debtor(kind, channel)
    for invoice in invoices:
        reason = invoice.hold(today, internal=internal)
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
