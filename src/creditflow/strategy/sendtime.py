"""Send times: the customer's usual hour, inside quiet hours, in their own time zone.

Pure: the day, the run's clock reading and the rules come in as arguments. Work is
done per (time zone, country) group, so each group is a handful of vectorised steps.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

import holidays
import polars as pl

from creditflow.config import ContactRules, minute_of_day
from creditflow.intelligence.habits import send_minute
from creditflow.outbox.clock import zone_named
from creditflow.outbox.transactional import answers_the_debtor

MAX_SHIFT_DAYS = 6


@lru_cache(maxsize=256)
def rest_days(country: str, start_year: int) -> tuple[date, ...]:
    """Sundays are handled apart; these are the public holidays of the country."""
    try:
        table = holidays.country_holidays(country, years=range(start_year, start_year + 2))
    except NotImplementedError:
        return ()
    return tuple(sorted(table))


def _minute_of(dt_expr: pl.Expr) -> pl.Expr:
    return dt_expr.dt.hour().cast(pl.Int32) * 60 + dt_expr.dt.minute().cast(pl.Int32)


def schedule(
    frame: pl.DataFrame, *, as_of: date, now: datetime, rules: ContactRules
) -> pl.DataFrame:
    """Add `scheduled_at` (UTC) to rows with timezone, country, channel, hour, earliest.

    `hour` is the wanted local hour (preferred or the channel's default) and
    `earliest` a UTC moment before which the contact may not happen (minimum gap),
    or null. The result lies inside [quiet_start, quiet_end) local time, never
    before `now`, and, for channels in `rules.no_weekend_rest_channels`, not on a
    Sunday or a public holiday of the customer's country.
    """
    if frame.height == 0:
        return frame.with_columns(
            pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("scheduled_at")
        )
    start_min = minute_of_day(rules.quiet_start)
    end_min = minute_of_day(rules.quiet_end)
    restricted = list(rules.no_weekend_rest_channels)
    parts = []
    indexed = frame.with_row_index("__row")
    for (zone, country), group in indexed.group_by(["timezone", "country"]):
        parts.append(
            _schedule_group(
                group, str(zone), str(country), as_of, now, start_min, end_min, restricted
            )
        )
    return pl.concat(parts).sort("__row").drop("__row")


def _schedule_group(
    group: pl.DataFrame,
    zone: str,
    country: str,
    as_of: date,
    now: datetime,
    start_min: int,
    end_min: int,
    restricted: list[str],
) -> pl.DataFrame:
    holidays_list = list(rest_days(country, as_of.year))
    wanted = pl.col("hour").cast(pl.Int32) * 60
    if "minute" in group.columns:  # a learned minute of day, where there is one
        wanted = pl.coalesce(pl.col("minute").cast(pl.Int32), wanted)
    wanted_min = wanted.clip(start_min, end_min - 1)
    now_utc = pl.lit(now).dt.convert_time_zone("UTC")
    floor_utc = pl.max_horizontal(
        pl.col("earliest").fill_null(now_utc).dt.convert_time_zone("UTC"), now_utc
    )
    local_floor = floor_utc.dt.convert_time_zone(zone).dt.replace_time_zone(None)
    day0 = pl.lit(as_of)
    candidate = day0.cast(pl.Datetime("us")) + pl.duration(minutes=wanted_min)
    # One lazy plan per group: the steps below are a dozen expressions on the same frame.
    frame = group.lazy().with_columns(pl.max_horizontal(candidate, local_floor).alias("__t"))
    # push into the quiet-hours window of the same or the next day
    t = pl.col("__t")
    minute = _minute_of(t)
    frame = frame.with_columns(
        pl.when(minute < start_min)
        .then(t.dt.truncate("1d") + pl.duration(minutes=start_min))
        .when(minute >= end_min)
        .then(t.dt.truncate("1d") + pl.duration(days=1, minutes=start_min))
        .otherwise(t)
        .alias("__t")
    )
    for _ in range(MAX_SHIFT_DAYS):
        day = pl.col("__t").dt.date()
        rest = (day.dt.weekday() == 7) | day.is_in(holidays_list)
        shift = pl.col("channel").is_in(restricted) & rest
        next_day = (
            pl.col("__t").dt.truncate("1d") + pl.duration(days=1) + pl.duration(minutes=wanted_min)
        )
        frame = frame.with_columns(
            pl.when(shift).then(next_day).otherwise(pl.col("__t")).alias("__t")
        )
    scheduled = (
        pl.col("__t")
        .dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
    )
    fallback = (
        (pl.col("__t") + pl.duration(hours=1))
        .dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
    )
    return (
        frame.with_columns(pl.coalesce(scheduled, fallback).alias("scheduled_at"))
        .drop("__t")
        .collect()
    )


def usual_send_minute(chosen: pl.DataFrame, habits: pl.DataFrame) -> pl.DataFrame:
    """Add `__send_minute`: just before the minute the customer usually acts, if learned.

    Only for messages of a strategy that learns send times, on channels that reach the
    debtor at once (a letter is posted), and never over the debtor's own preferred hour.
    The choice is added to `note`, so the action says why it goes at that time.
    """
    learns = pl.col("learn_send_time") if "learn_send_time" in chosen.columns else pl.lit(True)
    frame = chosen.join(
        habits.select("customer_pk", pl.col("usual_minute").alias("__usual")),
        on="customer_pk",
        how="left",
    )
    applies = (
        (pl.col("kind") == "message")
        & learns.fill_null(True)
        & ~pl.col("channel").is_in(list(NO_QUIET_HOURS_CHANNELS))
        & pl.col("preferred_hour").is_null()
        & pl.col("__usual").is_not_null()
    )
    minute = send_minute(pl.col("__usual"))
    why = pl.format(
        "send time learned: {}:{}, before the {}:{} the customer usually pays or visits",
        (minute // 60).cast(pl.Utf8).str.zfill(2),
        (minute % 60).cast(pl.Utf8).str.zfill(2),
        (pl.col("__usual") // 60).cast(pl.Utf8).str.zfill(2),
        (pl.col("__usual") % 60).cast(pl.Utf8).str.zfill(2),
    )
    note = pl.col("note") if "note" in frame.columns else pl.lit(None, dtype=pl.Utf8)
    return frame.with_columns(
        pl.when(applies).then(minute).otherwise(None).cast(pl.Int64).alias("__send_minute"),
        pl.when(applies & note.is_not_null())
        .then(pl.concat_str([note, why], separator="; "))
        .when(applies)
        .then(why)
        .otherwise(note)
        .alias("note"),
    ).drop("__usual")


# A letter is posted, not received, at the moment it is sent: no quiet hours.
NO_QUIET_HOURS_CHANNELS = frozenset({"letter"})


def keeps_quiet_hours(kind: str, channel: str, step: str) -> bool:
    """True for a message that may reach the debtor only inside the quiet-hours window."""
    return (
        kind == "message"
        and channel not in NO_QUIET_HOURS_CHANNELS
        and not answers_the_debtor(kind, step)
    )


def allowed_at(zone: str, country: str, channel: str, now: datetime, rules: ContactRules) -> bool:
    """Whether a contact on `channel` may reach a customer of `zone` and `country` at `now`.

    The rule `schedule` keeps, asked of one moment: inside the quiet-hours window of the
    customer's own time, and not on a Sunday or public holiday for the channels that
    rest then. True exactly when `next_allowed` would answer `now` itself.
    """
    local = now.astimezone(zone_named(zone))
    minute = local.hour * 60 + local.minute
    if not minute_of_day(rules.quiet_start) <= minute < minute_of_day(rules.quiet_end):
        return False
    if channel not in rules.no_weekend_rest_channels:
        return True
    day = local.date()
    as_of = (now.astimezone(UTC) - timedelta(days=2)).date()  # the year `next_allowed` reads
    return day.isoweekday() != 7 and day not in rest_days(country, as_of.year)


def next_allowed(frame: pl.DataFrame, *, now: datetime, rules: ContactRules) -> pl.DataFrame:
    """Add `not_before` (UTC): the first moment at or after `now` each contact may happen.

    `frame` has timezone, country and channel per contact. This is `schedule` asked for
    the start of the window with `now` as the earliest moment, so the pre-send re-check
    and the collection run keep one rule for quiet hours, Sundays and holidays.
    """
    # Two days back, no zone's local day is later than this day, so `now` decides.
    as_of = (now.astimezone(UTC) - timedelta(days=2)).date()
    rows = frame.with_columns(
        pl.lit(rules.quiet_start.hour, dtype=pl.Int32).alias("hour"),
        pl.lit(now.astimezone(UTC), dtype=pl.Datetime("us", "UTC")).alias("earliest"),
    )
    return (
        schedule(rows, as_of=as_of, now=now, rules=rules)
        .rename({"scheduled_at": "not_before"})
        .drop("hour", "earliest")
    )
