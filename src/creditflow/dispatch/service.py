"""Outbox queries used by the command line and the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine


def list_actions(
    engine: Engine,
    *,
    customer: str | None = None,
    status: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Actions in the public JSON shape, newest decision first."""
    from sqlalchemy import select

    from creditflow.ledger.models import Customer
    from creditflow.outbox.models import Action

    query = (
        select(
            Action.action_id,
            Customer.customer_id,
            Action.kind,
            Action.channel,
            Action.step,
            Action.template,
            Action.language,
            Action.tone,
            Action.invoice_numbers,
            Action.amount_due_minor,
            Action.charge_minor,
            Action.currency,
            Action.scheduled_at,
            Action.timezone,
            Action.status,
        )
        .join(Customer, Customer.id == Action.customer_id)
        .order_by(Action.decided_on.desc(), Action.id)
    )
    if customer is not None:
        query = query.where(Customer.customer_id == customer)
    if status is not None:
        query = query.where(Action.status == status)
    if limit:
        query = query.limit(limit)
    from creditflow.outbox.shape import action_json

    with engine.connect() as conn:
        return [
            action_json({**r, "invoices": list(r["invoice_numbers"] or [])})
            for r in conn.execute(query).mappings()
        ]
