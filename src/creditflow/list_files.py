"""`--csv FILE` and `--xlsx FILE` of the commands that print a list.

The same files as the workbench's exports (creditflow.spreadsheet): UTF-8 CSV, a
one-sheet workbook, amounts as exact decimal text beside their currency, cells that
look like formulas escaped. Each file is written to a temporary name and renamed, and
the export is audited (`list_exported`, by the OS user), as the workbench's are.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # the commands import this module: `--help` must stay light
    from sqlalchemy import Engine

__all__ = ["CsvOption", "XlsxOption", "save_list"]

CsvOption = Annotated[
    Path | None, typer.Option("--csv", help="Write the list to this CSV file.", dir_okay=False)
]
XlsxOption = Annotated[
    Path | None,
    typer.Option("--xlsx", help="Write the list to this XLSX workbook.", dir_okay=False),
]


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def save_list(
    engine: Engine,
    name: str,
    table: tuple[Sequence[str], Sequence[Sequence[object]]],
    files: tuple[Path | None, Path | None],
    filters: Mapping[str, object],
) -> list[str]:
    """Write the list to the CSV and/or XLSX file asked for, audited; one line per file."""
    from creditflow.commandline import command_actor
    from creditflow.db import transaction
    from creditflow.ledger.service import audit
    from creditflow.spreadsheet import csv_bytes, xlsx_bytes

    header, rows = table
    csv_path, xlsx_path = files
    said = []
    if csv_path is not None:
        _write(csv_path, csv_bytes(header, rows))
        said.append(f"{len(rows)} rows -> {csv_path}")
    if xlsx_path is not None:
        _write(xlsx_path, xlsx_bytes(name, header, rows))
        said.append(f"{len(rows)} rows -> {xlsx_path}")
    with transaction(engine) as session:
        details = {
            "format": ",".join(f for f, p in (("csv", csv_path), ("xlsx", xlsx_path)) if p),
            "filters": {k: v for k, v in filters.items() if v not in (None, False, "")},
            "rows": len(rows),
        }
        audit(session, command_actor(None), "list_exported", f"export:{name}", None, details)
    return said
