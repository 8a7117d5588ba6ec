"""What a person may do with an action in the outbox: hold, release, cancel, retry (pure).

A queued action may be held (no worker claims a held one, `dispatch.claim`) or
cancelled; a held one released or cancelled; a failed one retried (queued again, now,
with a fresh set of attempts). An action a worker is sending at this moment (a live
claim) is not changed. `outbox.handling.handle_action` applies the rule in the store.
"""

from __future__ import annotations

from creditflow.outbox.kinds import HELD

__all__ = ["OPERATIONS", "PAST", "HandlingRefused", "next_status"]

# operation -> (the statuses it applies to, the status it leads to)
OPERATIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "hold": (("queued",), HELD),
    "release": ((HELD,), "queued"),
    "cancel": (("queued", HELD), "cancelled"),
    "retry": (("failed",), "queued"),
}
PAST = {"hold": "held", "release": "released", "cancel": "cancelled", "retry": "retried"}


class HandlingRefused(ValueError):
    """The operation does not apply to the action as it is; the message says why."""


def next_status(operation: str, status: str, *, claimed: bool) -> str:
    """The status after `operation` on an action with `status` (HandlingRefused if not allowed)."""
    if operation not in OPERATIONS:
        raise HandlingRefused(f"operation {operation!r} is not one of {', '.join(OPERATIONS)}")
    allowed, after = OPERATIONS[operation]
    if status not in allowed:
        raise HandlingRefused(
            f"an action that is {status} cannot be {PAST[operation]} "
            f"(only one that is {' or '.join(allowed)})"
        )
    if claimed:
        raise HandlingRefused("a worker is sending this action right now; try again in a minute")
    return after
