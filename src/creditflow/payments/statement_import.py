"""Import a bank statement: record the payments it brings, undo the ones it reverses.

One file is one transaction. Each entry is stored once in `statement_entry` under its
`entry_key`, so importing the same file again changes nothing. New entries go:

- pending (status not BOOK): skipped and not stored, so the booked entry still comes in;
- zero amount: stored as ignored (a bank notice, not money);
- money going out that reverses or returns an incoming payment: the original payment is
  undone (see `statement_reversals`); when it cannot be found, to the unmatched queue;
- money coming back from a payment we made (reversal of a debit, return): unmatched queue;
- everything else through `match_statement`: credits it matches are recorded as payments
  (allocated, on the customer's timeline); debits, other currencies and credits it cannot
  place go to the unmatched queue with the reason and ranked suggestions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console
from sqlalchemy import Connection, Engine, bindparam, text
from sqlalchemy.orm import Session

from creditflow.compliance.handover import note_payments_on_handovers
from creditflow.config import Settings
from creditflow.ledger.payments import IncomingPayment, record_payments
from creditflow.ledger.service import audit
from creditflow.models import utcnow
from creditflow.money import from_minor
from creditflow.payments.combined import combined_reference_frame
from creditflow.payments.matching import match_statement
from creditflow.payments.statement_reversals import undo_reversals
from creditflow.payments.statement_summary import StatementImportSummary, print_summary
from creditflow.payments.statements import StatementEntry, StatementError, parse_statements
from creditflow.store import bulk_insert, read_frame

__all__ = [
    "StatementImportSummary",
    "classify_entry",
    "import_statement",
    "import_statement_file",
    "paid_at",
    "statement_payment_id",
]

BOOKED_STATUSES = (None, "BOOK")
_ENTRY_COLUMNS = (
    "entry_key", "statement_id", "source_file", "account_iban", "booking_date", "value_date",
    "amount_minor", "currency", "credit", "reversal", "counterparty_name", "counterparty_iban",
    "end_to_end_id", "remittance_text", "structured_reference", "status", "rule", "reason",
    "suggestions", "customer_id", "payment_id", "imported_at",
)  # fmt: skip


def classify_entry(entry: StatementEntry) -> tuple[str, str | None]:
    """How a new entry is handled: pending, ignored, reversal, refused or match (+ reason)."""
    if entry.status not in BOOKED_STATUSES:
        return "pending", f"status {entry.status}: not booked yet"
    if entry.amount.minor == 0:
        return "ignored", "zero amount: a notice from the bank, not a payment"
    returned = entry.reversal or entry.return_reason is not None
    if returned and not entry.credit:
        return "reversal", None
    if returned:
        code = f" ({entry.return_reason})" if entry.return_reason else ""
        return "refused", f"money back from a payment we made{code}: not a customer payment"
    return "match", None


def statement_payment_id(entry_key: str) -> str:
    """The payment id of the payment recorded for a statement entry (stable, <= 128 chars)."""
    name = f"st:{entry_key}"
    return name if len(name) <= 128 else "st:" + hashlib.sha256(entry_key.encode()).hexdigest()


def paid_at(booking_date: date) -> datetime:
    """When the money of an entry booked on this date arrived: midnight UTC."""
    return datetime.combine(booking_date, time(0), tzinfo=UTC)


def _known_keys(conn: Connection, keys: list[str]) -> set[str]:
    stmt = text("SELECT entry_key FROM statement_entry WHERE entry_key IN :keys").bindparams(
        bindparam("keys", expanding=True)
    )
    found: set[str] = set()
    for start in range(0, len(keys), 1000):
        found.update(conn.execute(stmt, {"keys": keys[start : start + 1000]}).scalars())
    return found


def _ledger(conn: Connection) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Open invoices, customer IBANs (own and learned from earlier matches), customers."""
    invoices = read_frame(
        conn,
        "SELECT id, invoice_number, customer_id, payment_reference, currency, open_minor, "
        "due_date FROM invoice WHERE open_minor > 0 AND status IN ('open', 'disputed')",
        {"invoice_id": pl.Int64, "invoice_number": pl.Utf8, "customer_id": pl.Int64,
         "payment_reference": pl.Utf8, "currency": pl.Utf8, "open_minor": pl.Int64,
         "due_date": pl.Date},
    )  # fmt: skip
    ibans = read_frame(
        conn,
        "SELECT id, iban FROM customer WHERE iban IS NOT NULL UNION "
        "SELECT customer_id, counterparty_iban FROM statement_entry "
        "WHERE customer_id IS NOT NULL AND counterparty_iban IS NOT NULL "
        "AND status IN ('matched', 'resolved')",
        {"customer_id": pl.Int64, "iban": pl.Utf8},
    )
    customers = read_frame(
        conn,
        "SELECT id, customer_id, name FROM customer",
        {"customer_id": pl.Int64, "external_id": pl.Utf8, "name": pl.Utf8},
    )
    return invoices, ibans, customers


