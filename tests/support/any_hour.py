"""Contact rules for end-to-end tests that dispatch on the wall clock.

Quiet hours are re-checked at the moment of sending, so a test that runs `creditflow
dispatch` at whatever hour CI runs would see its messages postponed at night and on
Sundays. Tests that are not about quiet hours allow contact at any hour (a setting a
creditor may choose too); tests/integration/test_dispatch_quiet_hours.py and
tests/unit/test_dispatch_quiet_hours.py pin the rule itself on a fixed clock.
"""

from dataclasses import replace
from datetime import time

from creditflow.config import END_OF_DAY, Settings

ANY_HOUR_RULES = """
[rules]
quiet_start = "00:00"
quiet_end = "24:00"
no_weekend_rest_channels = []
"""


def any_hour(settings: Settings) -> Settings:
    """The settings with contact allowed at any hour, for a worker on the wall clock."""
    rules = replace(
        settings.rules, quiet_start=time(0, 0), quiet_end=END_OF_DAY, no_weekend_rest_channels=()
    )
    return replace(settings, rules=rules)
