"""Set-based reads and writes between the database and Polars frames.

The ORM is for single records; the daily run and the imports move hundreds of
thousands of rows, so they go through these helpers: one query into a frame, and
bulk inserts/updates through the driver (executemany on SQLite, COPY on PostgreSQL).
Values are converted here to what SQLAlchemy itself would have stored.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import polars as pl
from sqlalchemy import Connection

CHUNK = 50_000


def read_frame(
    conn: Connection,
    sql: str,
    schema: dict[str, Any],
    params: dict[str, Any] | None = None,
) -> pl.DataFrame:
    """Run a query and return its rows as a frame with the given column types.

    PostgreSQL streams the result with COPY, in the same transaction. SQLite rows
    come through the driver's own cursor, skipping SQLAlchemy's row objects. (A
    second SQLite library in the process, as Arrow readers bundle, is not used: two
    copies of SQLite sharing a file break each other's POSIX locks.)
    """
    dialect = conn.dialect.name
    if dialect == "postgresql":
        frame = _read_postgres(conn, sql, list(schema), params)
    else:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(_qmark(sql), _qmark_params(sql, params))
            rows = cursor.fetchall()
        finally:
            cursor.close()
        raw_types = {
            k: (pl.Utf8 if v in (pl.Date, pl.Datetime, pl.Boolean) else v)
            for k, v in schema.items()
        }
        frame = pl.DataFrame(rows, schema=raw_types, orient="row")
    return _cast(frame, schema)


def _cast(frame: pl.DataFrame, schema: dict[str, Any]) -> pl.DataFrame:
    casts = []
    for name, dtype in schema.items():
        current = frame.schema[name]
        if dtype == pl.Date and current != pl.Date:
            casts.append(_as_date(pl.col(name)).alias(name))
        elif dtype == pl.Datetime:
            casts.append(_as_datetime(pl.col(name)).alias(name))
        elif dtype == pl.Boolean and current != pl.Boolean:
            text_value = pl.col(name).cast(pl.Utf8).str.to_lowercase()
            casts.append(text_value.is_in(["1", "t", "true"]).alias(name))
        elif current != dtype:
            casts.append(pl.col(name).cast(dtype).alias(name))
    return frame.with_columns(casts) if casts else frame


def _qmark(sql: str) -> str:
    import re

    return re.sub(r"(?<!:):([a-z_][a-z0-9_]*)", "?", sql)


def _qmark_params(sql: str, params: dict[str, Any] | None) -> tuple[Any, ...]:
    import re

    names = re.findall(r"(?<!:):([a-z_][a-z0-9_]*)", sql)
    return tuple(db_value((params or {})[n], "sqlite") for n in names)


def _read_postgres(
    conn: Connection, sql: str, names: list[str], params: dict[str, Any] | None
) -> pl.DataFrame:
    import io
    import re

    raw = conn.connection.driver_connection
    assert raw is not None
    keys = re.findall(r"(?<!:):([a-z_][a-z0-9_]*)", sql)
    statement = re.sub(r"(?<!:):([a-z_][a-z0-9_]*)", "%s", sql)
    values = tuple((params or {})[k] for k in keys)
    buffer = io.BytesIO()
    with raw.cursor() as cursor:  # type: ignore[attr-defined]
        with cursor.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)", values or None) as copy:
            for block in copy:
                buffer.write(block)
    if buffer.tell() == 0:
        return pl.DataFrame(schema={n: pl.Utf8 for n in names})
    buffer.seek(0)
    return pl.read_csv(buffer, has_header=False, new_columns=names, infer_schema=False)


def _as_date(col: pl.Expr) -> pl.Expr:
    return col.cast(pl.Utf8).str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False)


def _as_datetime(col: pl.Expr) -> pl.Expr:
    return (
        col.cast(pl.Utf8)
        .str.slice(0, 19)
        .str.replace("T", " ")
        .str.strptime(pl.Datetime("us", "UTC"), "%Y-%m-%d %H:%M:%S", strict=False)
    )


def db_value(value: Any, dialect: str) -> Any:
    """Convert a Python value to what the driver stores for our column types."""
    if isinstance(value, datetime):
        utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        if dialect == "sqlite":
            return utc.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
        return utc
    if isinstance(value, date) and dialect == "sqlite":
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(value, separators=(",", ":"))
    return value


def json_id_array(ids: pl.Series) -> str:
    """Integer ids as one JSON array text, for SQLite's json_each (one parameter, any count)."""
    return "[" + ids.cast(pl.Utf8).str.join(",").item() + "]"


def in_ids(column: str, dialect: str) -> str:
    """The condition `column IN (the ids bound as :ids)`, the ids one `json_id_array`.

    One parameter for any number of ids, on SQLite (json_each) and PostgreSQL alike.
    """
    if dialect == "postgresql":
        return (
            f"{column} IN (SELECT CAST(value AS BIGINT) "  # noqa: S608 - a column name
            "FROM json_array_elements_text(CAST(:ids AS json)))"
        )
    return f"{column} IN (SELECT value FROM json_each(:ids))"  # noqa: S608 - a column name


def bulk_insert(
    conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert many rows fast: COPY on PostgreSQL, executemany on SQLite."""
    dialect = conn.dialect.name
    count = 0
    if dialect == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([db_value(v, dialect) for v in row])
                    count += 1
        return count
    placeholders = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    batch: list[tuple[Any, ...]] = []
    for row in rows:
        batch.append(tuple(db_value(v, dialect) for v in row))
        if len(batch) >= CHUNK:
            conn.exec_driver_sql(sql, batch)
            count += len(batch)
            batch = []
    if batch:
        conn.exec_driver_sql(sql, batch)
        count += len(batch)
    return count


def bulk_update(
    conn: Connection, table: str, key: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Update many rows by key; each row is (*values, key_value)."""
    dialect = conn.dialect.name
    mark = "?" if dialect == "sqlite" else "%s"
    assignments = ", ".join(f"{c} = {mark}" for c in columns)
    sql = f"UPDATE {table} SET {assignments} WHERE {key} = {mark}"  # noqa: S608
    batch = [tuple(db_value(v, dialect) for v in row) for row in rows]
    for start in range(0, len(batch), CHUNK):
        conn.exec_driver_sql(sql, batch[start : start + CHUNK])
    return len(batch)


def frame_rows(frame: pl.DataFrame, columns: Sequence[str]) -> Iterable[tuple[Any, ...]]:
    """Rows of the selected columns as tuples, streamed."""
    return frame.select(columns).iter_rows()


def _frame_for_driver(frame: pl.DataFrame, dialect: str) -> pl.DataFrame:
    """Convert column types the way `db_value` does, but for whole columns at once."""
    conversions = []
    for name, dtype in frame.schema.items():
        if isinstance(dtype, pl.Datetime):
            utc = pl.col(name).dt.convert_time_zone("UTC") if dtype.time_zone else pl.col(name)
            fmt = "%Y-%m-%d %H:%M:%S%.6f" if dialect == "sqlite" else "%Y-%m-%d %H:%M:%S%.6f+00:00"
            conversions.append(utc.dt.to_string(fmt).alias(name))
        elif dtype == pl.Date:
            conversions.append(pl.col(name).dt.to_string("%Y-%m-%d").alias(name))
        elif isinstance(dtype, pl.List):
            # {"v":[...]} -> [...]: Polars' own JSON encoder, vectorised and correctly escaped
            encoded = pl.struct(pl.col(name).alias("v")).struct.json_encode()
            conversions.append(encoded.str.slice(5, encoded.str.len_chars() - 6).alias(name))
        elif dtype == pl.Boolean and dialect == "sqlite":
            conversions.append(pl.col(name).cast(pl.Int8).alias(name))
    return frame.with_columns(conversions) if conversions else frame


@dataclass(frozen=True)
class PreparedRows:
    """A frame converted for the driver: CSV for PostgreSQL's COPY, tuples for SQLite."""

    columns: list[str]
    height: int
    rows: list[tuple[Any, ...]] | None = None
    csv: bytes | None = None


def prepare_rows(frame: pl.DataFrame, dialect: str) -> PreparedRows:
    """Convert a frame for `insert_prepared` (no database access: may run in a thread)."""
    ready = _frame_for_driver(frame, dialect)
    if dialect == "postgresql":
        data = ready.write_csv(include_header=False, null_value="").encode()
        return PreparedRows(ready.columns, ready.height, csv=data)
    return PreparedRows(ready.columns, ready.height, rows=ready.rows())


def insert_prepared(conn: Connection, table: str, prepared: PreparedRows) -> int:
    """Insert prepared rows in one set-based write."""
    if prepared.height == 0:
        return 0
    columns = ", ".join(prepared.columns)
    if prepared.csv is not None:
        raw = conn.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            with cursor.copy(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
                copy.write(prepared.csv)
        return prepared.height
    rows = prepared.rows or []
    placeholders = ", ".join("?" for _ in prepared.columns)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
    for start in range(0, len(rows), CHUNK):
        conn.exec_driver_sql(sql, rows[start : start + CHUNK])
    return prepared.height


def bulk_insert_frame(conn: Connection, table: str, frame: pl.DataFrame) -> int:
    """Insert a whole frame (column names = table columns) in one set-based write."""
    if frame.height == 0:
        return 0
    return insert_prepared(conn, table, prepare_rows(frame, conn.dialect.name))


SQLITE_JSON_BLOCK = 250_000


def read_table_columns(
    conn: Connection,
    source: str,
    columns: dict[str, tuple[str, Any]],
    where: str,
    *,
    key: str = "id",
    table: str | None = None,
) -> pl.DataFrame:
    """Read columns of a table (or a join) into a frame: {name: (sql expression, dtype)}.

    On SQLite the rows are serialised to NDJSON by SQLite itself (in blocks of `key`,
    the integer id of `table`) and parsed by Polars, which avoids one Python object
    per value: for a million invoices this is about twice as fast as fetching tuples.
    Elsewhere it is `read_frame`.
    """
    schema = {name: dtype for name, (_, dtype) in columns.items()}
    select = ", ".join(expr for expr, _ in columns.values())
    if conn.dialect.name != "sqlite":
        return read_frame(conn, f"SELECT {select} FROM {source} WHERE {where}", schema)  # noqa: S608
    pairs = ", ".join(f"'{name}', {expr}" for name, (expr, _) in columns.items())
    bounds_table = table or source
    bounds = conn.exec_driver_sql(f"SELECT MIN(id), MAX(id) FROM {bounds_table}").one()  # noqa: S608
    raw_types = {
        k: (pl.Utf8 if v in (pl.Date, pl.Datetime, pl.Boolean) else v) for k, v in schema.items()
    }
    sql = (
        f"SELECT CAST(group_concat(json_object({pairs}), char(10)) AS BLOB) "  # noqa: S608
        f"FROM {source} WHERE {key} >= ? AND {key} < ? AND ({where})"
    )
    parts: list[pl.DataFrame] = []
    if bounds[0] is not None:
        # SQLite serialises block k+1 (the GIL released) while Polars parses block k.
        pending: list[Future[pl.DataFrame]] = []
        with ThreadPoolExecutor(max_workers=1) as parser:
            for low in range(int(bounds[0]), int(bounds[1]) + 1, SQLITE_JSON_BLOCK):
                block = conn.exec_driver_sql(sql, (low, low + SQLITE_JSON_BLOCK)).scalar()
                if block:
                    pending.append(parser.submit(_parse_ndjson, block, raw_types))
            parts = [part.result() for part in pending]
    frame = pl.concat(parts) if parts else pl.DataFrame(schema=raw_types)
    return _cast(frame, schema)


def _parse_ndjson(block: bytes, schema: dict[str, Any]) -> pl.DataFrame:
    return pl.read_ndjson(io.BytesIO(block), schema=schema)
