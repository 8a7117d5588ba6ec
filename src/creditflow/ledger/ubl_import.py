"""Import UBL e-invoices (DESIGN 4.9): invoices onto the ledger, credit notes against them.

`import_ubl_documents` is the service (`import_ubl_on` runs it in a caller's transaction,
for `POST /api/v1/ubl`): it takes (name, bytes) pairs, so it never touches the file system. `import_ubl_path` reads a file
or every `*.xml` of a directory (in name order) and writes the rejects file.

Within one import the invoices are written before the credit notes, so a credit note
may refer to an invoice in the same directory. An invoice number already on the
ledger with another amount, currency or customer is rejected, never merged; the same
document again is `unchanged`. A credit note, or an invoice with a negative total (a
correction, as in Peppol's base-negative-inv-correction.xml), lowers the open amount
of the invoice it refers to; what the invoice no longer has open goes to the
customer's credit. A correction whose invoice is not on the ledger is rejected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import polars as pl
from sqlalchemy import Connection, Engine

from creditflow.config import Settings
from creditflow.ledger.imports import ImportSummary
from creditflow.ledger.ubl import UblDocument, UblError, parse_ubl
from creditflow.ledger.ubl_credits import apply_corrections
from creditflow.ledger.ubl_customers import CustomerBook
from creditflow.ledger.validation import currency_digits
from creditflow.models import utcnow
from creditflow.money import MAX_AMOUNT, check_currency
from creditflow.spreadsheet import safe_cell
from creditflow.store import read_frame

REJECT_COLUMNS = ("file", "document", "number", "line", "error")
MAX_NAMED = 5  # files named in one warning


@dataclass
class Reject:
    """One document that was not taken: its file, number, XML line and the reason."""

    file: str
    document: str
    number: str
    line: int | None
    error: str

    def row(self) -> dict[str, str]:
        """The rejects-file row."""
        return {
            "file": self.file,
            "document": self.document,
            "number": self.number,
            "line": "" if self.line is None else str(self.line),
            "error": self.error,
        }


@dataclass
class UblImport:
    """The outcome of an import: the counts (and warnings) and the rejected documents."""

    summary: ImportSummary
    rejects: list[Reject] = field(default_factory=list)


@dataclass
class Parsed:
    """A document that parsed, with where it came from and its values for the ledger."""

    file: str
    doc: UblDocument
    customer_id: str = ""
    minor: int = 0
    row_hash: str = ""  # of a correction (credit note), set when it is applied

    def reject(self, error: str) -> Reject:
        """This document rejected for `error`."""
        label = "CreditNote" if self.doc.kind == "credit_note" else "Invoice"
        return Reject(self.file, label, self.doc.number, self.doc.line, error)


def _minor(doc: UblDocument) -> int:
    """The payable amount in minor units; ValueError when the currency cannot hold it."""
    digits = currency_digits(check_currency(doc.currency))
    scaled = abs(doc.payable) * (Decimal(10) ** digits)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"PayableAmount: '{doc.payable}' has more decimals than {doc.currency}")
    if abs(doc.payable) > MAX_AMOUNT:
        raise ValueError(f"PayableAmount: '{doc.payable}' is too large (max {MAX_AMOUNT})")
    return int(scaled)


def document_problem(doc: UblDocument) -> str | None:
    """Why a parsed document cannot go on the ledger, or None (pure checks, no database)."""
    if len(doc.number) > 64:
        return "cbc:ID: longer than 64 characters"
    if not doc.buyer.name:
        return "buyer name missing (cac:AccountingCustomerParty/cac:Party/cac:PartyName/cbc:Name)"
    cid = doc.buyer.customer_id()
    if cid is None:
        return "buyer has no party identifier, endpoint id or VAT number to know it by"
    if len(cid) > 64:
        return f"buyer id '{cid[:70]}' is longer than 64 characters"
    try:
        check_currency(doc.currency)
        _minor(doc)
    except ValueError as exc:
        return str(exc) if str(exc).startswith("PayableAmount") else f"currency: {exc}"
    if doc.kind == "credit_note" and doc.payable < 0:
        return "PayableAmount: a credit note with a negative total is not supported"
    if doc.is_correction and not doc.billing_reference:
        what = "credit note" if doc.kind == "credit_note" else "invoice with a negative total"
        return (
            f"{what} without cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID: "
            "the invoice it corrects is unknown"
        )
    if doc.is_correction and doc.payable == 0:
        return "PayableAmount: 0, nothing to credit"
    if doc.due_date is not None and doc.due_date < doc.issue_date:
        return "DueDate: before IssueDate"
    return None


def import_ubl_documents(
    engine: Engine, documents: list[tuple[str, bytes]], settings: Settings
) -> UblImport:
    """Import UBL Invoice and CreditNote documents given as (name, bytes), in one transaction."""
    with engine.begin() as conn:
        return import_ubl_on(conn, documents, settings)


def import_ubl_on(
    conn: Connection, documents: list[tuple[str, bytes]], settings: Settings
) -> UblImport:
    """Import UBL documents in the caller's transaction (the API's, beside its own records)."""
    result = UblImport(ImportSummary())
    parsed: list[Parsed] = []
    for name, data in documents:
        try:
            doc = parse_ubl(data)
        except UblError as exc:
            result.rejects.append(Reject(name, "", "", exc.line, exc.reason))
            continue
        item = Parsed(name, doc)
        problem = document_problem(doc)
        if problem:
            result.rejects.append(item.reject(problem))
            continue
        item.minor = _minor(doc)
        parsed.append(item)
    invoices = [p for p in parsed if not p.doc.is_correction]
    corrections = [p for p in parsed if p.doc.is_correction]
    now = utcnow()
    book = CustomerBook.load(conn)
    for item in invoices:
        item.customer_id = book.find(item.doc.buyer) or book.add(item.doc.buyer)
    kept = _invoice_conflicts(conn, invoices, result)
    book.keep_only({p.customer_id for p in kept})
    result.summary.warnings += book.write(conn, settings, now)
    _write_invoices(conn, kept, settings, result)
    for item in corrections:
        item.customer_id = book.find(item.doc.buyer) or ""
    counts = apply_corrections(conn, corrections, now)
    result.rejects += [item.reject(error) for item, error in counts.rejects]
    result.summary.imported += counts.imported
    result.summary.unchanged += counts.unchanged
    result.summary.warnings += counts.warnings
    result.summary.rejected = len(result.rejects)
    return result


def _invoice_conflicts(conn: Connection, invoices: list[Parsed], result: UblImport) -> list[Parsed]:
    """The invoices that may be written: same number, other amount/currency/buyer is a reject."""
    existing = read_frame(
        conn,
        "SELECT i.invoice_number, i.amount_minor, i.currency, c.customer_id "
        "FROM invoice i JOIN customer c ON c.id = i.customer_id",
        {"invoice_number": pl.Utf8, "amount_minor": pl.Int64, "currency": pl.Utf8, "cid": pl.Utf8},
    ).filter(pl.col("invoice_number").is_in([p.doc.number for p in invoices]))
    known = {n: (m, c, cid) for n, m, c, cid in existing.iter_rows()}
    groups: dict[str, list[Parsed]] = {}
    for item in invoices:
        groups.setdefault(item.doc.number, []).append(item)
    kept: list[Parsed] = []
    for number, group in groups.items():
        if number in known:  # the ledger decides: each document agrees with it or not
            for item in group:
                problem = _ledger_conflict(item, known[number])
                if problem:
                    result.rejects.append(item.reject(problem))
                else:
                    kept.append(item)
            continue
        if len({_content(i) for i in group}) > 1:
            files = ", ".join(i.file for i in group)
            result.rejects += [
                i.reject(
                    f"invoice number {number} is in {len(group)} documents of this import "
                    f"with different content ({files}): none taken, never merged"
                )
                for i in group
            ]
            continue
        result.summary.unchanged += len(group) - 1  # the same document twice
        kept.append(group[0])
    return kept


def _ledger_conflict(item: Parsed, known: tuple[int, str, str]) -> str | None:
    """Why an invoice differs from the one with its number on the ledger, or None."""
    doc = item.doc
    if known == (item.minor, doc.currency, item.customer_id):
        return None
    minor, currency, cid = known
    amount = Decimal(minor).scaleb(-currency_digits(currency))
    return (
        f"invoice {doc.number} is already on the ledger for {amount} {currency} "
        f"(customer {cid}); this document says {abs(doc.payable)} {doc.currency} "
        f"(buyer {item.customer_id}): not merged; a correction needs its own "
        "number or a credit note"
    )


def _content(item: Parsed) -> tuple[object, ...]:
    """What makes two documents with one number the same invoice."""
    doc = item.doc
    return (item.minor, doc.currency, item.customer_id, doc.issue_date, doc.due_date,
            doc.payment_id)  # fmt: skip


def _due(doc: UblDocument, settings: Settings) -> date:
    if doc.due_date is not None:
        return doc.due_date
    return doc.issue_date + timedelta(days=settings.organisation.payment_term_days)


def _write_invoices(
    conn: Connection, items: list[Parsed], settings: Settings, result: UblImport
) -> None:
    """Write the invoices through the invoice importer's own checks and upsert."""
    from creditflow.ledger.invoices import prepare_invoices, write_invoices
    from creditflow.ledger.references import check_reference

    if not items:
        return
    rows = []
    unstructured: list[str] = []
    references: dict[str, str | None] = {}  # a reference is checked once, however often it recurs
    for line, item in enumerate(items, start=1):
        doc = item.doc
        reference = None
        if doc.payment_id and doc.payment_id in references:
            reference = references[doc.payment_id]
        elif doc.payment_id:
            try:
                reference = references[doc.payment_id] = check_reference(doc.payment_id)
            except ValueError:
                references[doc.payment_id] = None
                unstructured.append(f"{item.file} ('{doc.payment_id}')")
        rows.append(
            {
                "line": line,
                "invoice_number": doc.number,
                "customer_id": item.customer_id,
                "issue_date": doc.issue_date.isoformat(),
                "due_date": _due(doc, settings).isoformat(),
                "amount": str(abs(doc.payable)),
                "currency": doc.currency,
                "payment_reference": reference,
                "description": f"e-invoice {item.file}"[:400],
            }
        )
    if unstructured:
        shown = ", ".join(unstructured[:MAX_NAMED])
        more = f" and {len(unstructured) - MAX_NAMED} more" if len(unstructured) > MAX_NAMED else ""
        result.summary.warnings.append(
            f"PaymentID not an RF reference nor a betalingskenmerk in {shown}{more}: "
            "those invoices get a generated payment reference"
        )
    raw = pl.DataFrame(
        rows, schema={"line": pl.Int64, **{k: pl.Utf8 for k in rows[0] if k != "line"}}
    )
    customers = read_frame(
        conn,
        "SELECT id AS customer_pk, customer_id FROM customer",
        {"customer_pk": pl.Int64, "customer_id": pl.Utf8},
    )
    checked, prepared = prepare_invoices(raw, customers, settings)
    for line, error in checked.rejected.select("line", "error").iter_rows():
        result.rejects.append(items[int(line) - 1].reject(error))
    imported, updated, unchanged = write_invoices(conn, prepared, settings)
    result.summary.imported += imported
    result.summary.updated += updated
    result.summary.unchanged += unchanged


