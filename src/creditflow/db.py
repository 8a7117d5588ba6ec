"""Database engine, sessions and migrations (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


SUPPORTED_DATABASES = ("sqlite", "postgresql+psycopg")


def check_database_url(url: str) -> None:
    """Refuse a database URL creditflow cannot use, with the form it takes (ConfigError)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from creditflow.config import ConfigError

    hint = "use sqlite:///path/to/creditflow.db or postgresql+psycopg://user@host:5432/name"
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"the database URL cannot be read: {hint}") from exc
    shown = parsed.render_as_string(hide_password=True)
    if parsed.drivername in ("postgresql", "postgres"):
        raise ConfigError(f"database URL {shown}: name the driver, postgresql+psycopg:// ({hint})")
    if parsed.drivername not in SUPPORTED_DATABASES:
        raise ConfigError(f"database URL {shown}: {parsed.drivername} is not supported; {hint}")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and a busy timeout."""
    check_database_url(url)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA temp_store=MEMORY")
            cursor.execute("PRAGMA cache_size=-200000")
            cursor.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def register_models() -> None:
    """Put every area's tables on the metadata, whatever the process imported so far.

    A foreign key names its table as text ("collection_run.id"); the ORM resolves it
    when it first flushes, and fails unless the model that maps that table was imported.
    """
    import creditflow.schema  # noqa: F401 - imports every models module


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A sessionmaker bound to the engine (objects stay usable after commit)."""
    register_models()
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on error."""
    with session_factory(engine)() as session, session.begin():
        yield session


def alembic_config(engine: Engine) -> Any:
    """The Alembic configuration for the migrations shipped in the package."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


# Any fixed number: the PostgreSQL advisory lock that lets one process migrate at a time.
MIGRATION_LOCK_KEY = 0x63726564


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest migration, one process at a time."""
    from alembic import command

    with _migration_lock(engine):
        command.upgrade(alembic_config(engine), "head")


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Hold off other processes migrating the same database (two first-ever commands race)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})")
            conn.commit()
            try:
                yield
            finally:
                conn.exec_driver_sql(f"SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")
                conn.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    import fcntl

    try:
        lock = open(f"{database}.migrate-lock", "a+b")  # noqa: SIM115 - held across the yield
    except OSError:
        yield  # no such folder: opening the database says so, in its own words
        return
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
