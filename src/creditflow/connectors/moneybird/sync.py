"""Sync with Moneybird: payments out first, then changed contacts and invoices in.

Incremental: the synchronization endpoints list every record's id and version; only
records whose version differs from the one remembered in `moneybird_record` are
fetched and written, through the ledger's importers (`upsert_customers`,
`upsert_invoices`), so their checks and reject reasons apply. A rejected record is not
remembered: it is fetched and reported again until it is fixed in Moneybird.

Payments out first (`push.py`), so the invoices read back already show them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection, Engine, bindparam, insert, select, update

from creditflow.config import Settings
from creditflow.connectors.moneybird.client import MoneybirdClient
from creditflow.connectors.moneybird.mapping import (
    MappingError,
    customer_row,
    invoice_period,
    invoice_row,
    is_draft,
    less_unpushed,
)
from creditflow.connectors.moneybird.models import MoneybirdRecord
from creditflow.connectors.moneybird.push import push_payments, unpushed_payments
from creditflow.connectors.moneybird.report import Counts, SyncReport
from creditflow.ledger.formats import FileFormat
from creditflow.ledger.imports import upsert_customers, upsert_invoices
from creditflow.models import utcnow

__all__ = ["Counts", "SyncReport", "push_payments", "pull", "sync_moneybird"]


def sync_moneybird(
    engine: Engine,
    settings: Settings,
    client: MoneybirdClient,
    *,
    now: Callable[[], datetime] = utcnow,
) -> SyncReport:
    """One sync: push the payments not yet in Moneybird, then pull changed records."""
    report = SyncReport()
    account = settings.moneybird.financial_account_id if settings.moneybird else None
    push_payments(engine, client, account, report, now=now)
    pull(engine, settings, client, report, now=now)
    report.requests = client.requests
    report.waited_seconds = sum(client.waited)
    return report


# --- pull ------------------------------------------------------------------------------


def _remembered(conn: Connection, kind: str) -> dict[str, tuple[int, str]]:
    rows = conn.execute(
        select(
            MoneybirdRecord.moneybird_id, MoneybirdRecord.version, MoneybirdRecord.local_key
        ).where(MoneybirdRecord.kind == kind)
    )
    return {r.moneybird_id: (r.version, r.local_key) for r in rows}


def _remember(
    conn: Connection, kind: str, done: list[tuple[str, int, str]], known: set[str], at: datetime
) -> None:
    """Store the version imported of each record (insert new, update known), in bulk."""
    rows = [
        {"b_id": mid, "version": version, "local_key": key, "synced_at": at}
        for mid, version, key in done
    ]
    fresh = [r for r in rows if r["b_id"] not in known]
    seen = [r for r in rows if r["b_id"] in known]
    if fresh:
        conn.execute(
            insert(MoneybirdRecord),
            [
                {"kind": kind, "moneybird_id": r["b_id"], **{k: r[k] for k in _VALUES}}
                for r in fresh
            ],
        )
    if seen:
        conn.execute(
            update(MoneybirdRecord)
            .where(MoneybirdRecord.kind == kind, MoneybirdRecord.moneybird_id == bindparam("b_id"))
            .values({k: bindparam(k) for k in _VALUES}),
            seen,
        )


_VALUES = ("version", "local_key", "synced_at")


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Rows as the importers read them: text columns, plus `line` (the position)."""
    columns = sorted({k for row in rows for k in row if k != "line"})
    data: dict[str, Any] = {c: [row.get(c) for row in rows] for c in columns}
    data["line"] = [row["line"] for row in rows]
    schema: dict[str, Any] = {c: pl.Utf8 for c in columns}
    schema["line"] = pl.Int64
    return pl.DataFrame(data, schema=schema)


