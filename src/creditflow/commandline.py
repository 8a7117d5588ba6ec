"""What every `creditflow` command shares: the --db option, settings and the database.

Settings are read once per command here; a configuration error exits with code 2
(DESIGN 4.2) after saying what is wrong.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer

from creditflow.config import ConfigError, Settings, load_settings
from creditflow.terminal import console, show_config_error

if TYPE_CHECKING:
    from sqlalchemy import Engine

DbOption = Annotated[
    str | None, typer.Option("--db", help="Database URL (overrides CREDITFLOW_DATABASE_URL).")
]


def command_settings(db: str | None) -> Settings:
    """The settings for one command, with `--db` applied; exit 2 on a configuration error."""
    try:
        return load_settings().with_database(db)
    except ConfigError as exc:
        show_config_error(console(stderr=True), exc)
        raise typer.Exit(2) from exc


def command_engine(settings: Settings, *, migrate: bool = True) -> Engine:
    """The engine of the command's database, migrated first (or refused when empty)."""
    from creditflow.db import current_revision, make_engine, upgrade

    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    elif current_revision(engine) is None:
        console(stderr=True).print("the database is empty: run `creditflow init` first")
        raise typer.Exit(2)
    return engine


ActorOption = Annotated[
    str | None, typer.Option("--actor", help="Who does this (default: the OS user).")
]


def command_actor(actor: str | None) -> str:
    """Who a staff command acts as, for the audit log: --actor, else the OS user."""
    if actor:
        return actor
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def command_day(value: str | None, option: str = "--as-of") -> date | None:
    """A date option written YYYY-MM-DD (None when not given); a usage error otherwise."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from exc