def _match_frame(entries: list[StatementEntry]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "entry_key": [e.entry_key for e in entries],
            "amount_minor": [e.amount.minor for e in entries],
            "currency": [e.amount.currency for e in entries],
            "credit": [e.credit for e in entries],
            "reversal": [e.reversal for e in entries],
            "counterparty_iban": [e.counterparty_iban for e in entries],
            "counterparty_name": [e.counterparty_name for e in entries],
            "remittance_text": [e.remittance_text for e in entries],
            "structured_reference": [e.structured_reference for e in entries],
        },
        schema={"entry_key": pl.Utf8, "amount_minor": pl.Int64, "currency": pl.Utf8,
                "credit": pl.Boolean, "reversal": pl.Boolean, "counterparty_iban": pl.Utf8,
                "counterparty_name": pl.Utf8, "remittance_text": pl.Utf8,
                "structured_reference": pl.Utf8},
    )  # fmt: skip


def _suggestions(
    unmatched: pl.DataFrame, invoices: pl.DataFrame, customers: pl.DataFrame
) -> dict[str, list[dict[str, Any]]]:
    """Per entry key, the matcher's suggestions with the ledger's own ids, amounts, names."""
    flat = (
        unmatched.select("entry_key", "suggestions")
        .explode("suggestions")
        .drop_nulls("suggestions")
        .unnest("suggestions")
        .with_row_index("order")
        .join(invoices.select("invoice_id", "invoice_number", "open_minor", "currency"),
              on="invoice_id")
        .join(customers, on="customer_id")
        .sort("order")
    )  # fmt: skip
    out: dict[str, list[dict[str, Any]]] = {}
    for r in flat.iter_rows(named=True):
        out.setdefault(r["entry_key"], []).append({
            "customer": r["external_id"],
            "customer_name": r["name"],
            "invoice": r["invoice_number"],
            "open_amount": str(from_minor(r["open_minor"], r["currency"])),
            "currency": r["currency"],
            "score": r["score"],
            "why": r["why"],
        })  # fmt: skip
    return out


def _clip(value: str | None, length: int) -> str | None:
    return value[:length] if value else value


def _entry_row(
    entry: StatementEntry, statement_id: str, source: str, now: datetime, **outcome: Any
) -> tuple[Any, ...]:
    values = {
        "entry_key": entry.entry_key,
        "statement_id": _clip(statement_id, 200),
        "source_file": _clip(source, 400),
        "account_iban": entry.account_iban,
        "booking_date": entry.booking_date,
        "value_date": entry.value_date,
        "amount_minor": entry.amount.minor,
        "currency": entry.amount.currency,
        "credit": entry.credit,
        "reversal": entry.reversal,
        "counterparty_name": _clip(entry.counterparty_name, 200),
        "counterparty_iban": _clip(entry.counterparty_iban, 34),
        "end_to_end_id": _clip(entry.end_to_end_id, 140),
        "remittance_text": entry.remittance_text,
        "structured_reference": _clip(entry.structured_reference, 140),
        "rule": None,
        "reason": None,
        "suggestions": [],
        "customer_id": None,
        "payment_id": None,
        "imported_at": now,
        **outcome,
    }
    values["reason"] = _clip(values["reason"], 400)
    return tuple(values[column] for column in _ENTRY_COLUMNS)


def _store_rows(conn: Connection, rows: list[tuple[Any, ...]], file_order: list[str]) -> None:
    """Insert the entry rows in the order of the file (ids follow it), then forget them."""
    position = {key: index for index, key in enumerate(file_order)}
    rows.sort(key=lambda row: position[row[0]])
    bulk_insert(conn, "statement_entry", _ENTRY_COLUMNS, rows)
    rows.clear()


