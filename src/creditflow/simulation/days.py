"""One simulated day, shared by the demo and the strategy simulator.

The collection run and the dispatcher are the real ones; what the sandbox channels
"sent" is read back, the behaviour model answers it, and the answers are booked
(`answers.py`) through the same tables the portal and bank statements write: payments
on their date, promises, disputes and opt-outs on the day. Each morning debtors also pay open
invoices on their own (`own_accord_due`), before the day's run can remind them.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
from sqlalchemy import Engine, text

from creditflow.compliance.handover import note_payments_on_handovers
from creditflow.config import Settings
from creditflow.ledger.payments import IncomingPayment, record_payments
from creditflow.money import Money
from creditflow.simulation.answers import customer_pks, payments_to_come
from creditflow.simulation.behaviour import MAX_LAG_DAYS, ContactEffects, respond
from creditflow.simulation.contact_history import reaches_debtor
from creditflow.simulation.own_accord import own_accord_payments, own_accord_rng
from creditflow.store import read_frame

__all__ = [
    "DISPATCH_AT",
    "book_payments_due",
    "contact_pressure",
    "contacts_sent_on",
    "dispatch_day",
    "open_invoices",
    "own_accord_due",
    "payments_in_flight",
]

DISPATCH_AT = time(17, 0)
SIMULATION_BATCH = 1_000
"""Actions per dispatch batch in the simulator: one worker, nobody waits on its claims."""
REDRAWS = 30
"""How often an answer to a contact before the start is drawn again when it would show."""


def dispatch_day(engine: Engine, settings: Settings, day: date, *, kept: bool = True) -> Any:
    """Send what the day's runs queued, as a worker would by late afternoon.

    `kept=False` (the strategy simulator): messages are rendered, checked and counted by
    `CountingAdapter`s, letters are not typeset, and no file is written.
    """
    from creditflow.channels.counting import counting_adapters
    from creditflow.dispatch.worker import dispatch_due

    # The day's sending ends late in the afternoon, inside every customer's quiet hours
    # window here: contacts a run scheduled for later wait for the next day.
    until = datetime.combine(day, DISPATCH_AT, tzinfo=ZoneInfo("Europe/Amsterdam"))
    return dispatch_due(
        engine, settings, until=until, worker_id="demo", now=until,
        adapters=None if kept else counting_adapters(), make_documents=kept,
        batch_size=None if kept else SIMULATION_BATCH,
    )  # fmt: skip


def contacts_sent_on(engine: Engine, day: date) -> pl.DataFrame:
    """Messages and calls sent on `day`, as the behaviour model reads them (a fixed order).

    A collector's internal review task is work, not a contact: the debtor never sees it.
    """
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.customer_id, a.channel, a.step, a.amount_due_minor, a.currency, "  # noqa: S608 - constants only
                "a.invoice_numbers FROM action a JOIN customer c ON c.id = a.customer_id "
                "WHERE a.status IN ('sent', 'delivered') AND a.decided_on = :day "
                f"AND {reaches_debtor('a.channel')} "
                "ORDER BY c.customer_id, a.step, a.channel, a.id"
            ),
            {"day": day.isoformat() if engine.dialect.name == "sqlite" else day},
        ).fetchall()
    records = [
        {
            "customer_id": r[0],
            "channel": r[1],
            "step": r[2],
            "amount_due": str(Money.of_minor(r[3], r[4]).amount),
            "currency": r[4],
            "invoices": json.loads(r[5]) if isinstance(r[5], str) else list(r[5]),
        }
        for r in rows
    ]
    return pl.DataFrame(records) if records else pl.DataFrame()


def contact_pressure(engine: Engine, day: date, days: int = 7) -> pl.DataFrame:
    """Per customer contacted on `day`: customer_id, contacts_7_days (the `days` up to it).

    Counts the messages and the tasks that reach the debtor (not a collector's review).
    """
    since = day - timedelta(days=days - 1)
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.customer_id, COUNT(*) FROM action a JOIN customer c "  # noqa: S608 - constants only
                "ON c.id = a.customer_id WHERE a.status IN ('sent', 'delivered', 'done') "
                f"AND a.kind IN ('message', 'task') AND {reaches_debtor('a.channel')} "
                "AND a.decided_on BETWEEN :since AND :day AND a.customer_id IN "
                "(SELECT customer_id FROM action WHERE decided_on = :day "
                "AND status IN ('sent', 'delivered')) GROUP BY c.customer_id"
            ),
            {
                "since": since.isoformat() if sqlite else since,
                "day": day.isoformat() if sqlite else day,
            },
        ).fetchall()
    return pl.DataFrame(
        [(str(c), int(n)) for c, n in rows],
        schema={"customer_id": pl.String, "contacts_7_days": pl.Int64},
        orient="row",
    )


def payments_in_flight(
    engine: Engine,
    customers: pl.DataFrame,
    start: date,
    rng: np.random.Generator,
    *,
    source: str,
    effects: ContactEffects | None = None,
) -> list[tuple[date, IncomingPayment]]:
    """Payments still on their way at `start`: answers to the contacts of the days before.

    A debtor contacted a few days before `start` may pay after it (a letter is answered
    in 2-6 days, a business waits for its payment run). Each contact sent in the last
    `MAX_LAG_DAYS` days to a customer who still owes and has not answered since (no
    payment, promise, dispute or opt-out in the timeline) is answered again by the
    behaviour model, given what the ledger shows: an answer that would show by now (a
    payment before `start`, a promise, a dispute, an opt-out) did not happen, so that
    customer's day is drawn again (up to `REDRAWS` times); a payment on or after
    `start` is to come.
    """
    owing = _customers_owing(engine)
    answered = _last_answers(engine, start - timedelta(days=MAX_LAG_DAYS))
    to_come: list[tuple[date, IncomingPayment]] = []
    pks = customer_pks(engine)
    for back in range(MAX_LAG_DAYS, 0, -1):
        day = start - timedelta(days=back)
        sent = contacts_sent_on(engine, day)
        if not sent.height:
            continue
        silent = [c for c in owing if answered.get(c, date.min) < day]
        pending = sent.filter(pl.col("customer_id").is_in(silent))
        for _ in range(REDRAWS):
            if not pending.height:
                break
            answers = respond(pending, customers, day, rng, effects)
            later = answers.payments.filter(pl.col("paid_at") >= start)
            to_come.extend(payments_to_come(later, day, pks, source))
            shown = pl.concat(
                [
                    answers.payments.filter(pl.col("paid_at") < start).select("customer_id"),
                    answers.promises.select("customer_id"),
                    answers.disputes.select("customer_id"),
                    answers.opt_outs.select("customer_id"),
                ]
            )["customer_id"]
            pending = pending.filter(pl.col("customer_id").is_in(shown.implode()))
    return to_come


def _customers_owing(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                text(
                    "SELECT DISTINCT c.customer_id FROM invoice i "
                    "JOIN customer c ON c.id = i.customer_id WHERE i.open_minor > 0 "
                    "ORDER BY c.customer_id"
                )
            ).scalars()
        )


def _last_answers(engine: Engine, since: date) -> dict[str, date]:
    """Per customer the day of their last incoming timeline entry since `since`."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.customer_id, MAX(e.occurred_at) FROM event e "
                "JOIN customer c ON c.id = e.customer_id "
                "WHERE e.direction = 'in' AND e.occurred_at >= :since GROUP BY c.customer_id"
            ),
            {
                "since": since.isoformat()
                if engine.dialect.name == "sqlite"
                else datetime.combine(since, time(0), tzinfo=UTC)
            },
        ).fetchall()
    return {
        str(customer): (at if isinstance(at, datetime) else datetime.fromisoformat(str(at))).date()
        for customer, at in rows
    }


