"""Outbox queries used by the command line and the API."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from creditflow.money import from_minor


def list_actions(
    engine: Engine,
    *,
    customer: str | None = None,
    status: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Actions in the public JSON shape, newest decision first."""
    from zoneinfo import ZoneInfo

    filters = []
    params: dict[str, Any] = {}
    if customer is not None:
        filters.append("c.customer_id = :customer")
        params["customer"] = customer
    if status is not None:
        filters.append("a.status = :status")
        params["status"] = status
    where = f"WHERE {' AND '.join(filters)} " if filters else ""
    sql = (
        "SELECT a.action_id, c.customer_id, a.kind, a.channel, a.step, a.template, a.language, "
        "a.tone, a.invoice_numbers, a.amount_due_minor, a.charge_minor, a.currency, "
        "a.scheduled_at, a.timezone, a.status FROM action a JOIN customer c ON c.id = a.customer_id "
        + where
        + "ORDER BY a.decided_on DESC, a.id"
    )
    if limit:
        sql += f" LIMIT {int(limit)}"
    from creditflow.models import UtcDateTime

    to_utc = UtcDateTime().process_result_value
    rows = []
    with engine.connect() as conn:
        for r in conn.execute(text(sql), params).mappings():
            scheduled = r["scheduled_at"]
            if isinstance(scheduled, str):
                from datetime import datetime

                scheduled = datetime.fromisoformat(scheduled)
            scheduled = to_utc(scheduled, None)
            invoices = r["invoice_numbers"]
            if isinstance(invoices, str):
                import json

                invoices = json.loads(invoices)
            item: dict[str, Any] = {
                "action_id": r["action_id"],
                "customer_id": r["customer_id"],
                "kind": r["kind"],
                "channel": r["channel"],
                "step": r["step"],
                "template": r["template"],
                "language": r["language"],
                "tone": r["tone"],
                "invoices": invoices,
                "amount_due": str(from_minor(r["amount_due_minor"], r["currency"])),
                "currency": r["currency"],
                "scheduled_at": scheduled.astimezone(ZoneInfo(r["timezone"])).isoformat()
                if scheduled
                else None,
                "status": r["status"],
            }
            if r["kind"] == "charge":
                item["amount"] = (
                    None
                    if r["charge_minor"] is None
                    else str(from_minor(r["charge_minor"], r["currency"]))
                )
            rows.append(item)
    return rows
