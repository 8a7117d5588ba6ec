"""The scheduler's clock: the wall clock, or (test hook) a moment read from a file.

`CREDITFLOW_TEST_CLOCK_FILE=/path` makes the scheduler read "now" from that file
(one ISO-8601 moment with its offset, e.g. `2026-03-09T07:00:00+01:00`) at every
tick, so a test can move a real worker's days forward by rewriting the file. It is
a test hook: it changes only which day and hour the scheduler believes it is (the
dispatcher keeps the wall clock), and the worker says so when it starts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from creditflow.config import ConfigError

__all__ = ["TEST_CLOCK_ENV", "schedule_clock"]

TEST_CLOCK_ENV = "CREDITFLOW_TEST_CLOCK_FILE"


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def schedule_clock(environ: Mapping[str, str]) -> tuple[Callable[[], datetime], Path | None]:
    """The clock to schedule by, and the test clock file when the hook is set."""
    name = environ.get(TEST_CLOCK_ENV)
    if not name:
        return _wall_clock, None
    path = Path(name)

    def from_file() -> datetime:
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{TEST_CLOCK_ENV}: cannot read {path}: {exc.strerror}") from exc
        try:
            moment = datetime.fromisoformat(text)
        except ValueError as exc:
            raise ConfigError(f"{TEST_CLOCK_ENV}: {path} holds {text!r}, not a moment") from exc
        if moment.tzinfo is None:
            raise ConfigError(f"{TEST_CLOCK_ENV}: {path} holds {text!r} without an offset")
        return moment.astimezone(UTC)

    from_file()  # a missing or unreadable file is a configuration error at start
    return from_file, path
