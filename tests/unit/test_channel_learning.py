"""Channel and send-time learning: Thompson sampling on "paid within 7 days", usual hours.

Pure: outcome counting as a table of cases, the bandit converging in a simulation,
the usual minute per customer, and the engine using both (and not, when switched off).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest

from creditflow.config import ContactRules
from creditflow.intelligence.channel_bandit import (
    MIN_EVIDENCE,
    OUTCOME_SCHEMA,
    SEND_SCHEMA,
    judged_outcomes,
    pick_channels,
)
from creditflow.intelligence.habits import MOMENT_SCHEMA, send_minute, usual_minutes
from creditflow.strategy.engine import decide
from creditflow.strategy.schema import parse_strategy

from .snapshots import customer, invoice, snapshot

AS_OF = date(2026, 3, 20)
SENT = date(2026, 3, 2)


@pytest.mark.parametrize(
    ("sent_on", "paid_on", "counted", "paid"),
    [
        (SENT, SENT + timedelta(days=3), 1, 1),  # paid within the week
        (SENT, SENT + timedelta(days=7), 1, 1),  # on the seventh day still counts
        (SENT, SENT + timedelta(days=8), 1, 0),  # a day too late
        (SENT, None, 1, 0),  # not paid at all
        (AS_OF - timedelta(days=3), AS_OF - timedelta(days=1), 0, 0),  # too recent to judge
        (AS_OF - timedelta(days=7), AS_OF + timedelta(days=1), 1, 0),  # paid after as-of: unknown
    ],
)
def test_a_sent_message_counts_as_paid_only_when_paid_within_seven_days(
    sent_on, paid_on, counted, paid
):
    sends = pl.DataFrame(
        [("a1", "s", "reminder", "sms", sent_on, 1, paid_on)], schema=SEND_SCHEMA, orient="row"
    )
    outcome = judged_outcomes(sends, AS_OF)
    assert int(outcome.get_column("sent").sum() or 0) == counted
    assert int(outcome.get_column("paid").sum() or 0) == paid


def test_a_message_about_two_invoices_succeeds_only_when_both_are_paid():
    sends = pl.DataFrame(
        [
            ("a1", "s", "reminder", "email", SENT, 1, SENT + timedelta(days=2)),
            ("a1", "s", "reminder", "email", SENT, 2, None),
            ("a2", "s", "reminder", "email", SENT, 3, SENT + timedelta(days=1)),
        ],
        schema=SEND_SCHEMA,
        orient="row",
    )
    assert judged_outcomes(sends, AS_OF).to_dicts() == [
        {"strategy": "s", "step": "reminder", "channel": "email", "sent": 2, "paid": 1}
    ]


def candidates(customers: range, channels: tuple[str, ...] = ("email", "sms")) -> pl.DataFrame:
    return pl.DataFrame(
        [
            (pk, "EUR", "s", "reminder", channel, position, len(channels))
            for pk in customers
            for position, channel in enumerate(channels)
        ],
        schema={
            "customer_pk": pl.Int64,
            "currency": pl.Utf8,
            "strategy": pl.Utf8,
            "step": pl.Utf8,
            "channel": pl.Utf8,
            "position": pl.Int64,
            "count": pl.Int64,
        },
        orient="row",
    )


def outcomes(**by_channel: tuple[int, int]) -> pl.DataFrame:
    rows = [("s", "reminder", ch, sent, paid) for ch, (sent, paid) in by_channel.items()]
    return pl.DataFrame(rows, schema=OUTCOME_SCHEMA, orient="row")


def test_without_enough_evidence_the_strategys_order_holds():
    few = outcomes(email=(MIN_EVIDENCE // 2 - 1, 0), sms=(MIN_EVIDENCE // 2, 10))
    assert pick_channels(candidates(range(1, 50)), few, AS_OF).height == 0


def test_the_bandit_converges_to_the_channel_that_gets_paid():
    """Simulated: sms gets 45% paid within a week, email 20%; after 30 days sms wins."""
    rng = np.random.default_rng(7)
    truth = {"email": 0.20, "sms": 0.45}
    counts = {"email": [MIN_EVIDENCE, 4], "sms": [0, 0]}  # email was the only channel so far
    day = date(2026, 1, 1)
    share_sms = 0.0
    for n in range(30):
        table = outcomes(**{ch: (sent, paid) for ch, (sent, paid) in counts.items()})
        picked = pick_channels(candidates(range(n * 200, n * 200 + 200)), table, day)
        chosen = picked.get_column("channel").to_list()
        share_sms = chosen.count("sms") / len(chosen)
        for channel in chosen:
            counts[channel][0] += 1
            counts[channel][1] += int(rng.random() < truth[channel])
        day += timedelta(days=1)
    assert share_sms > 0.85, f"sms chosen for only {share_sms:.0%} on the last day"


def test_the_same_day_draws_the_same_channels_and_says_why():
    table = outcomes(email=(100, 30), sms=(100, 33))
    first = pick_channels(candidates(range(1, 300)), table, AS_OF)
    again = pick_channels(candidates(range(1, 300)), table, AS_OF)
    other_day = pick_channels(candidates(range(1, 300)), table, AS_OF + timedelta(days=1))
    assert first.equals(again)
    assert not first.equals(other_day)
    assert set(first.get_column("channel")) == {"email", "sms"}  # close rates: both explored
    reason = first.row(0, named=True)["reason"]
    assert reason.startswith("channel learned: ") and "email 30/100" in reason


def moments(rows: list[tuple[int, str, str]]) -> pl.DataFrame:
    return pl.DataFrame(
        [(pk, datetime.fromisoformat(at).replace(tzinfo=UTC), zone) for pk, at, zone in rows],
        schema=MOMENT_SCHEMA,
        orient="row",
    )


def test_the_usual_minute_is_the_median_local_time_of_at_least_three_moments():
    found = usual_minutes(
        moments(
            [
                # Amsterdam in winter is UTC+1: 19:00, 19:10 and 21:00 local
                (1, "2026-01-05T18:00:00", "Europe/Amsterdam"),
                (1, "2026-01-12T18:10:00", "Europe/Amsterdam"),
                (1, "2026-01-19T20:00:00", "Europe/Amsterdam"),
                (2, "2026-01-05T08:00:00", "Europe/Amsterdam"),  # two moments: too few
                (2, "2026-01-06T08:00:00", "Europe/Amsterdam"),
                (3, "2026-07-01T11:30:00", "America/New_York"),  # 07:30 local (UTC-4)
                (3, "2026-07-02T11:30:00", "America/New_York"),
                (3, "2026-07-03T11:30:00", "America/New_York"),
            ]
        )
    )
    assert found.to_dicts() == [
        {"customer_pk": 1, "usual_minute": 19 * 60 + 10, "moments": 3},
        {"customer_pk": 3, "usual_minute": 7 * 60 + 30, "moments": 3},
    ]


@pytest.mark.parametrize(
    ("usual", "send"),
    [(20 * 60, 19 * 60 + 45), (20 * 60 + 5, 19 * 60 + 45), (20 * 60 + 16, 20 * 60), (10, 0)],
)
def test_the_send_minute_is_a_quarter_hour_just_before_the_usual_one(usual, send):
    assert pl.select(send_minute(pl.lit(usual))).item() == send


TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
STRATEGY = """
segments:
  - name: everyone
