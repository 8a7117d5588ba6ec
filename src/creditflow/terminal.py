"""What the command line shares: consoles made on first use (so `--help` starts fast),
the actions table, and database failures told as a sentence."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from rich.console import Console


class _LazyConsole:
    """A Rich console created the first time it is used (Rich takes a while to import)."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return getattr(self._console, name)


def console(*, stderr: bool = False) -> Console:
    """A console for stdout (or stderr) that imports Rich only when it first prints."""
    return cast("Console", _LazyConsole(stderr=stderr))


def show_config_error(err: Console, exc: Exception) -> None:
    """Print a configuration error as written: `[organisation]` is a setting, not markup."""
    from rich.markup import escape

    err.print(f"[red]configuration error:[/red] {escape(str(exc))}", soft_wrap=True)


def actions_table(rows: list[dict[str, Any]], *, wide: bool) -> Any:
    """Actions as a table: ids and amounts are never cut; --wide adds kind, channel, time."""
    from rich.table import Column, Table

    columns = [
        # a run's ids are 32 characters; a longer one (a confirmation's) folds, never cut
        Column("action", overflow="fold", min_width=32),
        Column("customer", overflow="fold"),
        Column("step", overflow="ellipsis", min_width=12),
        Column("amount", justify="right", no_wrap=True),
        Column("status", no_wrap=True, min_width=9),
    ]
    if wide:
        columns[3:3] = [Column("kind"), Column("channel"), Column("scheduled", no_wrap=True)]
    table = Table(*columns, box=None, header_style="bold underline", pad_edge=False)
    for row in rows:
        amount = f"{row['currency']} {row['amount_due']}"
        cells = [row["action_id"], row["customer_id"], row["step"] or "", amount, row["status"]]
        if wide:
            cells[3:3] = [row["kind"], row["channel"] or "", row["scheduled_at"] or ""]
        table.add_row(*cells)
    return table


def database_failure(exc: Exception) -> str | None:
    """A user's sentence for a database that cannot be reached or opened, else None."""
    if "sqlalchemy" not in sys.modules:
        return None
    from sqlalchemy.exc import DBAPIError

    if (
        not isinstance(exc, DBAPIError)
        or not exc.connection_invalidated
        and not is_connect_failure(exc)
    ):
        return None
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
    return (
        f"cannot use the database: {reason}\n"
        "check CREDITFLOW_DATABASE_URL or --db (and that the database server is running)"
    )


def is_connect_failure(exc: Exception) -> bool:
    """An error of reaching or opening the database (not of a query)."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    text = str(exc).lower()
    return isinstance(exc, OperationalError | InterfaceError) and any(
        hint in text
        for hint in ("connect", "unable to open database", "could not translate host", "password")
    )
