"""Payments: import, and allocation to invoices and charges.

Allocation of one payment: to the named invoice, else to the invoice whose
structured reference it carries, else oldest first over the customer's open
invoices; within that, costs -> interest -> principal (art. 6:44 BW). What is left
stays as credit on the customer. The same `PaymentAllocator` serves imports, bank
statements and payment-provider webhooks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, Engine, text

from creditflow.config import Settings
from creditflow.ledger.allocator import PaymentAllocator
from creditflow.ledger.formats import FileFormat, normalise_formats
from creditflow.ledger.imports import ImportSummary, only_params, only_where, row_hashes
from creditflow.ledger.validation import Column, check_frame, read_table, write_rejects
from creditflow.models import utcnow
from creditflow.money import Money
from creditflow.store import bulk_insert, bulk_update, read_frame

PAYMENT_COLUMNS = (
    Column("payment_id", required=True, max_length=128),
    Column("amount", required=True, kind="amount"),
    Column("paid_at", required=True, kind="datetime"),
    Column("currency", kind="currency"),
    Column("customer_id", max_length=64),
    Column("invoice_number", max_length=64),
    Column("reference", max_length=140),
    Column("method", max_length=32),
)
PAYMENT_FIELDS = [c.name for c in PAYMENT_COLUMNS]


@dataclass
class IncomingPayment:
    """A payment to record: from a file, a bank statement or a payment provider."""

    payment_id: str
    amount: Money
    paid_at: datetime
    customer_pk: int | None = None
    invoice_pk: int | None = None
    reference: str | None = None
    invoice_number: str | None = None
    method: str | None = None
    source: str = "import"
    row_hash: str | None = None
    invoice_pks: list[int] = field(default_factory=list)


def parse_paid_at(value: str) -> datetime:
    """A date (taken as midnight UTC) or an ISO date-time (UTC when it has no zone)."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def import_payments(
    engine: Engine,
    path: Path,
    settings: Settings,
    file_format: FileFormat | None = None,
    *,
    on_recorded: Callable[[Connection, datetime], object] | None = None,
    recorded_at: datetime | None = None,
) -> ImportSummary:
    """Validate, record and allocate a payments file; write the rejects beside it.

    `on_recorded(conn, now)` runs in the same transaction after the payments are
    recorded (the payments area passes the hand-over reconciliation). `recorded_at`
    is when the import is recorded (default: now); a sample company's history, imported
    before simulated days in the past, is recorded at the start of the first of them.
    """
    file_format = file_format or FileFormat()
    as_read = read_table(path, file_format.encoding)
    with engine.begin() as conn:
        summary, rejected = upsert_payments(
            conn, as_read, settings, file_format, on_recorded=on_recorded, recorded_at=recorded_at
        )
    if rejected.height:
        summary.rejects_path = write_rejects(path, rejected)
    return summary


def _known(conn: Connection, raw: pl.DataFrame, only_given: bool) -> tuple[pl.DataFrame, ...]:
    """The customers and invoices the rows may name (only those named, for one request)."""

    def given(name: str) -> list[str] | None:
        return raw.get_column(name).drop_nulls().unique().to_list() if only_given else None

    customer_ids, numbers = given("customer_id"), given("invoice_number")
    refs = (
        [r.replace(" ", "").upper() for r in raw.get_column("reference").drop_nulls().to_list()]
        if only_given
        else None
    )
    customers = read_frame(
        conn,
        "SELECT id, customer_id FROM customer" + only_where(customer_ids, "customer_id"),  # noqa: S608
        {"customer_pk": pl.Int64, "customer_id": pl.Utf8},
        only_params(customer_ids),
    )
    where = ""
    params: dict[str, str] = {}
    if only_given:
        by_number = only_where(numbers, "invoice_number").removeprefix(" WHERE ")
        by_ref = only_where(refs, "payment_reference").removeprefix(" WHERE ").replace(":k", ":r")
        where = f" WHERE {by_number} OR {by_ref}"
        params = {**only_params(numbers), **{f"r{i}": v for i, v in enumerate(refs or [])}}
    invoices = read_frame(
        conn,
        "SELECT id, invoice_number, customer_id, currency, payment_reference FROM invoice" + where,  # noqa: S608
        {
            "invoice_pk": pl.Int64,
            "invoice_number": pl.Utf8,
            "invoice_customer_pk": pl.Int64,
            "invoice_currency": pl.Utf8,
            "payment_reference": pl.Utf8,
        },
        params,
    )
    return customers, invoices


