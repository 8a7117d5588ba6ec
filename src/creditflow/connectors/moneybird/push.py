"""Payments out: each allocation of a creditflow payment to a Moneybird invoice, registered once.

A row in `moneybird_payment` is written before the POST; a row with an earlier attempt
is first looked up on the invoice by its transaction identifier, so a crash between
POST and commit never registers a payment twice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, exists, func, insert, select, update

from creditflow.connectors.moneybird.client import MoneybirdClient, MoneybirdError, RateLimited
from creditflow.connectors.moneybird.mapping import PaymentOut, payment_body
from creditflow.connectors.moneybird.models import MoneybirdPayment, MoneybirdRecord
from creditflow.connectors.moneybird.report import SyncReport
from creditflow.ledger.models import Allocation, Invoice, Payment
from creditflow.models import utcnow
from creditflow.money import from_minor

__all__ = ["push_payments", "unpushed_payments"]


def _unqueued() -> Any:
    """Allocations of live payments to Moneybird invoices that have no pushed row yet."""
    already = exists().where(MoneybirdPayment.allocation_id == Allocation.id)
    return (
        select(
            Allocation.id,
            Allocation.amount_minor,
            Allocation.currency,
            MoneybirdRecord.moneybird_id,
        )
        .join(Invoice, Invoice.id == Allocation.invoice_id)
        .join(Payment, Payment.id == Allocation.payment_id)
        .join(
            MoneybirdRecord,
            and_(
                MoneybirdRecord.kind == "sales_invoice",
                MoneybirdRecord.local_key == Invoice.invoice_number,
            ),
        )
        .where(Allocation.amount_minor > 0, Payment.reversed_at.is_(None), ~already)
        .order_by(Allocation.id)
    )


def _queue_new_payments(conn: Connection, at: datetime) -> None:
    """A pending row for each allocation to a Moneybird invoice not yet queued."""
    for row in conn.execute(_unqueued()).all():
        conn.execute(
            insert(MoneybirdPayment).values(
                allocation_id=row.id,
                sales_invoice_id=row.moneybird_id,
                key=f"creditflow-allocation-{row.id}",
                amount_minor=row.amount_minor,
                currency=row.currency,
                attempts=0,
                created_at=at,
            )
        )


def push_payments(
    engine: Engine,
    client: MoneybirdClient,
    financial_account_id: str | None,
    report: SyncReport,
    *,
    now: Callable[[], datetime] = utcnow,
) -> None:
    """Register on Moneybird each payment allocation not registered there yet, once."""
    with engine.connect() as conn:
        waiting = conn.execute(
            select(exists().where(MoneybirdPayment.pushed_at.is_(None)))
        ).scalar() or _has_new(conn)
    if not waiting:
        return
    with engine.begin() as conn:
        _queue_new_payments(conn, now())
    with engine.connect() as conn:
        pending = conn.execute(
            select(*MoneybirdPayment.__table__.c, Payment.paid_at)
            .join(Allocation, Allocation.id == MoneybirdPayment.allocation_id)
            .join(Payment, Payment.id == Allocation.payment_id)
            .where(MoneybirdPayment.pushed_at.is_(None))
            .order_by(MoneybirdPayment.id)
        ).all()
    for row in pending:
        item = row
        try:
            _push_one(engine, client, item, row.paid_at, financial_account_id, report, now)
        except RateLimited:
            raise
        except MoneybirdError as exc:
            report.rejects.append(
                f"payment {item.key} to sales_invoice {item.sales_invoice_id}: {exc}"
            )


def _has_new(conn: Connection) -> bool:
    """Is there an allocation to a Moneybird invoice not queued yet? (a read, no write)"""
    return conn.execute(_unqueued().limit(1)).first() is not None


def _push_one(
    engine: Engine,
    client: MoneybirdClient,
    item: Any,
    paid_at: datetime,
    financial_account_id: str | None,
    report: SyncReport,
    now: Callable[[], datetime],
) -> None:
    """Register one payment; an earlier attempt is looked up first, by its identifier."""
    found: str | None = None
    if item.attempts:
        invoice = client.sales_invoice(item.sales_invoice_id)
        for payment in invoice.get("payments") or []:
            if payment.get("transaction_identifier") == item.key:
                found = str(payment["id"])
                report.payments_found += 1
    if found is None:
        with engine.begin() as conn:
            conn.execute(
                update(MoneybirdPayment)
                .where(MoneybirdPayment.id == item.id)
                .values(attempts=MoneybirdPayment.attempts + 1)
            )
        out = PaymentOut(
            key=item.key,
            amount=from_minor(item.amount_minor, item.currency),
            currency=item.currency,
            paid_on=paid_at.date(),
        )
        registered = client.register_payment(
            item.sales_invoice_id, payment_body(out, financial_account_id)
        )
        found = str(registered.get("id"))
        report.payments_pushed += 1
    with engine.begin() as conn:
        conn.execute(
            update(MoneybirdPayment)
            .where(MoneybirdPayment.id == item.id)
            .values(moneybird_payment_id=found, pushed_at=now())
        )


def unpushed_payments(conn: Connection, invoice_numbers: list[str]) -> dict[str, int]:
    """Per invoice number, the minor units allocated in creditflow not yet in Moneybird.

    Moneybird's open amount does not know them yet (a push refused, or not yet tried),
    so the invoice read back must not show them as open again.
    """
    if not invoice_numbers:
        return {}
    pushed = exists().where(
        MoneybirdPayment.allocation_id == Allocation.id, MoneybirdPayment.pushed_at.is_not(None)
    )
    rows = conn.execute(
        select(Invoice.invoice_number, func.sum(Allocation.amount_minor))
        .join(Allocation, Allocation.invoice_id == Invoice.id)
        .join(Payment, Payment.id == Allocation.payment_id)
        .where(
            Invoice.invoice_number.in_(invoice_numbers),
            Allocation.amount_minor > 0,
            Payment.reversed_at.is_(None),
            ~pushed,
        )
        .group_by(Invoice.invoice_number)
    )
    return {number: int(total) for number, total in rows}
