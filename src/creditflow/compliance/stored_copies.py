"""Files on disk that hold a customer's personal data, for the right to be forgotten.

What was sent is also kept as files: the sandbox outbox (`<outbox>/<channel>/<action>.*`),
call-task sheets (`<outbox>/tasks/`), archived letters (`<outbox>/letters/sent/`),
letters waiting in the print folder, and the day's print batches. `find_stored_copies`
lists, for one customer's actions, the files to remove and the ones kept with the
reason; `remove_stored_copies` deletes them once the database erasure is committed.

Kept on purpose: the archived 14-day letter behind collection costs charged (the
evidence of a legal claim, GDPR art. 17(3)(e)), a day's print batch that also holds
other customers' letters, and a dossier already delivered to a collection agency
(theirs to erase on the creditor's instruction).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from creditflow.channels.base import safe_file_stem

__all__ = ["ActionFiles", "StoredCopies", "find_stored_copies", "remove_stored_copies"]

# Channels whose sent messages the sandbox and the print folder keep as files.
_FILE_CHANNELS = ("email", "sms", "whatsapp", "voice", "push", "letter", "tasks")
_FOURTEEN_DAY = "wik_notice"


@dataclass(frozen=True)
class ActionFiles:
    """What decides where an action's files are: its id and whether it is legal evidence."""

    action_id: str
    legal: str | None = None


@dataclass
class StoredCopies:
    """Files to remove, and files kept with the reason."""

    remove: list[Path] = field(default_factory=list)
    kept: list[tuple[str, str]] = field(default_factory=list)
    removed: int = 0


def find_stored_copies(
    outbox_dir: Path,
    actions: Sequence[ActionFiles],
    *,
    costs_charged: bool,
    print_folder: Path | None = None,
    delivered_dossiers: Iterable[str] = (),
) -> StoredCopies:
    """The files that hold these actions' messages (existing ones only), split remove/keep."""
    found = StoredCopies()
    stems = {safe_file_stem(a.action_id): a for a in actions}
    folders = [Path(outbox_dir) / channel for channel in _FILE_CHANNELS]
    if print_folder is not None:
        folders.append(Path(print_folder))
    for folder in folders:
        for stem in stems:
            found.remove.extend(p for p in sorted(folder.glob(f"{stem}.*")) if p.is_file())
    archive = Path(outbox_dir) / "letters" / "sent"
    for stem, action in stems.items():
        letter = archive / f"{stem}.pdf"
        if not letter.is_file():
            continue
        if costs_charged and action.legal == _FOURTEEN_DAY:
            found.kept.append(
                (
                    str(letter),
                    "the 14-day letter behind the collection costs charged: evidence of a "
                    "legal claim (GDPR art. 17(3)(e))",
                )
            )
        else:
            found.remove.append(letter)
    for batch, only_theirs in _print_batches(
        Path(outbox_dir) / "letters", {a.action_id for a in actions}
    ):
        if only_theirs:
            found.remove.extend(p for p in sorted(batch.iterdir()) if p.is_file())
            continue
        found.kept.append(
            (
                str(batch),
                "a print batch that also holds other customers' letters: delete the "
                "day's batch folder once it is printed",
            )
        )
    for place in delivered_dossiers:
        found.kept.append(
            (
                place,
                "hand-over dossier delivered to the collection agency: ask the agency "
                "to erase its copy",
            )
        )
    return found


def _print_batches(letters_dir: Path, action_ids: set[str]) -> list[tuple[Path, bool]]:
    """Day folders whose manifest names one of these actions; True when it names no other."""
    out: list[tuple[Path, bool]] = []
    for manifest in sorted(letters_dir.glob("*/manifest.csv")):
        with manifest.open(newline="", encoding="utf-8") as handle:
            rows: list[Mapping[str, Any]] = list(csv.DictReader(handle))
        named = [row.get("action_id") in action_ids for row in rows]
        if any(named):
            out.append((manifest.parent, all(named)))
    return out


def remove_stored_copies(copies: StoredCopies) -> StoredCopies:
    """Delete the files to remove (those already gone are fine); counts what was removed."""
    for path in copies.remove:
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        copies.removed += 1
    return copies
