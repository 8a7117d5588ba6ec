"""The `[schedule]` section of creditflow.toml: parsed and checked once, at load.

Without the section the worker only dispatches (as before the scheduler existed).
The keys and their checks are in `creditflow.config.sections.parse_schedule`.
"""

from __future__ import annotations

from creditflow.config import Settings
from creditflow.config.operations import ScheduleSettings

__all__ = ["ScheduleSettings", "schedule_settings"]


def schedule_settings(settings: Settings) -> ScheduleSettings | None:
    """The schedule, or None when creditflow.toml has no `[schedule]` section."""
    return settings.schedule
