"""Claiming due actions so that several workers share one queue without sending twice.

An action is due when it is queued, of kind message, task or escalation, scheduled
at or before `until`, and not waiting for a retry (`next_attempt_at` empty or past).
A worker claims a batch by writing its id and the time into `claimed_by` and
`claimed_at`; the status stays 'queued'. A claim older than the claim timeout is
stale (its worker died) and may be taken over.

- PostgreSQL: `SELECT ... FOR UPDATE SKIP LOCKED` picks rows no other worker is
  claiming at this moment, so workers on many machines never wait on each other.
- SQLite (one writer at a time): a single conditional `UPDATE ... WHERE id IN
  (SELECT ...) RETURNING id` is atomic and answers exactly the rows it claimed (not
  the worker's earlier claims still being sent).

Before sending, the worker confirms its claims again (`confirm_claims` for a whole
batch in one statement, `confirm_claim` for one), so a claim taken over after going
stale is never sent by both.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, text

from creditflow.store import db_value

__all__ = [
    "DUE_KINDS",
    "claim_actions",
    "claim_batch",
    "confirm_claim",
    "confirm_claims",
    "release_claim",
]

DUE_KINDS = ("message", "task", "escalation")

_DUE = (
    "status = 'queued' AND kind IN ('message', 'task', 'escalation') "
    "AND scheduled_at <= :until "
    "AND (next_attempt_at IS NULL OR next_attempt_at <= :now) "
    "AND (claimed_by IS NULL OR claimed_at < :stale)"
)
# Only the constants above are put together here; every value is a bound parameter.
_PICK = "SELECT id FROM action WHERE " + _DUE + " ORDER BY scheduled_at, id LIMIT :limit"  # noqa: S608
_CLAIM_SQLITE = (
    "UPDATE action SET claimed_by = :worker, claimed_at = :now "  # noqa: S608
    "WHERE id IN (" + _PICK + ") AND " + _DUE + " RETURNING id"
)


def claim_batch(
    conn: Connection,
    worker_id: str,
    *,
    until: datetime,
    now: datetime,
    limit: int,
    claim_timeout: float,
) -> list[int]:
    """Claim up to `limit` due actions for `worker_id` (in the caller's transaction)."""
    dialect = conn.dialect.name
    stale = now - timedelta(seconds=claim_timeout)
    params = {
        "until": db_value(until, dialect),
        "now": db_value(now, dialect),
        "stale": db_value(stale, dialect),
        "worker": worker_id,
        "limit": int(limit),
    }
    if dialect == "postgresql":
        ids = [row[0] for row in conn.execute(text(_PICK + " FOR UPDATE SKIP LOCKED"), params)]
        if not ids:
            return []
        conn.execute(
            text(
                "UPDATE action SET claimed_by = :worker, claimed_at = :now WHERE id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {"worker": worker_id, "now": params["now"], "ids": ids},
        )
        return ids
    claimed = [row[0] for row in conn.execute(text(_CLAIM_SQLITE), params)]
    if not claimed:
        return []
    rows = conn.execute(
        text("SELECT id FROM action WHERE id IN :ids ORDER BY scheduled_at, id").bindparams(
            bindparam("ids", expanding=True)
        ),
        {"ids": claimed},
    )
    return [row[0] for row in rows]


def claim_actions(
    conn: Connection,
    worker_id: str,
    action_pks: Sequence[int],
    *,
    now: datetime,
    claim_timeout: float,
) -> list[int]:
    """Claim these actions for `worker_id` if they are due now (others are left alone)."""
    if not action_pks:
        return []
    dialect = conn.dialect.name
    rows = conn.execute(
        text(
            "UPDATE action SET claimed_by = :worker, claimed_at = :now "  # noqa: S608
            "WHERE id IN :ids AND " + _DUE + " RETURNING id"
        ).bindparams(bindparam("ids", expanding=True)),
        {
            "until": db_value(now, dialect),
            "now": db_value(now, dialect),
            "stale": db_value(now - timedelta(seconds=claim_timeout), dialect),
            "worker": worker_id,
            "ids": list(action_pks),
        },
    )
    return sorted(int(row[0]) for row in rows)


def confirm_claim(conn: Connection, action_pk: int, worker_id: str, now: datetime) -> bool:
    """Renew this worker's claim just before sending; False when it lost the action."""
    dialect = conn.dialect.name
    result = conn.execute(
        text(
            "UPDATE action SET claimed_at = :now, attempts = attempts + 1 "
            "WHERE id = :id AND claimed_by = :worker AND status = 'queued'"
        ),
        {"now": db_value(now, dialect), "id": action_pk, "worker": worker_id},
    )
    return bool(result.rowcount)


def confirm_claims(
    conn: Connection, action_pks: Sequence[int], worker_id: str, now: datetime
) -> dict[int, int]:
    """Renew this worker's claims on a batch in one statement: action pk -> attempt number.

    Actions the worker no longer holds (taken over, no longer queued) are left out.
    """
    if not action_pks:
        return {}
    rows = conn.execute(
        text(
            "UPDATE action SET claimed_at = :now, attempts = attempts + 1 "
            "WHERE id IN :ids AND claimed_by = :worker AND status = 'queued' "
            "RETURNING id, attempts"
        ).bindparams(bindparam("ids", expanding=True)),
        {"now": db_value(now, conn.dialect.name), "ids": list(action_pks), "worker": worker_id},
    )
    return {int(pk): int(attempts) for pk, attempts in rows}


def release_claim(conn: Connection, action_pk: int, worker_id: str) -> None:
    """Give an action back to the queue (nothing was sent)."""
    conn.execute(
        text(
            "UPDATE action SET claimed_by = NULL, claimed_at = NULL "
            "WHERE id = :id AND claimed_by = :w"
        ),
        {"id": action_pk, "w": worker_id},
    )
