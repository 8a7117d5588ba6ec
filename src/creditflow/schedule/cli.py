"""`creditflow status`: each scheduled job's last run, duration and outcome.

Mounted by the main CLI as `creditflow status`; exit 0 (also when nothing ran yet).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from creditflow.commandline import DbOption, command_engine, command_settings
from creditflow.terminal import console

out = console()


def _took(ms: int | None) -> str:
    if ms is None:
        return "-"
    return f"{ms / 1000:.1f}s" if ms < 600_000 else f"{ms / 60_000:.0f}min"


def _key(key: str) -> str:
    """A day as is; a file's sha256 as its first 10 digits (the message names the file)."""
    return key if len(key) <= 10 else f"{key[:10]}…"


def status_table(runs: list[dict[str, Any]]) -> Any:
    """The jobs as a Rich table that fits 80 columns (the message folds)."""
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1, 0, 0))
    table.add_column("job", no_wrap=True)
    table.add_column("for", no_wrap=True)
    table.add_column("started (UTC)", no_wrap=True)
    table.add_column("took", no_wrap=True, justify="right")
    table.add_column("outcome", no_wrap=True)
    table.add_column("message", overflow="fold", ratio=1)
    for run in runs:
        started = datetime.fromisoformat(run["started_at"]).astimezone(UTC)
        table.add_row(
            run["job"],
            _key(run["key"]),
            started.strftime("%Y-%m-%d %H:%M"),
            _took(run["duration_ms"]),
            run["outcome"],
            run["message"],
        )
    return table


def status_command(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per job.")] = False,
    db: DbOption = None,
) -> None:
    """Each scheduled job's last run: for which day or file, when, how long, outcome."""
    from creditflow.schedule.status import last_runs

    settings = command_settings(db)
    runs = last_runs(command_engine(settings))
    if as_json:
        for run in runs:
            print(json.dumps(run, ensure_ascii=False))
        return
    if not runs:
        out.print(
            "no scheduled job has run yet (see [schedule] in docs/configuration.md)", markup=False
        )
        return
    out.print(status_table(runs))
