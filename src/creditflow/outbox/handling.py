"""A person handles an action in the outbox (hold, release, cancel, retry), in the store.

The rule is `outbox.transitions.next_status`; this applies it to one action in the
caller's transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from creditflow.outbox.models import Action
from creditflow.outbox.transitions import OPERATIONS, PAST, HandlingRefused, next_status

__all__ = ["OPERATIONS", "HandlingRefused", "handle_action", "next_status"]


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
    action.status_reason = (f"{PAST[operation]} by staff" + (f": {note}" if note else ""))[:400]
    action.updated_at = now
    if operation == "retry":
        action.attempts = 0
        action.next_attempt_at = None
        action.scheduled_at = now
        action.claimed_by = None
        action.claimed_at = None
    return after
