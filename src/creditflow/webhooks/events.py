"""Which timeline entries go out as which webhook events, and when to retry (pure).

The timeline (`event`) is written in the same transaction as each change, so it is the
outbox: a delivery pass reads it in order and makes one delivery per subscriber.
"""

from __future__ import annotations

from datetime import timedelta

# timeline kind -> public event type
TIMELINE_TYPES = {
    "payment.received": "payment.received",
    "promise.made": "promise.created",
    "promise.broken": "promise.broken",
    "dispute.opened": "dispute.opened",
    "dispute.resolved": "dispute.resolved",
    "message.sent": "action.sent",
    "message.failed": "action.failed",
    "plan.agreed": "plan.agreed",
    "plan.requested": "plan.requested",
    "handover.created": "handover.created",
    "customer.opted_out": "customer.opted_out",
}
# derived from a payment.received entry: the invoices that payment settled
INVOICE_PAID = "invoice.paid"
EVENT_TYPES = tuple(sorted({*TIMELINE_TYPES.values(), INVOICE_PAID}))

# wait before attempt 2, 3, ...; after the last, the delivery is failed
RETRY_DELAYS = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=4),
    timedelta(hours=12),
    timedelta(hours=24),
)


def check_event_types(wanted: list[str]) -> list[str]:
    """The event types asked for, checked; ValueError naming an unknown one."""
    chosen = sorted({w.strip() for w in wanted if w.strip()})
    if not chosen:
        raise ValueError(f"events: name at least one of {', '.join(EVENT_TYPES)}")
    unknown = [w for w in chosen if w not in EVENT_TYPES]
    if unknown:
        raise ValueError(f"events: unknown {', '.join(unknown)} (one of {', '.join(EVENT_TYPES)})")
    return chosen


def timeline_kinds(event_types: list[str]) -> list[str]:
    """The timeline kinds to read for these event types."""
    kinds = {k for k, t in TIMELINE_TYPES.items() if t in event_types}
    if INVOICE_PAID in event_types:
        kinds.add("payment.received")
    return sorted(kinds)


def retry_delay(attempts: int) -> timedelta | None:
    """How long to wait after `attempts` failed attempts; None: give up."""
    if attempts < 1 or attempts > len(RETRY_DELAYS):
        return None
    return RETRY_DELAYS[attempts - 1]
