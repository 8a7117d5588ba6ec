"""Exports: every workbench list as a CSV or XLSX download, with the page's filters.

GET /workbench/export/{list}.csv|.xlsx (today, customers, disputes, plans, unmatched,
outbox, strategy-versions, users, api-keys, jobs) takes the same query parameters as
its page; GET /workbench/export/customers/{pk}/invoices|timeline.csv|.xlsx one
customer's lists. The rows come from the pages' own query functions (export_lists.py),
so the collector portfolio applies as on the page. Personal data leaves the system
here, so every export is audited: who, which list, which filters, how many rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy.orm import Session

from creditflow.ledger.service import audit
from creditflow.spreadsheet import csv_bytes, xlsx_bytes
from creditflow.staff.access import AccessDenied, now_of, page_access
from creditflow.staff.service import Staff
from creditflow.workbench.export_lists import CUSTOMER_LISTS, LISTS, Table
from creditflow.workbench.pages import not_found, staff_of
from creditflow.workbench.worklist_rules import FilterError

__all__ = ["FORMATS", "export_file", "router"]

router = APIRouter(
    prefix="/workbench/export",
    tags=["workbench"],
    include_in_schema=False,
    dependencies=[Depends(page_access)],
)
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _split(filename: str) -> tuple[str, str] | None:
    """("today", "csv") from "today.csv"; None for any other form."""
    name, dot, fmt = filename.rpartition(".")
    return (name, fmt) if dot and fmt in FORMATS else None


def export_file(name: str, fmt: str, table: Table, now: datetime) -> Response:
    """The table as a download: CSV or XLSX, named after the list and the day."""
    header, rows = table
    stem = f"creditflow-{name}-{now.date().isoformat()}"
    data = csv_bytes(header, rows) if fmt == "csv" else xlsx_bytes(name, header, rows)
    return Response(
        data,
        media_type=FORMATS[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{stem}.{fmt}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _audited(
    session: Session,
    staff: Staff,
    name: str,
    fmt: str,
    filters: Mapping[str, str],
    rows: int,
    entity_id: str | None = None,
) -> None:
    """Note in the audit log who exported which list with which filters."""
    audit(
        session,
        staff.actor,
        "list_exported",
        f"export:{name}",
        entity_id,
        {"format": fmt, "filters": dict(filters), "rows": rows},
    )


@router.get("/{filename}")
def export_list(request: Request, filename: str) -> Response:
    """One workbench list as CSV or XLSX, with the page's filters (audited)."""
    staff = staff_of(request)
    parsed = _split(filename)
    if parsed is None or parsed[0] not in LISTS:
        return not_found(request)
    name, fmt = parsed
    wanted = LISTS[name]
    if wanted.permission is not None and not staff.may(wanted.permission):
        raise AccessDenied(403, "Your role may not see this page.", page=True)
    filters = {k: request.query_params.get(k, "")[:200] for k in wanted.fields}
    filters = {k: v for k, v in filters.items() if v}
    now = now_of(request)
    try:
        with request.app.state.sessions() as session, session.begin():
            table = wanted.build(session, staff, filters, now)
            _audited(session, staff, name, fmt, filters, len(table[1]))
    except FilterError as exc:
        return PlainTextResponse(f"Not exported: {exc}", status_code=400)
    return export_file(name, fmt, table, now)


@router.get("/customers/{customer_pk}/{filename}")
def export_customer_list(request: Request, customer_pk: int, filename: str) -> Response:
    """One customer's invoices or timeline as CSV or XLSX (portfolio checked, audited)."""
    staff = staff_of(request)
    parsed = _split(filename)
    if parsed is None or parsed[0] not in CUSTOMER_LISTS:
        return not_found(request)
    name, fmt = parsed
    now = now_of(request)
    with request.app.state.sessions() as session, session.begin():
        table = CUSTOMER_LISTS[name](session, staff, customer_pk, now)
        _audited(session, staff, f"customer_{name}", fmt, {}, len(table[1]), str(customer_pk))
    return export_file(f"customer-{customer_pk}-{name}", fmt, table, now)
