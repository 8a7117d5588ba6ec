"""The public JSON shape of an action (DESIGN 4.2), for `run --json` and `actions --json`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from creditflow.money import from_minor
from creditflow.outbox.clock import zone_named

__all__ = ["LANGUAGES", "action_json", "message_language"]

# The languages the collection messages are written in; any other gets English.
LANGUAGES = ("nl", "en")


def message_language(language: str | None) -> str:
    """The language an action is written in: the customer's when it is one of LANGUAGES."""
    return language if language in LANGUAGES else "en"


def action_json(row: dict[str, Any]) -> dict[str, Any]:
    """One action in the public JSON shape of DESIGN 4.2."""
    scheduled = row["scheduled_at"]
    if isinstance(scheduled, datetime):
        scheduled = scheduled.astimezone(zone_named(row["timezone"])).isoformat()
    out: dict[str, Any] = {
        "action_id": row["action_id"],
        "customer_id": row["customer_id"],
        "kind": row["kind"],
        "channel": row["channel"],
        "step": row["step"],
        "template": row["template"],
        "language": row["language"],
        "tone": row["tone"],
        "invoices": list(row["invoices"]),
        "amount_due": str(from_minor(row["amount_due_minor"], row["currency"])),
        "currency": row["currency"],
        "scheduled_at": scheduled,
        "status": row["status"],
    }
    if row["kind"] == "charge":
        minor = row.get("charge_minor")
        out["amount"] = None if minor is None else str(from_minor(minor, row["currency"]))
    return out