def open_invoices(engine: Engine) -> pl.DataFrame:
    """Every open invoice with what its debtor owes on it (the open amount and any costs
    or interest charged on it), its customer and whether a dispute holds it; one query."""
    with engine.connect() as conn:
        return read_frame(
            conn,
            "SELECT i.id, c.customer_id, c.id AS customer_pk, i.invoice_number, i.due_date, "
            "i.open_minor + COALESCE(ch.open_minor, 0) AS open_minor, i.currency, "
            "CASE WHEN EXISTS (SELECT 1 FROM dispute d WHERE d.invoice_id = i.id "
            "AND d.status = 'open') THEN 1 ELSE 0 END AS disputed "
            "FROM invoice i JOIN customer c ON c.id = i.customer_id "
            "LEFT JOIN (SELECT invoice_id, SUM(open_minor) AS open_minor FROM charge "
            "WHERE open_minor > 0 GROUP BY invoice_id) ch ON ch.invoice_id = i.id "
            "WHERE i.open_minor > 0 AND i.status = 'open' ORDER BY i.invoice_number",
            {
                "invoice_id": pl.Int64,
                "customer_id": pl.Utf8,
                "customer_pk": pl.Int64,
                "invoice_number": pl.Utf8,
                "due_date": pl.Date,
                "open_minor": pl.Int64,
                "currency": pl.Utf8,
                "disputed": pl.Int64,
            },
        )


def own_accord_due(
    engine: Engine,
    customers: pl.DataFrame,
    day: date,
    seed: int,
    due: list[tuple[date, IncomingPayment]],
    *,
    source: str,
) -> int:
    """Add to `due` the invoices debtors pay in full on `day` without being contacted
    (`own_accord.py`); customers with a payment already waiting in `due` pay nothing more.

    Each is a bank transfer naming its invoice, its id ending in the day
    (`{source}-own-{invoice}-{day}`); book them with `book_payments_due`.
    """
    waiting = {p.customer_pk for _, p in due}
    invoices = open_invoices(engine)
    waiting_ids = invoices.filter(pl.col("customer_pk").is_in(list(waiting)))["customer_id"]
    paid = own_accord_payments(
        invoices, customers, day, own_accord_rng(seed, day), waiting=set(waiting_ids.to_list())
    )
    at = datetime.combine(day, time(12, 0), tzinfo=UTC)
    for row in paid.iter_rows(named=True):
        payment = IncomingPayment(
            payment_id=f"{source}-own-{row['invoice_number']}-{day.isoformat()}",
            amount=Money.of_minor(row["open_minor"], row["currency"]),
            paid_at=at,
            customer_pk=row["customer_pk"],
            invoice_pk=row["invoice_id"],
            invoice_number=row["invoice_number"],
            method="bank_transfer",
            source=source,
        )
        due.append((day, payment))
    return paid.height


def book_payments_due(
    engine: Engine, due: list[tuple[date, IncomingPayment]], day: date, now: datetime
) -> int:
    """Book the simulated payments whose date has come (they arrive like bank transfers)."""
    ready = [p for d, p in due if d <= day]
    due[:] = [(d, p) for d, p in due if d > day]
    if ready:
        with engine.begin() as conn:
            record_payments(conn, ready, now)
            note_payments_on_handovers(conn, now)
    return len(ready)
