"""A private copy of a ledger to simulate on: every table, into a fresh SQLite file.

The simulator must never write to the real ledger, nor send or pay anything: it runs
on this copy with sandbox channels. Works from SQLite and PostgreSQL alike: a SQLite
file is copied page by page with SQLite's online backup (consistent while others
write), anything else table by table through the shared metadata, parents before
children.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, select

from creditflow.db import make_engine, register_models, upgrade

__all__ = ["copy_ledger", "is_sqlite_file"]

CHUNK = 5_000


def copy_ledger(source: Engine, folder: Path, name: str = "ledger.db") -> Engine:
    """Copy every table of `source` into a new SQLite database in `folder`; return its engine."""
    from creditflow.schema import metadata

    register_models()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if path.exists():
        path.unlink()
    by_backup = is_sqlite_file(source)
    if by_backup:
        with source.connect() as reading:
            copied = sqlite3.connect(path)
            try:
                reading.connection.driver_connection.backup(copied)  # type: ignore[union-attr]
            finally:
                copied.close()
    target = make_engine(f"sqlite:///{path.resolve()}")
    event.listen(target, "connect", _throwaway)
    upgrade(target)  # a backed-up ledger at an older revision is brought to this version's
    if by_backup:
        return target
    with source.connect() as reading, target.connect() as writing:
        writing.exec_driver_sql("PRAGMA foreign_keys=OFF")
        for table in metadata.sorted_tables:
            writing.execute(table.delete())
            rows = reading.execution_options(yield_per=CHUNK).execute(select(table))
            for chunk in rows.mappings().partitions(CHUNK):
                writing.execute(table.insert(), [dict(row) for row in chunk])
        writing.commit()
        writing.exec_driver_sql("PRAGMA foreign_keys=ON")
    return target


def _throwaway(dbapi_connection: Any, _record: Any) -> None:
    """A copy that is removed after the simulation needs no durability: no syncing to disk."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.close()


def is_sqlite_file(engine: Engine) -> bool:
    """Whether the engine's database is a SQLite file (which copies fast, by backup)."""
    database = engine.url.database
    return engine.dialect.name == "sqlite" and bool(database) and database != ":memory:"
