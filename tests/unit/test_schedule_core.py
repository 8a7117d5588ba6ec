"""Which scheduled jobs are due: the pure core, as tables of cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from creditflow.schedule.core import DailyState, due_days, interval_due, new_files

AMS = ZoneInfo("Europe/Amsterdam")
AT = time(6, 0)
D = date(2026, 3, 9)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=AMS).astimezone(UTC)


def days(*offsets: int) -> list[date]:
    return [D + timedelta(days=n) for n in offsets]


@pytest.mark.parametrize(
    ("case", "state", "now", "expected"),
    [
        ("never ran, before the hour: nothing", DailyState(), local(D, 5, 59), []),
        ("never ran, at the hour: today only", DailyState(), local(D, 6), days(0)),
        ("done today: nothing", DailyState(last_done=D), local(D, 23), []),
        (
            "done yesterday, before the hour",
            DailyState(last_done=D),
            local(D + timedelta(1), 5),
            [],
        ),
        (
            "done yesterday, after the hour",
            DailyState(last_done=D),
            local(D + timedelta(1), 7),
            days(1),
        ),
        (
            "three days down: the missed days in order",
            DailyState(last_done=D),
            local(D + timedelta(3), 6, 30),
            days(1, 2, 3),
        ),
        (
            "three days down, before today's hour: the two missed days",
            DailyState(last_done=D),
            local(D + timedelta(3), 5),
            days(1, 2),
        ),
        (
            "a month down: at most catch_up_days (7)",
            DailyState(last_done=D),
            local(D + timedelta(30), 8),
            days(24, 25, 26, 27, 28, 29, 30),
        ),
        (
            "a failed day waits for its retry and holds back the days after it",
            DailyState(
                last_done=D, failed_day=D + timedelta(1), failed_at=local(D + timedelta(2), 6, 50)
            ),
            local(D + timedelta(2), 7),
            [],
        ),
        (
            "a failed day is tried again after the retry wait",
            DailyState(
                last_done=D, failed_day=D + timedelta(1), failed_at=local(D + timedelta(2), 6, 40)
            ),
            local(D + timedelta(2), 7),
            days(1, 2),
        ),
        (
            "the local day counts, not the UTC day (23:30 UTC is the next day in Amsterdam)",
            DailyState(last_done=D),
            datetime(2026, 3, 9, 23, 30, tzinfo=UTC),
            [],
        ),
    ],
)
def test_due_days(case: str, state: DailyState, now: datetime, expected: list[date]) -> None:
    got = due_days(state, now, at=AT, zone=AMS, catch_up_days=7, retry=timedelta(minutes=15))
    assert got == expected, case


def test_due_days_in_the_daylight_saving_night_keeps_the_local_hour() -> None:
    # 29 March 2026: clocks go from 02:00 to 03:00 in Amsterdam; 06:00 local is 04:00 UTC.
    state = DailyState(last_done=date(2026, 3, 28))
    assert due_days(state, datetime(2026, 3, 29, 3, 59, tzinfo=UTC), at=AT, zone=AMS,
                    catch_up_days=7, retry=timedelta(0)) == []  # fmt: skip
    assert due_days(state, datetime(2026, 3, 29, 4, 0, tzinfo=UTC), at=AT, zone=AMS,
                    catch_up_days=7, retry=timedelta(0)) == [date(2026, 3, 29)]  # fmt: skip


@pytest.mark.parametrize(
    ("last", "now", "due"),
    [
        (None, local(D, 7), True),
        (local(D, 7), local(D, 7, 4), False),
        (local(D, 7), local(D, 7, 5), True),
    ],
)
def test_interval_due_every_five_minutes(last: datetime | None, now: datetime, due: bool) -> None:
    assert interval_due(last, now, timedelta(minutes=5)) is due


def test_new_files_skips_known_content_and_a_copy_under_another_name() -> None:
    listing = [("b.xml", "h2"), ("a.940", "h1"), ("copy-of-b.xml", "h2"), ("c.xml", "h3")]
    assert new_files(listing, {"h3"}) == [("a.940", "h1"), ("b.xml", "h2")]