strategies:
  everyone:
{learn}    steps:
      - id: reminder1
        at: due+7d
        channels: [email, sms]
        template: reminder
"""
SMS_WINS = outcomes(email=(400, 40), sms=(400, 300)).with_columns(
    pl.lit("everyone").alias("strategy"), pl.lit("reminder1").alias("step")
)


def decided(learn: str = "", **snapshot_fields: pl.DataFrame):
    snap = snapshot(
        [customer(1), customer(2, preferred_channel="email"), customer(3, preferred_hour=10)],
        [invoice(n, n, TODAY - timedelta(days=8)) for n in (1, 2, 3)],
    )
    snap = replace(snap, **snapshot_fields)
    strategy = parse_strategy(STRATEGY.format(learn=learn))
    actions = decide(snap, strategy, TODAY, now=NOW, rules=ContactRules()).actions
    return {row["customer_id"]: row for row in actions.to_dicts()}


def test_a_step_with_a_clearly_better_channel_sends_it_and_the_debtors_choice_still_wins():
    by_customer = decided(channel_outcomes=SMS_WINS)
    assert by_customer["C001"]["channel"] == "sms"
    assert by_customer["C001"]["fallback_channels"] == ["email"]
    assert "channel learned: sms chosen" in by_customer["C001"]["note"]
    assert by_customer["C002"]["channel"] == "email"  # the customer's preferred channel


def test_the_14_day_letter_keeps_its_channel_whatever_was_learned():
    strategy = parse_strategy(
        STRATEGY.format(learn="").replace("template: reminder", "template: reminder")
        + """      - id: final_notice
        at: due+21d
        channels: [letter, email]
        template: fourteen_day_letter
        legal: wik_notice
"""
    )
    email_wins = outcomes(letter=(400, 10), email=(400, 350)).with_columns(
        pl.lit("everyone").alias("strategy"), pl.lit("final_notice").alias("step")
    )
    snap = replace(
        snapshot([customer(1)], [invoice(1, 1, TODAY - timedelta(days=22), level=1,
                                         step="reminder1", dunning_on=TODAY - timedelta(days=15))]),
        channel_outcomes=email_wins,
    )  # fmt: skip
    [action] = decide(snap, strategy, TODAY, now=NOW, rules=ContactRules()).actions.to_dicts()
    assert (action["step"], action["channel"]) == ("final_notice", "letter")


def test_a_strategy_that_switched_channel_learning_off_keeps_its_order():
    off = "    learn:\n      channels: false\n"
    assert decided(off, channel_outcomes=SMS_WINS)["C001"]["channel"] == "email"


def test_a_customer_who_usually_pays_at_eight_pm_gets_the_reminder_at_a_quarter_to():
    habits = pl.DataFrame(
        {"customer_pk": [1, 3], "usual_minute": [20 * 60, 20 * 60]},
        schema={"customer_pk": pl.Int64, "usual_minute": pl.Int64},
    )
    by_customer = decided(habits=habits)
    local = by_customer["C001"]["scheduled_at"].astimezone(ZoneInfo("Europe/Amsterdam"))
    assert (local.date(), local.hour, local.minute) == (TODAY, 19, 45)
    assert "send time learned: 19:45, before the 20:00" in by_customer["C001"]["note"]
    # the debtor chose 10:00 in the portal: that wins over the learned hour
    own = by_customer["C003"]["scheduled_at"].astimezone(ZoneInfo("Europe/Amsterdam"))
    assert own.hour == 10 and by_customer["C003"]["note"] is None
    off = decided("    learn:\n      send_time: false\n", habits=habits)["C001"]
    assert off["scheduled_at"] != by_customer["C001"]["scheduled_at"]
