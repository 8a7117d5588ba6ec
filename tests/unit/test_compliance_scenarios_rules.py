"""Legal scenarios decided by pure functions: send times across time zones, strategy refusal."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from creditflow.config import ContactRules
from creditflow.strategy.schema import StrategyError, parse_strategy
from creditflow.strategy.sendtime import schedule

RULES = ContactRules()
AMS, NYC = "Europe/Amsterdam", "America/New_York"


def planned(
    zone: str, country: str, channel: str, hour: int, as_of: date, now: datetime
) -> datetime:
    frame = pl.DataFrame(
        {
            "timezone": [zone],
            "country": [country],
            "channel": [channel],
            "hour": [hour],
            "earliest": [None],
        },
        schema={
            "timezone": pl.Utf8,
            "country": pl.Utf8,
            "channel": pl.Utf8,
            "hour": pl.Int64,
            "earliest": pl.Datetime("us", "UTC"),
        },
    )
    [moment] = (
        schedule(frame, as_of=as_of, now=now, rules=RULES).get_column("scheduled_at").to_list()
    )
    return moment.astimezone(ZoneInfo(zone))


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# (case, zone, country, channel, wanted hour, day, run started at (UTC), expected local time)
CASES = [
    ("run at 08:50 in Amsterdam: the Amsterdam customer gets it at once",
     AMS, "NL", "sms", 8, date(2026, 1, 15), utc(2026, 1, 15, 7, 50), "2026-01-15 08:50"),
    ("same run: 02:50 in New York, so the SMS waits until 08:00 there",
     NYC, "US", "sms", 8, date(2026, 1, 15), utc(2026, 1, 15, 7, 50), "2026-01-15 08:00"),
    ("an SMS planned at 20:50 Amsterdam time still goes at 20:50 in Amsterdam",
     AMS, "NL", "sms", 20, date(2026, 1, 15), utc(2026, 1, 15, 19, 50), "2026-01-15 20:50"),
    ("the same moment is 14:50 in New York; the customer's 20:00 there is used",
     NYC, "US", "sms", 20, date(2026, 1, 15), utc(2026, 1, 15, 19, 50), "2026-01-15 20:00"),
    ("after 21:00 in Amsterdam it moves to 08:00 the next morning",
     AMS, "NL", "sms", 20, date(2026, 1, 15), utc(2026, 1, 15, 20, 30), "2026-01-16 08:00"),
    ("between the US and EU clock changes New York is 5 hours behind: 03:50 there",
     NYC, "US", "sms", 8, date(2026, 3, 16), utc(2026, 3, 16, 7, 50), "2026-03-16 08:00"),
    ("NL: Saturday before summer time, 09:00 CET",
     AMS, "NL", "email", 9, date(2026, 3, 28), utc(2026, 3, 28), "2026-03-28 09:00"),
    ("NL: last Sunday of March, 09:00 CEST",
     AMS, "NL", "email", 9, date(2026, 3, 29), utc(2026, 3, 29), "2026-03-29 09:00"),
    ("NL: an SMS on the DST Sunday waits for Monday 10:00 CEST",
     AMS, "NL", "sms", 10, date(2026, 3, 29), utc(2026, 3, 29), "2026-03-30 10:00"),
    ("NL: last Saturday of October, still CEST",
     AMS, "NL", "email", 9, date(2026, 10, 24), utc(2026, 10, 24), "2026-10-24 09:00"),
    ("NL: last Sunday of October, back to CET",
     AMS, "NL", "email", 9, date(2026, 10, 25), utc(2026, 10, 25), "2026-10-25 09:00"),
    ("US: Saturday before the second Sunday of March, EST",
     NYC, "US", "email", 9, date(2026, 3, 7), utc(2026, 3, 7), "2026-03-07 09:00"),
    ("US: second Sunday of March, EDT",
     NYC, "US", "email", 9, date(2026, 3, 8), utc(2026, 3, 8), "2026-03-08 09:00"),
    ("US: first Sunday of November, EST again",
     NYC, "US", "email", 9, date(2026, 11, 1), utc(2026, 11, 1), "2026-11-01 09:00"),
    ("US: an SMS on that Sunday waits for Monday 10:00 EST",
     NYC, "US", "sms", 10, date(2026, 11, 1), utc(2026, 11, 1), "2026-11-02 10:00"),
]  # fmt: skip

# The UTC moment of each expected local time, written out so an offset error shows.
EXPECTED_UTC = {
    "2026-01-15 08:50 Europe/Amsterdam": utc(2026, 1, 15, 7, 50),
    "2026-01-15 08:00 America/New_York": utc(2026, 1, 15, 13, 0),
    "2026-01-15 20:50 Europe/Amsterdam": utc(2026, 1, 15, 19, 50),
    "2026-01-15 20:00 America/New_York": utc(2026, 1, 16, 1, 0),
    "2026-01-16 08:00 Europe/Amsterdam": utc(2026, 1, 16, 7, 0),
    "2026-03-16 08:00 America/New_York": utc(2026, 3, 16, 12, 0),
    "2026-03-28 09:00 Europe/Amsterdam": utc(2026, 3, 28, 8, 0),
    "2026-03-29 09:00 Europe/Amsterdam": utc(2026, 3, 29, 7, 0),
    "2026-03-30 10:00 Europe/Amsterdam": utc(2026, 3, 30, 8, 0),
    "2026-10-24 09:00 Europe/Amsterdam": utc(2026, 10, 24, 7, 0),
    "2026-10-25 09:00 Europe/Amsterdam": utc(2026, 10, 25, 8, 0),
    "2026-03-07 09:00 America/New_York": utc(2026, 3, 7, 14, 0),
    "2026-03-08 09:00 America/New_York": utc(2026, 3, 8, 13, 0),
    "2026-11-01 09:00 America/New_York": utc(2026, 11, 1, 14, 0),
    "2026-11-02 10:00 America/New_York": utc(2026, 11, 2, 15, 0),
}


@pytest.mark.parametrize(
    ("zone", "country", "channel", "hour", "day", "now", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_send_time_is_evaluated_where_the_customer_lives(
    zone, country, channel, hour, day, now, expected
):
    moment = planned(zone, country, channel, hour, day, now)
    assert moment.strftime("%Y-%m-%d %H:%M") == expected
    assert moment == EXPECTED_UTC[f"{expected} {zone}"]
    assert time(8, 0) <= moment.time() < time(21, 0)
    assert moment >= now


def test_an_sms_planned_at_0850_amsterdam_is_never_sent_at_0250_in_new_york():
    now = utc(2026, 1, 15, 7, 50)
    new_york = planned(NYC, "US", "sms", 8, date(2026, 1, 15), now)
    assert now.astimezone(ZoneInfo(NYC)).strftime("%H:%M") == "02:50"
    assert new_york.strftime("%H:%M") == "08:00"


NO_LETTER = """
segments:
  - name: consumers
    when: kind == "consumer"
  - name: business
