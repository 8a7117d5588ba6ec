"""The kinds of action in the outbox, and which of them contact the debtor (pure)."""

from __future__ import annotations

__all__ = ["ACTION_KINDS", "CONTACT_KINDS", "HELD"]

ACTION_KINDS = ("message", "task", "charge", "escalation")
# A message or a collector's task reaches the debtor; a charge or hand-over does not.
CONTACT_KINDS = ("message", "task")
# A queued action a person put on hold: no worker claims it until it is released.
HELD = "held"
