"""The `[schedule]` section of creditflow.toml, typed and validated.

Without the section the worker only dispatches (as before the scheduler existed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from creditflow.config import ConfigError, Settings

__all__ = ["ScheduleSettings", "schedule_settings"]

_KNOWN = {
    "timezone",
    "run_at",
    "letters_at",
    "catch_up_days",
    "retry_minutes",
    "statements_dir",
    "statements_every_seconds",
    "imap_every_minutes",
}


@dataclass(frozen=True)
class ScheduleSettings:
    """When the worker runs each job; a job whose setting is None does not run."""

    zone: ZoneInfo
    run_at: time | None
    letters_at: time | None
    catch_up_days: int
    retry: timedelta
    statements_dir: Path | None
    statements_every: timedelta
    imap_every: timedelta | None


def _time(section: dict[str, Any], key: str, default: str | None) -> time | None:
    value = section.get(key, default)
    if value in (None, ""):
        return None
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise ConfigError(f"[schedule] {key}: expected HH:MM (local time), got {value!r}") from exc


def _number(section: dict[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(
            f"[schedule] {key}: expected a number from {low:g} to {high:g}, got {value!r}"
        )
    return float(value)


def schedule_settings(settings: Settings) -> ScheduleSettings | None:
    """The schedule, or None when creditflow.toml has no `[schedule]` section."""
    section = settings.raw.get("schedule")
    if section is None:
        return None
    if not isinstance(section, dict):
        raise ConfigError("[schedule]: expected a table")
    unknown = set(section) - _KNOWN
    if unknown:
        raise ConfigError(f"[schedule]: unknown setting(s) {', '.join(sorted(unknown))}")
    zone_name = str(section.get("timezone", "Europe/Amsterdam"))
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"[schedule] timezone: unknown time zone {zone_name!r}") from exc
    folder = section.get("statements_dir")
    imap_minutes = _number(section, "imap_every_minutes", 5, 0, 1440)
    imap_on = bool(settings.providers.get("imap", {}).get("host")) and imap_minutes > 0
    return ScheduleSettings(
        zone=zone,
        run_at=_time(section, "run_at", "06:00"),
        letters_at=_time(section, "letters_at", None),
        catch_up_days=int(_number(section, "catch_up_days", 7, 1, 366)),
        retry=timedelta(minutes=_number(section, "retry_minutes", 15, 0, 1440)),
        statements_dir=Path(folder) if folder else None,
        statements_every=timedelta(
            seconds=_number(section, "statements_every_seconds", 60, 1, 86400)
        ),
        imap_every=timedelta(minutes=imap_minutes) if imap_on else None,
    )
