"""Undo the payments a bank reverses or returns (CAMT RvslInd, MT940 RC, return reasons).

A reversal is money going out that takes back an incoming payment recorded earlier
from a statement (matched or resolved by hand). The original is the payment, not yet
reversed, of the same currency and amount with the same end-to-end id, or else with
the same counterparty IBAN and the same reference (structured reference, else the
remittance text); when several fit, the latest booked. Its allocations are undone (the
invoices reopen, so dunning resumes on the next run), the payment is marked reversed
and the reversal is put on the customer's timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

import polars as pl
from sqlalchemy import Connection

from creditflow.ledger.payments import reverse_allocations
from creditflow.payments.statements import StatementEntry
from creditflow.store import bulk_insert, bulk_update, read_frame

__all__ = ["ReversalOutcome", "find_original", "undo_reversals"]

_CANDIDATES = (
    "SELECT se.id, se.payment_id, se.customer_id, se.amount_minor, se.currency, "
    "se.counterparty_iban, se.end_to_end_id, se.structured_reference, se.remittance_text, "
    "se.booking_date FROM statement_entry se JOIN payment p ON p.id = se.payment_id "
    "WHERE se.status IN ('matched', 'resolved') AND p.reversed_at IS NULL "
    "AND se.amount_minor BETWEEN :lo AND :hi"
)
_CANDIDATE_SCHEMA = {
    "id": pl.Int64,
    "payment_id": pl.Int64,
    "customer_id": pl.Int64,
    "amount_minor": pl.Int64,
    "currency": pl.Utf8,
    "counterparty_iban": pl.Utf8,
    "end_to_end_id": pl.Utf8,
    "structured_reference": pl.Utf8,
    "remittance_text": pl.Utf8,
    "booking_date": pl.Date,
}


@dataclass(frozen=True)
class ReversalOutcome:
    """What became of a reversal entry: the payment it undid, or why it is queued."""

    status: str  # reversed | unmatched
    reason: str
    rule: str | None = None  # end_to_end_id | iban_reference
    customer_id: int | None = None
    payment_id: int | None = None

    def columns(self) -> dict[str, Any]:
        """The statement_entry columns this outcome fills."""
        return {
            "reason": self.reason,
            "rule": self.rule,
            "customer_id": self.customer_id,
            "payment_id": self.payment_id,
        }


def _reference(structured: str | None, remittance: str | None) -> str:
    return "".join((structured or remittance or "").split()).upper()


def find_original(
    entry: StatementEntry, candidates: list[dict[str, Any]], taken: set[int]
) -> tuple[dict[str, Any], str] | None:
    """The earlier statement payment this entry reverses, and how it was found, or None."""
    same = [
        c
        for c in candidates
        if c["currency"] == entry.amount.currency
        and c["amount_minor"] == entry.amount.minor
        and c["payment_id"] not in taken
    ]

    def latest(found: list[dict[str, Any]]) -> dict[str, Any]:
        return max(found, key=lambda c: (c["booking_date"] or date.min, c["id"]))

    if entry.end_to_end_id:
        by_e2e = [c for c in same if c["end_to_end_id"] == entry.end_to_end_id]
        if by_e2e:
            return latest(by_e2e), "end_to_end_id"
    reference = _reference(entry.structured_reference, entry.remittance_text)
    if entry.counterparty_iban and reference:
        by_reference = [
            c
            for c in same
            if c["counterparty_iban"] == entry.counterparty_iban
            and _reference(c["structured_reference"], c["remittance_text"]) == reference
        ]
        if by_reference:
            return latest(by_reference), "iban_reference"
    return None


def undo_reversals(
    conn: Connection, entries: list[StatementEntry], now: datetime
) -> list[tuple[StatementEntry, ReversalOutcome]]:
    """Find and undo the payments these reversal entries take back; the rest are queued."""
    if not entries:
        return []
    amounts = [entry.amount.minor for entry in entries]
    frame = read_frame(
        conn, _CANDIDATES, _CANDIDATE_SCHEMA, {"lo": min(amounts), "hi": max(amounts)}
    )
    candidates = list(frame.iter_rows(named=True))
    taken: set[int] = set()
    outcomes = []
    for entry in entries:
        code = f" ({entry.return_reason})" if entry.return_reason else ""
        found = find_original(entry, candidates, taken)
        if found is None:
            reason = f"reversal{code}: the payment it takes back is not in the ledger"
            outcomes.append((entry, ReversalOutcome("unmatched", reason)))
            continue
        original, rule = found
        taken.add(original["payment_id"])
        reason = f"reverses the payment of statement entry {original['id']}{code}"
        outcome = ReversalOutcome(
            "reversed", reason, rule, original["customer_id"], original["payment_id"]
        )
        outcomes.append((entry, outcome))
    undone = [(entry, o) for entry, o in outcomes if o.payment_id is not None]
    if undone:
        reverse_allocations(conn, [o.payment_id for _, o in undone if o.payment_id])
        bulk_update(
            conn, "payment", "id", ["reversed_at"], [(now, o.payment_id) for _, o in undone]
        )
        bulk_insert(
            conn,
            "event",
            ["customer_id", "occurred_at", "kind", "channel", "direction", "summary", "data"],
            (
                (
                    o.customer_id,
                    datetime.combine(entry.booking_date, time(0), tzinfo=UTC),
                    "payment.reversed",
                    None,
                    "in",
                    f"payment {entry.amount} reversed by the bank"
                    + (f" ({entry.return_reason})" if entry.return_reason else ""),
                    {"payment_pk": o.payment_id, "return_reason": entry.return_reason},
                )
                for entry, o in undone
                if o.customer_id is not None
            ),
        )
    return outcomes