def ubl_files(path: Path) -> list[Path]:
    """The file itself, or the `*.xml` files of a directory (not its sub-directories), by name."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".xml")
    return [path]


def import_ubl_path(engine: Engine, path: Path, settings: Settings) -> ImportSummary:
    """Import a UBL file or a directory of them; rejects go to `<path>.rejects.csv`."""
    documents = [(p.name, p.read_bytes()) for p in ubl_files(path)]
    outcome = import_ubl_documents(engine, documents, settings)
    if outcome.rejects:
        outcome.summary.rejects_path = write_ubl_rejects(path, outcome.rejects)
    return outcome.summary


def write_ubl_rejects(path: Path, rejects: list[Reject]) -> Path:
    """One rejects file for the file or directory: `<path>.rejects.csv` beside it.

    When that place cannot be written (a read-only folder), the file goes to the
    current directory instead, with the same name.
    """
    frame = pl.DataFrame(
        [r.row() for r in rejects], schema={c: pl.Utf8 for c in REJECT_COLUMNS}
    ).with_columns(pl.col(pl.Utf8).map_elements(safe_cell, return_dtype=pl.Utf8, skip_nulls=True))
    path = path.resolve()
    target = path.with_name(path.name + ".rejects.csv")
    try:
        frame.write_csv(target)
    except OSError:
        target = Path.cwd() / target.name
        frame.write_csv(target)
    return target
