"""A person handles an action in the outbox: hold, release, cancel, retry.

`next_status` is the rule (pure): a queued action may be held (no worker claims a
held one, `dispatch.claim`) or cancelled; a held one released or cancelled; a failed
one retried (queued again, now, with a fresh set of attempts). An action a worker is
sending at this moment (a live claim) is not changed. `handle_action` applies it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from creditflow.outbox.models import HELD, Action

__all__ = ["OPERATIONS", "HandlingRefused", "handle_action", "next_status"]

# operation -> (the statuses it applies to, the status it leads to)
OPERATIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "hold": (("queued",), HELD),
    "release": ((HELD,), "queued"),
    "cancel": (("queued", HELD), "cancelled"),
    "retry": (("failed",), "queued"),
}


class HandlingRefused(ValueError):
    """The operation does not apply to the action as it is; the message says why."""


def next_status(operation: str, status: str, *, claimed: bool) -> str:
    """The status after `operation` on an action with `status` (HandlingRefused if not allowed)."""
    if operation not in OPERATIONS:
        raise HandlingRefused(f"operation {operation!r} is not one of {', '.join(OPERATIONS)}")
    allowed, after = OPERATIONS[operation]
    if status not in allowed:
        raise HandlingRefused(
            f"an action that is {status} cannot be {_past(operation)} "
            f"(only one that is {' or '.join(allowed)})"
        )
    if claimed:
        raise HandlingRefused("a worker is sending this action right now; try again in a minute")
    return after


def _past(operation: str) -> str:
    return {"hold": "held", "release": "released", "cancel": "cancelled", "retry": "retried"}[
        operation
    ]


def handle_action(
    session: Session,
    action: Action,
    operation: str,
    *,
    now: datetime,
    claim_timeout_seconds: float,
    note: str = "",
) -> str:
    """Apply `operation` to the action (in the caller's transaction); its new status."""
    claimed = (
        action.claimed_by is not None
        and action.claimed_at is not None
        and action.claimed_at > now - timedelta(seconds=claim_timeout_seconds)
    )
    after = next_status(operation, action.status, claimed=claimed)
    action.status = after
    action.status_reason = (f"{_past(operation)} by staff" + (f": {note}" if note else ""))[:400]
    action.updated_at = now
    if operation == "retry":
        action.attempts = 0
        action.next_attempt_at = None
        action.scheduled_at = now
        action.claimed_by = None
        action.claimed_at = None
    return after
