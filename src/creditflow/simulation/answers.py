"""What simulated debtors answered, booked through the tables the portal and banks write.

Payments wait in a list of payments to come until their date (`days.book_payments_due`
books them); promises, disputes, opt-outs and complaints are booked on the day, each
on the customer's timeline.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import polars as pl
from sqlalchemy import Engine, text

from creditflow.db import transaction
from creditflow.ledger.models import Dispute, PromiseToPay, promise_invoice
from creditflow.ledger.payments import IncomingPayment
from creditflow.ledger.service import add_event
from creditflow.money import Money
from creditflow.store import read_frame

__all__ = [
    "COMPLAINT",
    "book_complaints",
    "book_responses",
    "customer_pks",
    "payments_to_come",
]

COMPLAINT = "complaint.received"


def customer_pks(engine: Engine) -> dict[str, int]:
    """Each customer's primary key by their customer id."""
    with engine.connect() as conn:
        frame = read_frame(
            conn, "SELECT customer_id, id FROM customer", {"customer_id": pl.Utf8, "id": pl.Int64}
        )
    return dict(zip(frame["customer_id"].to_list(), frame["id"].to_list(), strict=True))


def payments_to_come(
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


def book_complaints(engine: Engine, complaints: pl.DataFrame, now: datetime) -> int:
    """Put each complaint on its customer's timeline (an incoming `complaint.received`)."""
    if not complaints.height:
        return 0
    pks = customer_pks(engine)
    with transaction(engine) as session:
        for row in complaints.iter_rows(named=True):
            add_event(
                session,
                pks[row["customer_id"]],
                COMPLAINT,
                f"complained about being contacted by {row['channel']} ({row['step']})",
                channel=row["channel"],
                direction="in",
            ).occurred_at = now
    return complaints.height


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
    pks = customer_pks(engine)
    due.extend(payments_to_come(answers.payments, day, pks, source))
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