strategies:
  consumers:
    steps:
      - id: reminder
        at: due+7d
        channels: [email]
        template: reminder
      - id: costs
        at: due+30d
        charge: collection_costs
  business:
    steps:
      - id: costs
        at: due+1d
        charge: collection_costs
"""


def test_a_strategy_charging_consumers_without_a_14_day_letter_is_refused_with_the_reason():
    with pytest.raises(StrategyError) as refused:
        parse_strategy(NO_LETTER, source="no-letter.yaml")
    [message] = [m for _, m in refused.value.errors]
    assert message.startswith("strategy 'consumers', step 'costs': charges collection_costs")
    assert "no earlier step has legal: wik_notice" in message
    assert "art. 6:96 lid 6 BW" in message


def test_costs_too_soon_after_the_letter_are_refused_and_15_days_are_accepted():
    too_soon = NO_LETTER.replace(
        "      - id: costs\n        at: due+30d",
        "      - id: letter\n        at: due+21d\n        channels: [letter]\n"
        "        template: fourteen_day_letter\n        legal: wik_notice\n"
        "      - id: costs\n        at: letter+10d",
    )
    with pytest.raises(StrategyError) as refused:
        parse_strategy(too_soon)
    assert "is 10 days after the 14-day letter step 'letter'; at least 15 days" in str(
        refused.value
    )
    accepted = parse_strategy(too_soon.replace("letter+10d", "letter+15d"))
    assert [s.id for s in accepted.steps_of("consumers")] == ["reminder", "letter", "costs"]
