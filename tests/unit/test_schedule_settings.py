"""The [schedule] section: defaults, and each bad value refused naming its key."""

from __future__ import annotations

from dataclasses import replace
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest

from creditflow.config import ConfigError, Settings
from creditflow.config.operations import parse_schedule
from creditflow.schedule.settings import schedule_settings


def with_schedule(section: Any, **providers: Any) -> Settings:
    """Settings as `load_settings` makes them from a `[schedule]` section (and providers)."""
    schedule = parse_schedule({"schedule": section, "providers": providers})
    return replace(Settings(), schedule=schedule, providers=providers)


def test_no_section_means_no_schedule() -> None:
    assert schedule_settings(Settings()) is None


def test_defaults() -> None:
    plan = schedule_settings(with_schedule({}))
    assert plan is not None
    assert (str(plan.zone), plan.run_at, plan.letters_at) == ("Europe/Amsterdam", time(6), None)
    assert (plan.catch_up_days, plan.retry) == (7, timedelta(minutes=15))
    assert (plan.statements_dir, plan.imap_every) == (None, None)  # no [providers.imap]


def test_imap_polls_only_with_a_configured_mailbox() -> None:
    plan = schedule_settings(with_schedule({"imap_every_minutes": 2}, imap={"host": "mail"}))
    assert plan is not None and plan.imap_every == timedelta(minutes=2)
    plan = schedule_settings(with_schedule({"imap_every_minutes": 0}, imap={"host": "mail"}))
    assert plan is not None and plan.imap_every is None


def test_statements_dir_is_a_path() -> None:
    plan = schedule_settings(with_schedule({"statements_dir": "/srv/in"}))
    assert plan is not None and plan.statements_dir == Path("/srv/in")


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"run_at": "6am"}, "[schedule] run_at: expected HH:MM (local time), got '6am'"),
        ({"letters_at": "25:00"}, "[schedule] letters_at: expected HH:MM"),
        ({"timezone": "Mars/Olympus"}, "[schedule] timezone: unknown time zone 'Mars/Olympus'"),
        ({"catch_up_days": 0}, "[schedule] catch_up_days: expected a number from 1 to 366, got 0"),
        ({"retry_minutes": "15"}, "[schedule] retry_minutes: expected a number"),
        ({"statements_every_seconds": True}, "[schedule] statements_every_seconds: expected"),
        ({"run_time": "06:00"}, "[schedule]: unknown setting(s) run_time"),
        ({"retrain_at": "sunday"}, "[schedule] retrain_at: expected HH:MM"),
        ({"retrain_weekday": "zondag"}, "[schedule] retrain_weekday: expected one of monday,"),
        ("06:00", "[schedule]: expected a table"),
    ],
)
def test_a_bad_value_is_refused_naming_the_key(section: Any, message: str) -> None:
    with pytest.raises(ConfigError) as refused:
        schedule_settings(with_schedule(section))
    assert str(refused.value).startswith(message)
