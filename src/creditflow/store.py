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


def bulk_insert_frame(conn: Connection, table: str, frame: pl.DataFrame) -> int:
    """Insert a whole frame (column names = table columns) in one set-based write."""
    if frame.height == 0:
        return 0
    dialect = conn.dialect.name
    ready = _frame_for_driver(frame, dialect)
    columns = ready.columns
    if dialect == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None
        data = ready.write_csv(include_header=False, null_value="").encode()
        with raw.cursor() as cursor:  # type: ignore[attr-defined]
            sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv)"
            with cursor.copy(sql) as copy:
                copy.write(data)
        return ready.height
    placeholders = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608
    for start in range(0, ready.height, CHUNK):
        conn.exec_driver_sql(sql, ready.slice(start, CHUNK).rows())
    return ready.height


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
    parts = []
    if bounds[0] is not None:
        for low in range(int(bounds[0]), int(bounds[1]) + 1, SQLITE_JSON_BLOCK):
            sql = (
                f"SELECT group_concat(json_object({pairs}), char(10)) FROM {source} "  # noqa: S608
                f"WHERE {key} >= ? AND {key} < ? AND ({where})"
            )
            text_block = conn.exec_driver_sql(sql, (low, low + SQLITE_JSON_BLOCK)).scalar()
            if text_block:
                parts.append(pl.read_ndjson(io.BytesIO(text_block.encode()), schema=raw_types))
    frame = pl.concat(parts) if parts else pl.DataFrame(schema=raw_types)
    return _cast(frame, schema)