def upsert_payments(
    conn: Connection,
    as_read: pl.DataFrame,
    settings: Settings,
    file_format: FileFormat,
    *,
    on_recorded: Callable[[Connection, datetime], object] | None = None,
    only_given: bool = False,
    source: str = "import",
    recorded_at: datetime | None = None,
) -> tuple[ImportSummary, pl.DataFrame]:
    """Validate, record and allocate payment rows (text plus `line`), by payment id;
    returns the counts and the rejected rows. The CSV import and the API share it.
    The rows are recorded at `recorded_at` (default: now)."""
    file_columns = list(as_read.columns)
    normal = normalise_formats(as_read, PAYMENT_COLUMNS, file_format)
    raw = normal.frame
    for col in PAYMENT_COLUMNS:
        if col.name not in raw.columns:
            raw = raw.with_columns(pl.lit(None, dtype=pl.Utf8).alias(col.name))
    default_currency = settings.organisation.default_currency
    customers, invoices = _known(conn, raw, only_given)
    by_ref = (
        invoices.select(
            pl.col("payment_reference").alias("__ref"),
            pl.col("invoice_pk").alias("ref_invoice_pk"),
            pl.col("invoice_customer_pk").alias("ref_customer_pk"),
        )
        .drop_nulls("__ref")
        .unique("__ref")
    )
    frame = (
        raw.join(customers, on="customer_id", how="left")
        .join(invoices.drop("payment_reference"), on="invoice_number", how="left")
        .with_columns(
            pl.col("reference").str.replace_all(" ", "").str.to_uppercase().alias("__ref")
        )
        .join(by_ref, on="__ref", how="left")
    )
    currency = pl.col("currency").str.to_uppercase().fill_null(default_currency)
    extra = [
        pl.when(pl.col("customer_id").is_not_null() & pl.col("customer_pk").is_null()).then(
            pl.format("customer_id: unknown customer '{}'", pl.col("customer_id"))
        ),
        pl.when(pl.col("invoice_number").is_not_null() & pl.col("invoice_pk").is_null()).then(
            pl.format("invoice_number: unknown invoice '{}'", pl.col("invoice_number"))
        ),
        pl.when(
            pl.col("customer_pk").is_not_null()
            & pl.col("invoice_customer_pk").is_not_null()
            & (pl.col("customer_pk") != pl.col("invoice_customer_pk"))
        ).then(pl.lit("invoice_number: the invoice belongs to another customer")),
        pl.when(
            pl.col("invoice_currency").is_not_null() & (pl.col("invoice_currency") != currency)
        ).then(
            pl.format(
                "currency: {} differs from the invoice's {}",
                currency,
                pl.col("invoice_currency"),
            )
        ),
        *normal.errors,
    ]
    checked = check_frame(
        frame,
        normal.columns,
        key="payment_id",
        extra_errors=extra,
        file_columns=file_columns,
        original=as_read,
    )
    summary = ImportSummary(
        warnings=checked.warnings + normal.warnings, rejected=checked.rejected.height
    )
    good = checked.good.with_columns(pl.col("currency").fill_null(default_currency))
    good = good.with_columns(row_hashes(good, PAYMENT_FIELDS))
    wanted = good.get_column("payment_id").to_list() if only_given else None
    existing = read_frame(
        conn,
        "SELECT id, payment_id, row_hash FROM payment" + only_where(wanted, "payment_id"),  # noqa: S608
        {"payment_pk": pl.Int64, "payment_id": pl.Utf8, "existing_hash": pl.Utf8},
        only_params(wanted),
    )
    merged = good.join(existing, on="payment_id", how="left")
    new = merged.filter(pl.col("payment_pk").is_null())
    changed = merged.filter(
        pl.col("payment_pk").is_not_null() & (pl.col("existing_hash") != pl.col("row_hash"))
    )
    summary.unchanged = merged.height - new.height - changed.height
    if changed.height:
        reverse_allocations(conn, changed.get_column("payment_pk").to_list())
        conn.execute(
            text("DELETE FROM payment WHERE id = :p"),
            [{"p": p} for p in changed.get_column("payment_pk").to_list()],
        )
    incoming = [
        IncomingPayment(
            payment_id=r["payment_id"],
            amount=Money.parse(r["amount"], r["currency"]),
            paid_at=parse_paid_at(r["paid_at"]),
            customer_pk=r["customer_pk"] or r["invoice_customer_pk"] or r["ref_customer_pk"],
            invoice_pk=r["invoice_pk"] or r["ref_invoice_pk"],
            reference=r["reference"],
            invoice_number=r["invoice_number"],
            method=r["method"],
            row_hash=r["row_hash"],
            source=source,
        )
        for r in pl.concat([new, changed], how="diagonal_relaxed").iter_rows(named=True)
    ]
    now = recorded_at or utcnow()
    record_payments(conn, incoming, now)
    if on_recorded is not None:
        on_recorded(conn, now)
    summary.imported, summary.updated = new.height, changed.height
    return summary, checked.rejected


