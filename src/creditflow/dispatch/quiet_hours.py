"""Quiet hours at the moment of sending: which messages of a batch must wait, and why.

The rule is the one the collection run schedules with (`strategy.sendtime`), applied
again to the moment dispatch actually sends (DESIGN invariant 9).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl

from creditflow.config import END_OF_DAY, ContactRules
from creditflow.ledger.models import Customer
from creditflow.outbox.clock import customer_zone
from creditflow.outbox.models import Action
from creditflow.strategy.sendtime import allowed_at, keeps_quiet_hours, next_allowed

__all__ = ["quiet_hours_holds", "quiet_hours_reason"]


def quiet_hours_holds(
    actions: Sequence[Action],
    customers: dict[int, Customer],
    now: datetime,
    rules: ContactRules,
) -> dict[int, datetime]:
    """Action pk -> the first moment it may be sent, for those that may not go at `now`.

    Most of a batch may go now (the run scheduled it inside the window): that is asked
    once per time zone, country and channel, and only the others are scheduled.
    """
    allowed: dict[tuple[str, str, str], bool] = {}  # (time zone, country, channel) -> may go
    held = []
    for action in actions:
        if not keeps_quiet_hours(action.kind, action.channel, action.step):
            continue
        customer = customers[action.customer_id]
        key = (customer.timezone, customer.country, action.channel)
        if key not in allowed:
            allowed[key] = allowed_at(*key, now, rules)
        if not allowed[key]:
            held.append(action)
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
    first = next_allowed(frame, now=now, rules=rules)
    return {
        pk: moment
        for pk, moment in zip(first["action_pk"], first["not_before"], strict=True)
        if moment > now
    }


def quiet_hours_reason(customer: Customer, channel: str, now: datetime, rules: ContactRules) -> str:
    """Why a message may not reach this customer at `now` (quiet hours or a rest day)."""
    local = now.astimezone(customer_zone(customer))
    end = "24:00" if rules.quiet_end == END_OF_DAY else f"{rules.quiet_end:%H:%M}"
    window = f"{rules.quiet_start:%H:%M}-{end}"
    if rules.quiet_start <= local.time() < rules.quiet_end:
        return f"no {channel} on a Sunday or public holiday in {customer.country}"
    return f"outside quiet hours {window} ({customer.timezone}, {local:%H:%M} there)"
