"""Combined references: one structured reference for a message about several invoices.

A letter's EPC QR code holds the total of the invoices it names, so the reference in it
must name all of them: `ensure_combined_references` gives each such message its own
reference (derived from the action id, stored once, kept when a retry narrows the
invoices) and `combined_reference_frame` hands them to the statement matcher, which
maps a transfer quoting one back to every invoice still open of that message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import polars as pl
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from creditflow.ledger.references import reference_for_message
from creditflow.outbox.models import Action
from creditflow.payments.models import CombinedReference

__all__ = ["PAYLOAD_KEY", "combined_reference_frame", "ensure_combined_references"]

# Where the message's reference is kept for rendering (the action's payload).
PAYLOAD_KEY = "payment_reference"


def ensure_combined_references(
    session: Session, actions: Sequence[Action], scheme: str, now: datetime
) -> dict[str, str]:
    """Action id -> its combined reference, for the messages naming several invoices."""
    several = [a for a in actions if a.kind == "message" and len(a.invoice_ids or []) > 1]
    if not several:
        return {}
    stored = {
        row.action_id: row
        for row in session.scalars(
            select(CombinedReference).where(
                CombinedReference.action_id.in_([a.action_id for a in several])
            )
        )
    }
    out: dict[str, str] = {}
    for action in several:
        row = stored.get(action.action_id)
        if row is None:
            row = CombinedReference(
                reference=reference_for_message(action.action_id, scheme),
                action_id=action.action_id,
                customer_id=action.customer_id,
                created_at=now,
            )
            session.add(row)
        row.invoice_ids = list(action.invoice_ids)
        row.amount_minor = action.amount_due_minor
        row.currency = action.currency
        out[action.action_id] = row.reference
        action.payload = {**(action.payload or {}), PAYLOAD_KEY: row.reference}
    session.flush()
    return out


def combined_reference_frame(conn: Connection) -> pl.DataFrame:
    """(reference, invoice_id): one row per invoice each stored combined reference names."""
    rows = conn.execute(select(CombinedReference.reference, CombinedReference.invoice_ids))
    pairs = [(reference, int(i)) for reference, ids in rows for i in ids or []]
    return pl.DataFrame(
        pairs, schema={"reference": pl.String, "invoice_id": pl.Int64}, orient="row"
    )
