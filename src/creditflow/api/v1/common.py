"""What every v1 router shares: the guard, a session, cursor paging, the ledger's upsert."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

import polars as pl
from fastapi import Depends, Query, Request
from pydantic import BaseModel
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from creditflow.api.deps import get_session, get_settings
from creditflow.api.v1.problems import ApiProblem, ledger_errors
from creditflow.api.v1.schemas import BulkItemOut, BulkOut
from creditflow.config import Settings
from creditflow.ledger.formats import FileFormat
from creditflow.ledger.imports import ImportSummary, only_params, only_where
from creditflow.staff.access import current_staff
from creditflow.staff.portfolio import customer_scope
from creditflow.staff.service import Staff

SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
MAX_PAGE = 500
MAX_BULK = 1000
# The API takes the contract's form only: dot decimals and ISO dates, never guessed.
CONTRACT = FileFormat(decimal_comma=False, date_format="yyyy-mm-dd")
RESULTS = ("imported", "updated", "unchanged", "rejected")

T = TypeVar("T")
Outcome = tuple[str, list[dict[str, str]]]  # imported|updated|unchanged|rejected, errors

PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No session or API key", **PROBLEM},
    403: {"description": "The key's scope or the role may not", **PROBLEM},
    422: {"description": "A query parameter is not valid", **PROBLEM},
}
ONE_ERRORS: dict[int | str, dict[str, Any]] = {
    **READ_ERRORS,
    404: {"description": "No such record", **PROBLEM},
}
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **READ_ERRORS,
    409: {"description": "The same Idempotency-Key is being answered", **PROBLEM},
    422: {"description": "The body is not valid: `errors` name each field and reason", **PROBLEM},
}


class Page(BaseModel, Generic[T]):
    """One page of a list; pass `next_cursor` as `cursor` for the next (null: the last)."""

    items: list[T]
    next_cursor: str | None


Limit = Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page")]
Cursor = Annotated[
    str | None, Query(max_length=64, description="`next_cursor` of the previous page")
]


def encode_cursor(last_id: int) -> str:
    """An opaque cursor after this row id."""
    return base64.urlsafe_b64encode(f"v1:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    """The row id a cursor points after (0: from the start); 422 when it is not ours."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "v1" or not number.isdigit():
            raise ValueError(cursor)
        return int(number)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiProblem(
            422, "cursor: not a cursor of this list", [{"field": "cursor", "reason": "unknown"}]
        ) from exc


def page_of(
    rows: Sequence[Any],
    limit: int,
    make: Callable[[Any], T],
    pk: Callable[[Any], int] = lambda row: int(row.id),
) -> Page[T]:
    """A page from up to `limit + 1` rows ordered by primary key (`pk` of a row)."""
    more = len(rows) > limit
    shown = list(rows[:limit])
    cursor = encode_cursor(pk(shown[-1])) if more and shown else None
    return Page[T](items=[make(r) for r in shown], next_cursor=cursor)


def aware(moment: datetime | None) -> datetime | None:
    """A query's date-time with a zone (UTC when it has none)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def staff_of(request: Request) -> Staff:
    """Who the request acts for (after the router's api_access)."""
    return current_staff(request)


# Customers a key or user may see: the one rule of staff/portfolio.py (pages use it too).
portfolio = customer_scope


def rows_frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> pl.DataFrame:
    """Request items as an import frame: text columns, empty text as missing, and `line`."""
    data = {
        name: [None if r.get(name) in (None, "") else str(r[name]) for r in rows]
        for name in columns
    }
    frame = pl.DataFrame(data, schema=dict.fromkeys(columns, pl.Utf8))
    return frame.with_columns(pl.Series("line", range(1, len(rows) + 1), dtype=pl.Int64))


def _hashes(conn: Connection, table: str, key: str, values: list[str]) -> dict[str, str]:
    from sqlalchemy import text

    found = conn.execute(
        text(f"SELECT {key}, row_hash FROM {table}" + only_where(values, key)),  # noqa: S608
        only_params(values),
    )
    return {str(k): str(h) for k, h in found}


def upsert_outcomes(
    conn: Connection,
    table: str,
    key: str,
    keys: list[str],
    write: Callable[[], tuple[ImportSummary, pl.DataFrame]],
) -> tuple[ImportSummary, list[Outcome]]:
    """Run a ledger upsert and say per item: imported, updated, unchanged or rejected."""
    before = _hashes(conn, table, key, keys)
    summary, rejected = write()
    errors = {
        int(line): ledger_errors(str(error))
        for line, error in rejected.select("line", "error").iter_rows()
    }
    after = _hashes(conn, table, key, keys)
    outcomes: list[Outcome] = []
    for index, value in enumerate(keys):
        if index + 1 in errors:
            outcomes.append(("rejected", errors[index + 1]))
        elif value not in before:
            outcomes.append(("imported", []))
        elif before[value] != after.get(value):
            outcomes.append(("updated", []))
        else:
            outcomes.append(("unchanged", []))
    return summary, outcomes


def refuse_rejected(outcome: Outcome, what: str) -> None:
    """A single item the ledger rejected: 422 with the importers' reasons per field."""
    result, errors = outcome
    if result == "rejected":
        shown = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        raise ApiProblem(422, f"The {what} was not taken: {shown}", errors)


def bulk_out(keys: list[str], outcomes: list[Outcome]) -> BulkOut:
    """Per-item outcomes and their counts."""
    items = [
        BulkItemOut(index=i, key=k, result=r, errors=e)  # type: ignore[arg-type]
        for i, (k, (r, e)) in enumerate(zip(keys, outcomes, strict=True))
    ]
    count = {name: sum(1 for i in items if i.result == name) for name in RESULTS}
    return BulkOut(**count, items=items)
