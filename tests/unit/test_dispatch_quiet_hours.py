"""Quiet hours at the moment of sending: the rule the collection run schedules with is
the rule the dispatcher re-checks with, in the customer's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from creditflow.config import ConfigError, ContactRules, _rules
from creditflow.strategy.sendtime import allowed_at, keeps_quiet_hours, next_allowed, schedule

RULES = ContactRules()
AMS = ZoneInfo("Europe/Amsterdam")
NY = ZoneInfo("America/New_York")


def at(zone: ZoneInfo, y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=zone)


def allowed_from(now: datetime, channel: str, zone: str = "Europe/Amsterdam", country: str = "NL"):
    frame = pl.DataFrame({"timezone": [zone], "country": [country], "channel": [channel]})
    [moment] = next_allowed(frame, now=now, rules=RULES).get_column("not_before").to_list()
    return moment


CASES = [
    # (what, now, channel, zone, country, first allowed moment)
    (
        "an SMS at 10:00 on a Tuesday goes now",
        at(AMS, 2026, 3, 10, 10),
        "sms",
        AMS,
        "NL",
        at(AMS, 2026, 3, 10, 10),
    ),
    (
        "an SMS at 23:30 waits for 08:00 the next day",
        at(AMS, 2026, 3, 10, 23, 30),
        "sms",
        AMS,
        "NL",
        at(AMS, 2026, 3, 11, 8),
    ),
    (
        "an e-mail at 06:15 waits for 08:00 the same day",
        at(AMS, 2026, 3, 10, 6, 15),
        "email",
        AMS,
        "NL",
        at(AMS, 2026, 3, 10, 8),
    ),
    (
        "21:00 is already outside the window",
        at(AMS, 2026, 3, 10, 21),
        "email",
        AMS,
        "NL",
        at(AMS, 2026, 3, 11, 8),
    ),
    (
        "an SMS on Saturday night waits past Sunday to Monday 08:00",
        at(AMS, 2026, 3, 14, 22),
        "sms",
        AMS,
        "NL",
        at(AMS, 2026, 3, 16, 8),
    ),
    (
        "an e-mail may go on a Sunday afternoon",
        at(AMS, 2026, 3, 15, 14),
        "email",
        AMS,
        "NL",
        at(AMS, 2026, 3, 15, 14),
    ),
    (
        "no WhatsApp on King's Day",
        at(AMS, 2026, 4, 27, 11),
        "whatsapp",
        AMS,
        "NL",
        at(AMS, 2026, 4, 28, 8),
    ),
    (
        "a New York customer at 02:00 their time waits for 08:00 their time",
        at(NY, 2026, 3, 10, 2),
        "sms",
        NY,
        "US",
        at(NY, 2026, 3, 10, 8),
    ),
    (
        "the spring-forward night in Amsterdam",
        at(AMS, 2026, 3, 29, 1, 30),
        "email",
        AMS,
        "NL",
        at(AMS, 2026, 3, 29, 8),
    ),
]


@pytest.mark.parametrize(
    ("now", "channel", "zone", "country", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_the_first_moment_a_message_may_reach_the_debtor(now, channel, zone, country, expected):
    assert allowed_from(now, channel, str(zone), country) == expected.astimezone(UTC)


def test_late_at_night_in_utc_is_already_tomorrow_in_the_east():
    now = datetime(2026, 3, 10, 23, 30, tzinfo=UTC)  # 08:30 on the 11th in Tokyo
    assert allowed_from(now, "sms", "Asia/Tokyo", "JP") == now


@pytest.mark.parametrize("hour", range(24))
def test_the_send_check_agrees_with_the_run_schedule_at_every_hour(hour):
    """One rule: what the run would schedule from `now` is what dispatch allows."""
    now = at(AMS, 2026, 3, 14, hour).astimezone(UTC)  # a Saturday, Sunday follows
    frame = pl.DataFrame(
        {
            "timezone": ["Europe/Amsterdam"] * 2,
            "country": ["NL"] * 2,
            "channel": ["sms", "email"],
            "hour": [RULES.quiet_start.hour] * 2,
            "earliest": [now] * 2,
        }
    )
    local_day = now.astimezone(AMS).date()
    run = schedule(frame, as_of=local_day, now=now, rules=RULES)["scheduled_at"].to_list()
    check = next_allowed(frame.drop("hour", "earliest"), now=now, rules=RULES)
    assert check["not_before"].to_list() == run


@pytest.mark.parametrize(
    "rules",
    [RULES, ContactRules(quiet_start=time(9, 30), quiet_end=time(18, 0))],
    ids=["08:00-21:00", "09:30-18:00"],
)
@pytest.mark.parametrize(
    ("zone", "country", "day"),
    [
        ("Europe/Amsterdam", "NL", (2026, 3, 14)),  # Saturday, then Sunday
        ("Europe/Amsterdam", "NL", (2026, 4, 26)),  # Sunday, then King's Day
        ("Europe/Amsterdam", "NL", (2026, 3, 28)),  # the spring-forward night follows
        ("America/New_York", "US", (2026, 7, 3)),  # Independence Day follows
        ("Asia/Tokyo", "JP", (2026, 12, 31)),  # New Year in the next year
    ],
)
def test_the_quick_answer_for_one_moment_agrees_with_the_schedule(zone, country, day, rules):
    """`allowed_at` says yes exactly when `next_allowed` answers the moment itself."""
    frame = pl.DataFrame(
        {"timezone": [zone] * 3, "country": [country] * 3, "channel": ["sms", "email", "call"]}
    )
    start = datetime(*day, tzinfo=UTC)
    for quarter in range(0, 4 * 48, 3):  # two days, every 45 minutes
        now = start + timedelta(minutes=15 * quarter, seconds=7)
        moments = next_allowed(frame, now=now, rules=rules)["not_before"].to_list()
        for channel, moment in zip(frame["channel"], moments, strict=True):
            expected = moment == now
            assert allowed_at(zone, country, channel, now, rules) is expected, (channel, now)


def test_a_wider_window_from_the_settings_is_kept():
    rules = ContactRules(quiet_start=time(9, 30), quiet_end=time(18, 0))
    frame = pl.DataFrame({"timezone": ["Europe/Amsterdam"], "country": ["NL"], "channel": ["sms"]})
    now = at(AMS, 2026, 3, 10, 18, 5)
    [moment] = next_allowed(frame, now=now, rules=rules)["not_before"].to_list()
    assert moment == at(AMS, 2026, 3, 11, 9, 30).astimezone(UTC)
    assert moment - now.astimezone(UTC) == timedelta(hours=15, minutes=25)


@pytest.mark.parametrize(
    ("kind", "channel", "step", "kept"),
    [
        ("message", "sms", "reminder1", True),
        ("message", "email", "final_notice", True),
        ("message", "voice", "robocall", True),
        ("message", "email", "promise_broken", True),
        ("message", "sms", "payment_plan_missed", True),
        ("message", "letter", "final_notice", False),
        ("message", "sms", "access_code", False),
        ("message", "email", "promise_confirmation", False),
        ("message", "sms", "opt_out_confirmation", False),
        ("task", "call", "call", False),
        ("charge", "none", "costs", False),
    ],
)
def test_which_actions_keep_quiet_hours(kind, channel, step, kept):
    assert keeps_quiet_hours(kind, channel, step) is kept


def test_a_window_to_midnight_lets_a_message_go_at_23_59():
    rules = load_settings_rules({"quiet_start": "00:00", "quiet_end": "24:00"})
    frame = pl.DataFrame({"timezone": ["Europe/Amsterdam"], "country": ["NL"], "channel": ["sms"]})
    now = at(AMS, 2026, 3, 10, 23, 59)
    [moment] = next_allowed(frame, now=now, rules=rules)["not_before"].to_list()
    assert moment == now.astimezone(UTC)


def test_24_00_is_only_an_end_of_the_window():
    with pytest.raises(ConfigError, match="quiet_start"):
        load_settings_rules({"quiet_start": "24:00", "quiet_end": "24:00"})


def load_settings_rules(values):
    """The [rules] section as creditflow.toml gives it."""
    return _rules(values)
