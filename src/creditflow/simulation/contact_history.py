"""A ledger's contact history, as `contact_effects` reads it: what was sent, what followed.

Contacts are the messages and call tasks that went out (status sent, delivered or
done; not a staff review task) decided in the year before the start; answers are the payments,
promises, disputes and opt-outs recorded before it, each with its day (UTC).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import polars as pl
from sqlalchemy import Engine

from creditflow.dispatch.recheck import INTERNAL_TASK_CHANNELS
from creditflow.simulation.contact_effects import EffectsCalibration, calibrate_contact_effects
from creditflow.store import read_frame

__all__ = ["HISTORY_DAYS", "calibrate_contacts", "contact_history", "reaches_debtor"]

HISTORY_DAYS = 365  # the contacts of the last year: how debtors answer today


def reaches_debtor(channel: str) -> str:
    """SQL condition on an action's `channel` column: not staff work the debtor never
    sees (a review task, `dispatch.recheck.INTERNAL_TASK_CHANNELS`)."""
    internal = ", ".join(f"'{name}'" for name in INTERNAL_TASK_CHANNELS)
    return f"{channel} NOT IN ({internal})"


CONTACTS_SQL = (
    "SELECT c.customer_id, a.channel, a.step, a.decided_on FROM action a "  # noqa: S608 - constants only
    "JOIN customer c ON c.id = a.customer_id "
    "WHERE a.status IN ('sent', 'delivered', 'done') AND a.kind IN ('message', 'task') "
    "AND a.channel IS NOT NULL AND "
    + reaches_debtor("a.channel")
    + " AND a.decided_on >= :since AND a.decided_on < :start"
)
ANSWERS_SQL = (
    "SELECT c.customer_id, 'pay' AS outcome, p.paid_at AS answered_on, NULL AS channel "
    "FROM payment p JOIN customer c ON c.id = p.customer_id "
    "WHERE p.reversed_at IS NULL AND p.paid_at >= :since AND p.paid_at < :until "
    "UNION ALL SELECT c.customer_id, 'promise', t.created_at, NULL FROM promise_to_pay t "
    "JOIN customer c ON c.id = t.customer_id "
    "WHERE t.created_at >= :since AND t.created_at < :until "
    "UNION ALL SELECT c.customer_id, 'dispute', d.opened_at, NULL FROM dispute d "
    "JOIN customer c ON c.id = d.customer_id "
    "WHERE d.opened_at >= :since AND d.opened_at < :until "
    "UNION ALL SELECT c.customer_id, 'opt_out', k.recorded_at, k.channel FROM consent k "
    "JOIN customer c ON c.id = k.customer_id WHERE NOT k.granted "
    "AND k.recorded_at >= :since AND k.recorded_at < :until"
)


def contact_history(engine: Engine, start: date) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Contacts decided in the `HISTORY_DAYS` before `start`, and the answers recorded
    from the first of them up to `start`."""
    with engine.connect() as conn:
        contacts = read_frame(
            conn,
            CONTACTS_SQL,
            {"customer_id": pl.Utf8, "channel": pl.Utf8, "step": pl.Utf8, "decided_on": pl.Date},
            {"since": start - timedelta(days=HISTORY_DAYS), "start": start},
        )
        first = contacts["decided_on"].min() if contacts.height else start
        assert isinstance(first, date)
        answers = read_frame(
            conn,
            ANSWERS_SQL,
            {
                "customer_id": pl.Utf8,
                "outcome": pl.Utf8,
                "answered_on": pl.Date,
                "channel": pl.Utf8,
            },
            {
                "since": datetime.combine(first, time(0), tzinfo=UTC),
                "until": datetime.combine(start, time(0), tzinfo=UTC),
            },
        )
    return contacts, answers


def calibrate_contacts(engine: Engine, start: date, weights: pl.DataFrame) -> EffectsCalibration:
    """The channel and step effects calibrated on the ledger's history before `start`."""
    contacts, answers = contact_history(engine, start)
    return calibrate_contact_effects(contacts, answers, weights, start)