def record_payments(conn: Connection, payments: list[IncomingPayment], now: datetime) -> list[int]:
    """Insert payments, allocate them (oldest payment first) and log them on the timeline."""
    if not payments:
        return []
    payments = sorted(payments, key=lambda p: (p.paid_at, p.payment_id))
    # Ids are handed out in order: what this insert adds lies above the highest id now.
    before = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM payment")).scalar_one()
    bulk_insert(
        conn,
        "payment",
        [
            "payment_id",
            "customer_id",
            "amount_minor",
            "currency",
            "paid_at",
            "reference",
            "invoice_number",
            "method",
            "source",
            "unallocated_minor",
            "row_hash",
            "created_at",
        ],
        (
            (
                p.payment_id,
                p.customer_pk,
                p.amount.minor,
                p.amount.currency,
                p.paid_at,
                p.reference,
                p.invoice_number,
                p.method,
                p.source,
                0,
                p.row_hash,
                now,
            )
            for p in payments
        ),
    )
    wanted = pl.DataFrame(
        {"payment_id": [p.payment_id for p in payments]}, schema={"payment_id": pl.Utf8}
    )
    ids = dict(
        read_frame(
            conn,
            "SELECT payment_id, id FROM payment WHERE id > :before",
            {"payment_id": pl.Utf8, "id": pl.Int64},
            {"before": int(before)},
        )
        .join(wanted, on="payment_id", how="semi")
        .iter_rows()
    )
    allocator = PaymentAllocator(conn)
    allocator.load({p.customer_pk for p in payments if p.customer_pk is not None})
    allocator.load_settled(
        {i for p in payments for i in (p.invoice_pks or ([p.invoice_pk] if p.invoice_pk else []))}
    )
    pks: list[int] = []
    leftovers: list[tuple[int, int]] = []
    for payment in payments:
        pk = ids[payment.payment_id]
        left = allocator.allocate(pk, payment)
        if left.minor:
            leftovers.append((left.minor, pk))
        pks.append(pk)
    bulk_update(conn, "payment", "id", ["unallocated_minor"], leftovers)
    allocator.flush(now)
    bulk_insert(
        conn,
        "event",
        ["customer_id", "occurred_at", "kind", "channel", "direction", "summary", "data"],
        (
            (
                p.customer_pk,
                p.paid_at,
                "payment.received",
                None,
                "in",
                f"payment {p.amount} received ({p.source})",
                {"payment_id": p.payment_id},
            )
            for p in payments
            if p.customer_pk is not None
        ),
    )
    return pks


def reverse_allocations(conn: Connection, payment_pks: list[int]) -> None:
    """Undo the allocations of these payments: open amounts and credit restored."""
    for pk in payment_pks:
        rows = conn.execute(
            text(
                "SELECT invoice_id, charge_id, amount_minor FROM allocation WHERE payment_id = :p"
            ),
            {"p": pk},
        ).fetchall()
        for invoice_id, charge_id, minor in rows:
            if invoice_id is not None:
                conn.execute(
                    text(
                        "UPDATE invoice SET open_minor = open_minor + :m, paid_on = NULL, "
                        "status = CASE WHEN status = 'paid' THEN 'open' ELSE status END "
                        "WHERE id = :i"
                    ),
                    {"m": minor, "i": invoice_id},
                )
            if charge_id is not None:
                conn.execute(
                    text("UPDATE charge SET open_minor = open_minor + :m WHERE id = :c"),
                    {"m": minor, "c": charge_id},
                )
        credit = conn.execute(
            text("SELECT customer_id, unallocated_minor FROM payment WHERE id = :p"), {"p": pk}
        ).first()
        if credit and credit[0] is not None and credit[1]:
            conn.execute(
                text("UPDATE customer SET credit_minor = credit_minor - :m WHERE id = :c"),
                {"m": credit[1], "c": credit[0]},
            )
        conn.execute(text("DELETE FROM allocation WHERE payment_id = :p"), {"p": pk})
