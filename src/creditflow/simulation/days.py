"""One simulated day, shared by the demo and the strategy simulator.

The collection run and the dispatcher are the real ones; what the sandbox channels
"sent" is read back, the behaviour model answers it, and the answers are booked
through the same tables the portal and bank statements write: payments on their
date, promises, disputes and opt-outs on the day.
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
from creditflow.db import transaction
from creditflow.ledger.models import Dispute, PromiseToPay, promise_invoice
from creditflow.ledger.payments import IncomingPayment, record_payments
from creditflow.ledger.service import add_event
from creditflow.money import Money
from creditflow.simulation.behaviour import MAX_LAG_DAYS, ContactEffects, respond

__all__ = [
    "DISPATCH_AT",
    "book_payments_due",
    "book_responses",
    "contacts_sent_on",
    "dispatch_day",
    "payments_in_flight",
]

DISPATCH_AT = time(17, 0)
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
    )  # fmt: skip


def contacts_sent_on(engine: Engine, day: date) -> pl.DataFrame:
    """Messages and calls sent on `day`, as the behaviour model reads them (a fixed order)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT c.customer_id, a.channel, a.step, a.amount_due_minor, a.currency, "
                "a.invoice_numbers FROM action a JOIN customer c ON c.id = a.customer_id "
                "WHERE a.status IN ('sent', 'delivered') AND a.decided_on = :day "
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


def _payments_to_come(
    payments: pl.DataFrame, day: date, pks: dict[str, int], source: str
) -> list[tuple[date, IncomingPayment]]:
    """The day's paying answers as bank transfers, each with the date it lands."""
    to_come = []
    for row in payments.iter_rows(named=True):
        paid = (
            row["paid_at"]
            if isinstance(row["paid_at"], date)
            else date.fromisoformat(str(row["paid_at"]))
        )
        payment = IncomingPayment(
            payment_id=f"{source}-{row['customer_id']}-{day.isoformat()}",
            amount=Money.parse(row["amount"], row["currency"]),
            paid_at=datetime.combine(paid, time(12, 0), tzinfo=UTC),
            customer_pk=pks.get(row["customer_id"]),
            method="ideal",
            source=source,
        )
        to_come.append((paid, payment))
    return to_come


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
    pks = _customer_pks(engine)
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
            to_come.extend(_payments_to_come(later, day, pks, source))
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


def _customer_pks(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT customer_id, id FROM customer")).fetchall())


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


def book_responses(
    engine: Engine,
    answers: Any,
    day: date,
    now: datetime,
    due: list[tuple[date, IncomingPayment]],
    *,
    source: str = "demo",
) -> dict[str, int]:
    """Book the day's answers; payments wait in `due` until their date comes."""
    pks = _customer_pks(engine)
    due.extend(_payments_to_come(answers.payments, day, pks, source))
    with transaction(engine) as session:
        for row in answers.promises.iter_rows(named=True):
            customer_pk = pks[row["customer_id"]]
            promise = PromiseToPay(
                customer_id=customer_pk,
                promised_date=row["promised_date"],
                source=f"{source} reply",
                created_at=now,
            )
            session.add(promise)
            session.flush()
            open_ids = (
                session.execute(
                    text("SELECT id FROM invoice WHERE customer_id = :c AND open_minor > 0"),
                    {"c": customer_pk},
                )
                .scalars()
                .all()
            )
            if open_ids:
                session.execute(
                    promise_invoice.insert(),
                    [{"promise_id": promise.id, "invoice_id": i} for i in open_ids],
                )
            add_event(
                session,
                customer_pk,
                "promise.made",
                f"promised to pay by {row['promised_date']}",
                direction="in",
            ).occurred_at = now  # the simulated day, not the wall clock
        for row in answers.disputes.iter_rows(named=True):
            customer_pk = pks[row["customer_id"]]
            invoice_id = session.execute(
                text("SELECT id FROM invoice WHERE invoice_number = :n"),
                {"n": row["invoice_number"]},
            ).scalar()
            if invoice_id is None:
                continue
            session.add(
                Dispute(
                    customer_id=customer_pk,
                    invoice_id=invoice_id,
                    reason=str(row["reason"])[:64],
                    source=f"{source} reply",
                    opened_at=now,
                )
            )
            add_event(
                session,
                customer_pk,
                "dispute.opened",
                f"disputed {row['invoice_number']}",
                direction="in",
            ).occurred_at = now
        for row in answers.opt_outs.iter_rows(named=True):
            customer_pk = pks[row["customer_id"]]
            _opt_out(session, customer_pk, row["channel"], now, source)
    counts = answers.counts()
    return {k: int(v) for k, v in counts.items()}


def _opt_out(session: Any, customer_pk: int, channel: str, now: datetime, source: str) -> None:
    from creditflow.compliance.consent import record_opt_out

    record_opt_out(session, customer_pk, channel, source=f"{source} reply", evidence="STOP", at=now)