def import_statement(
    engine: Engine, data: bytes, source: str, now: datetime
) -> StatementImportSummary:
    """Parse, match and record a statement file's bytes in one transaction.

    Raises StatementError (nothing imported) when the file cannot be read.
    """
    statements = parse_statements(data, source)
    summary = StatementImportSummary(source, [s.statement_id for s in statements])
    entries: dict[str, tuple[StatementEntry, str]] = {}
    for statement in statements:
        summary.rejected += statement.rejected
        summary.entries += len(statement.rejected)
        for entry in statement.entries:
            summary.entries += 1
            summary.add(entry.amount.currency, "in" if entry.credit else "out", entry.amount.minor)
            entries.setdefault(entry.entry_key, (entry, statement.statement_id))
    summary.already_imported = summary.entries - len(entries)
    with engine.begin() as conn:
        known = _known_keys(conn, list(entries))
        summary.already_imported += len(known)
        routes: dict[str, list[StatementEntry]] = {}
        reasons: dict[str, str | None] = {}
        for key, (entry, _) in entries.items():
            if key not in known:
                route, reasons[key] = classify_entry(entry)
                routes.setdefault(route, []).append(entry)
        summary.pending = len(routes.pop("pending", []))
        if not routes:
            return summary
        rows: list[tuple[Any, ...]] = []

        def store(entry: StatementEntry, status: str, **outcome: Any) -> None:
            statement_id = entries[entry.entry_key][1]
            rows.append(_entry_row(entry, statement_id, source, now, status=status, **outcome))
            summary.count(status, entry.amount.currency, entry.amount.minor, outcome)

        for entry in routes.get("ignored", []):
            store(entry, "ignored", reason=reasons[entry.entry_key])
        for entry in routes.get("refused", []):
            store(entry, "unmatched", reason=reasons[entry.entry_key])
        to_match = routes.get("match", [])
        if to_match:
            _match_and_record(conn, to_match, store, now)
        # Stored before the reversals are looked at: a file may reverse its own payments.
        _store_rows(conn, rows, list(entries))
        for entry, outcome in undo_reversals(conn, routes.get("reversal", []), now):
            store(entry, outcome.status, **outcome.columns())
        _store_rows(conn, rows, list(entries))
        with Session(bind=conn) as session:
            audit(session, "statement import", "statement.import", "statement",
                  _clip("+".join(summary.statements), 128), summary.as_dict())  # fmt: skip
            session.flush()
    return summary


def _match_and_record(
    conn: Connection,
    to_match: list[StatementEntry],
    store: Callable[..., None],
    now: datetime,
) -> None:
    """Match entries against the ledger; record matched credits, queue the rest."""
    invoices, ibans, customers = _ledger(conn)
    people = customers.select("customer_id", "name")
    result = match_statement(
        _match_frame(to_match), invoices, ibans, people, combined_reference_frame(conn)
    )
    by_key = {entry.entry_key: entry for entry in to_match}
    numbers = dict(invoices.select("invoice_id", "invoice_number").iter_rows())
    payments = []
    for row in result.matched.iter_rows(named=True):
        entry = by_key[row["entry_key"]]
        named = [numbers[i] for i in row["invoice_ids"]]
        payments.append(IncomingPayment(
            payment_id=statement_payment_id(entry.entry_key),
            amount=entry.amount,
            paid_at=paid_at(entry.booking_date),
            customer_pk=row["customer_id"],
            reference=_clip(entry.structured_reference or entry.remittance_text, 140),
            invoice_number=named[0] if len(named) == 1 else None,
            method="bank_transfer",
            source="statement",
            invoice_pks=list(row["invoice_ids"]),
        ))  # fmt: skip
    rules = dict(result.matched.select("entry_key", "rule").iter_rows())
    customers_of = dict(result.matched.select("entry_key", "customer_id").iter_rows())
    # record_payments sorts by (paid_at, payment_id); sorted first, its ids line up.
    payments.sort(key=lambda p: (p.paid_at, p.payment_id))
    payment_pks = record_payments(conn, payments, now)
    note_payments_on_handovers(conn, now)
    key_of = {statement_payment_id(key): key for key in by_key}
    for payment, pk in zip(payments, payment_pks, strict=True):
        key = key_of[payment.payment_id]
        store(by_key[key], "matched", rule=rules[key], customer_id=customers_of[key], payment_id=pk)
    suggestions = _suggestions(result.unmatched, invoices, customers)
    for key, reason in result.unmatched.select("entry_key", "reason").iter_rows():
        store(by_key[key], "unmatched", reason=reason, suggestions=suggestions.get(key, []))


def import_statement_file(
    engine: Engine, path: Path, settings: Settings, out: Console, err: Console
) -> int:
    """`creditflow import statement FILE`: import, print the summary, return the exit code.

    0 the statement was read (unmatched entries wait in their queue), 1 some entries were
    rejected (an amount beyond MAX_AMOUNT), 2 the file cannot be read.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        err.print(f"cannot read {path}: {exc.strerror or exc}", markup=False)
        return 2
    try:
        summary = import_statement(engine, data, path.name, utcnow())
    except StatementError as exc:
        err.print(f"cannot import {path}: {exc}; nothing imported", markup=False)
        return 2
    print_summary(summary, out)
    return summary.exit_code