def _changed(
    client: MoneybirdClient,
    resource: str,
    known: dict[str, tuple[int, str]],
    filter_text: str | None = None,
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The full records whose version differs from the one remembered."""
    versions = client.versions(resource, filter_text)
    ids = sorted(i for i, v in versions.items() if known.get(i, (None, ""))[0] != v)
    records = client.records(resource, ids) if ids else []
    # the version of the record as fetched (it may have changed since it was listed)
    for record in records:
        if isinstance(record.get("version"), int):
            versions[str(record["id"])] = record["version"]
    return records, versions


def pull(
    engine: Engine,
    settings: Settings,
    client: MoneybirdClient,
    report: SyncReport,
    *,
    now: Callable[[], datetime] = utcnow,
) -> None:
    """Import the contacts, then the sales invoices, changed since the last sync."""
    with engine.connect() as conn:
        contacts_known = _remembered(conn, "contact")
        invoices_known = _remembered(conn, "sales_invoice")
    contacts, versions = _changed(client, "contacts", contacts_known)
    if contacts:
        _pull_contacts(engine, settings, contacts, versions, contacts_known, report, now())
    since = settings.moneybird.invoices_since if settings.moneybird else None
    period = invoice_period(now().date(), since)
    invoices, versions = _changed(client, "sales_invoices", invoices_known, period)
    if invoices:
        _pull_invoices(engine, settings, invoices, versions, invoices_known, report, now())


def _pull_contacts(
    engine: Engine,
    settings: Settings,
    contacts: list[dict[str, Any]],
    versions: dict[str, int],
    known: dict[str, tuple[int, str]],
    report: SyncReport,
    at: datetime,
) -> None:
    rows: list[dict[str, Any]] = []
    ids: dict[int, str] = {}
    for contact in contacts:
        mid = str(contact.get("id"))
        try:
            row: dict[str, Any] = {**customer_row(contact), "line": len(rows) + 1}
        except MappingError as exc:
            report.rejects.append(f"contact {mid}: {exc}")
            report.contacts.rejected += 1
            continue
        ids[row["line"]] = mid
        rows.append(row)
    if not rows:
        return
    with engine.begin() as conn:
        summary, rejected = upsert_customers(conn, _frame(rows), settings, only_given=True)
        bad = _rejected_lines(rejected, ids, "contact", report)
        done = [
            (ids[r["line"]], versions.get(ids[r["line"]], 0), str(r["customer_id"]))
            for r in rows
            if r["line"] not in bad
        ]
        _remember(conn, "contact", done, set(known), at)
    _count(report.contacts, summary)
    report.warnings += summary.warnings


def _pull_invoices(
    engine: Engine,
    settings: Settings,
    invoices: list[dict[str, Any]],
    versions: dict[str, int],
    known: dict[str, tuple[int, str]],
    report: SyncReport,
    at: datetime,
) -> None:
    rows: list[dict[str, Any]] = []
    ids: dict[int, str] = {}
    drafts: list[tuple[str, int, str]] = []
    with engine.connect() as conn:
        customer_ids = {mid: key for mid, (_, key) in _remembered(conn, "contact").items()}
    for invoice in invoices:
        mid = str(invoice.get("id"))
        if is_draft(invoice):
            drafts.append((mid, versions.get(mid, 0), ""))
            continue
        try:
            row: dict[str, Any] = {**invoice_row(invoice, customer_ids), "line": len(rows) + 1}
        except MappingError as exc:
            report.rejects.append(f"sales_invoice {mid}: {exc}")
            report.invoices.rejected += 1
            continue
        ids[row["line"]] = mid
        rows.append(row)
    report.drafts += len(drafts)
    with engine.begin() as conn:
        unpushed = unpushed_payments(conn, [str(r["invoice_number"]) for r in rows])
        for row in rows:
            waiting = unpushed.get(str(row["invoice_number"]))
            if waiting is not None:
                row["open_amount"] = less_unpushed(row["open_amount"], waiting, row["currency"])
        if rows:
            summary, rejected = upsert_invoices(
                conn, _frame(rows), settings, FileFormat(), only_given=True
            )
            bad = _rejected_lines(rejected, ids, "sales_invoice", report)
            _count(report.invoices, summary)
            report.warnings += summary.warnings
        else:
            bad = set()
        done = [
            (ids[r["line"]], versions.get(ids[r["line"]], 0), str(r["invoice_number"]))
            for r in rows
            if r["line"] not in bad
        ]
        _remember(conn, "sales_invoice", done + drafts, set(known), at)


def _rejected_lines(
    rejected: pl.DataFrame, ids: dict[int, str], kind: str, report: SyncReport
) -> set[int]:
    """Report each rejected row by its Moneybird id; the set of rejected lines."""
    bad: set[int] = set()
    for line, error in rejected.select("line", "error").iter_rows():
        bad.add(int(line))
        report.rejects.append(f"{kind} {ids[int(line)]}: {error}")
    return bad


def _count(counts: Counts, summary: Any) -> None:
    counts.imported += summary.imported
    counts.updated += summary.updated
    counts.unchanged += summary.unchanged
    counts.rejected += summary.rejected
