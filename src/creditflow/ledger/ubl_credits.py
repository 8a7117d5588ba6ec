"""Credit notes (and negative invoices) from e-invoices, set against the invoice they correct.

A credit note takes its amount off the open amount of the invoice it refers to
(`cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID`); an invoice that is then
fully credited is settled (`paid`, on the credit note's issue date), as the invoice
importer settles an invoice with nothing open. What the invoice no longer had open
(it was paid already) goes to the customer's credit. The credit note is kept as its
own record (`credit_note`), never as an edit of the invoice's amount, so that
re-importing the invoice keeps the credit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl
from sqlalchemy import Connection, text

from creditflow.money import from_minor
from creditflow.store import bulk_insert, bulk_update, read_frame

if TYPE_CHECKING:
    from creditflow.ledger.ubl_import import Parsed


@dataclass
class Applied:
    """What applying corrections did: counts, rejected documents and warnings."""

    imported: int = 0
    unchanged: int = 0
    rejects: list[tuple[Parsed, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def correction_hash(item: Parsed) -> str:
    """A stable hash of what a correction says (same document again: unchanged)."""
    doc = item.doc
    parts = (doc.kind, doc.number, doc.issue_date, doc.currency, item.minor, doc.billing_reference)
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


def _invoices(conn: Connection, numbers: list[str]) -> dict[str, dict[str, Any]]:
    frame = read_frame(
        conn,
        "SELECT i.id, i.invoice_number, i.customer_id, c.customer_id, i.currency, "
        "i.open_minor, i.status, c.credit_minor, c.credit_currency "
        "FROM invoice i JOIN customer c ON c.id = i.customer_id",
        {
            "id": pl.Int64,
            "invoice_number": pl.Utf8,
            "customer_pk": pl.Int64,
            "customer_id": pl.Utf8,
            "currency": pl.Utf8,
            "open_minor": pl.Int64,
            "status": pl.Utf8,
            "credit_minor": pl.Int64,
            "credit_currency": pl.Utf8,
        },
    ).filter(pl.col("invoice_number").is_in(numbers))
    return {row["invoice_number"]: row for row in frame.iter_rows(named=True)}


def apply_corrections(conn: Connection, items: list[Parsed], now: datetime) -> Applied:
    """Record credit notes and lower the open amounts of their invoices (one pass, bulk writes)."""
    out = Applied()
    if not items:
        return out
    known = dict(
        read_frame(
            conn,
            "SELECT credit_note_number, row_hash FROM credit_note",
            {"credit_note_number": pl.Utf8, "row_hash": pl.Utf8},
        )
        .filter(pl.col("credit_note_number").is_in([i.doc.number for i in items]))
        .iter_rows()
    )
    invoices = _invoices(conn, [str(i.doc.billing_reference) for i in items])
    credits: dict[int, dict[str, Any]] = {}
    records: list[tuple[Any, ...]] = []
    events: list[tuple[Any, ...]] = []
    touched: set[str | None] = set()
    for item in items:
        doc = item.doc
        item.row_hash = correction_hash(item)
        if doc.number in known:
            if known[doc.number] == item.row_hash:
                out.unchanged += 1
            else:
                out.rejects.append(
                    (item, f"credit note {doc.number} is already on the ledger with other "
                     "content: not changed")
                )  # fmt: skip
            continue
        invoice = invoices.get(str(doc.billing_reference))
        problem = _problem(item, invoice)
        if problem:
            out.rejects.append((item, problem))
            continue
        assert invoice is not None
        known[doc.number] = item.row_hash
        settles = invoice["status"] in ("open", "disputed")
        applied = min(int(invoice["open_minor"]), item.minor) if settles else 0
        invoice["open_minor"] = int(invoice["open_minor"]) - applied
        if invoice["open_minor"] == 0 and invoice["status"] == "open":
            invoice["status"], invoice["paid_on"] = "paid", doc.issue_date
        touched.add(doc.billing_reference)
        rest = item.minor - applied
        if rest:
            _credit(credits, invoice, rest, doc.currency, out, doc.number)
        records.append(
            (doc.number, invoice["customer_pk"], invoice["id"], doc.issue_date, doc.currency,
             item.minor, applied, "ubl", item.row_hash, now)
        )  # fmt: skip
        events.append(
            (invoice["customer_pk"], now, "credit_note.received", None, "in",
             f"credit note {doc.number} of {doc.currency} {from_minor(item.minor, doc.currency)} "
             f"for invoice {doc.billing_reference}",
             {"credit_note": doc.number, "invoice_number": doc.billing_reference,
              "applied": str(from_minor(applied, doc.currency)), "file": item.file})
        )  # fmt: skip
    _write(conn, records, [invoices[str(n)] for n in touched], credits, now)
    bulk_insert(
        conn,
        "event",
        ["customer_id", "occurred_at", "kind", "channel", "direction", "summary", "data"],
        events,
    )
    out.imported = len(records)
    return out


def _problem(item: Parsed, invoice: dict[str, Any] | None) -> str | None:
    doc = item.doc
    if invoice is None:
        return (
            f"refers to invoice {doc.billing_reference}, which is not on the ledger; "
            "import the invoice first, then this document again"
        )
    if invoice["currency"] != doc.currency:
        return (
            f"in {doc.currency}, the invoice {doc.billing_reference} it corrects is in "
            f"{invoice['currency']}"
        )
    if item.customer_id != invoice["customer_id"]:
        buyer = item.customer_id or doc.buyer.customer_id()
        return (
            f"buyer {buyer} is not the customer of invoice {doc.billing_reference} "
            f"({invoice['customer_id']})"
        )
    return None


def _credit(
    credits: dict[int, dict[str, Any]],
    invoice: dict[str, Any],
    minor: int,
    currency: str,
    out: Applied,
    number: str,
) -> None:
    """Put what the invoice no longer had open on the customer's credit (same currency)."""
    pk = invoice["customer_pk"]
    credit = credits.setdefault(
        pk, {"minor": int(invoice["credit_minor"]), "currency": invoice["credit_currency"]}
    )
    if credit["minor"] and credit["currency"] != currency:
        out.warnings.append(
            f"credit note {number}: {minor} minor units of {currency} not added to the "
            f"customer's credit, which is in {credit['currency']}"
        )
        return
    credit["minor"] += minor
    credit["currency"] = currency


def _write(
    conn: Connection,
    records: list[tuple[Any, ...]],
    invoices: list[dict[str, Any]],
    credits: dict[int, dict[str, Any]],
    now: datetime,
) -> None:
    bulk_insert(
        conn,
        "credit_note",
        ["credit_note_number", "customer_id", "invoice_id", "issue_date", "currency",
         "amount_minor", "applied_minor", "source", "row_hash", "created_at"],
        records,
    )  # fmt: skip
    bulk_update(
        conn,
        "invoice",
        "id",
        ["open_minor", "status", "updated_at"],
        ((i["open_minor"], i["status"], now, i["id"]) for i in invoices),
    )
    bulk_update(
        conn,
        "invoice",
        "id",
        ["paid_on"],
        ((i["paid_on"], i["id"]) for i in invoices if i.get("paid_on") is not None),
    )
    if credits:
        conn.execute(
            text("UPDATE customer SET credit_minor = :m, credit_currency = :c WHERE id = :p"),
            [{"m": c["minor"], "c": c["currency"], "p": pk} for pk, c in credits.items()],
        )
