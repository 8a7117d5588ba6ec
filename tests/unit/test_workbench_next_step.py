"""The customer page's next step of an invoice, read from the shipped strategy."""

from __future__ import annotations

from datetime import date, timedelta

from creditflow.strategy.schema import parse_strategy
from creditflow.strategy.service import default_strategy_text
from creditflow.workbench.next_step import next_step, strategy_of

STRATEGY = parse_strategy(default_strategy_text())
CONSUMERS = STRATEGY.steps_of("consumers")
TODAY = date(2026, 3, 10)


def _next(level: int, step: str | None, reached: date | None, due: date):
    found = next_step(CONSUMERS, level=level, reached_step=step, reached_on=reached, due_date=due,
                      today=TODAY)  # fmt: skip
    return None if found is None else (found.step.id, found.on)


def test_a_fresh_invoice_not_yet_due_gets_the_nudge_three_days_before_its_due_date():
    due = TODAY + timedelta(days=10)
    assert _next(0, None, None, due) == ("nudge", due - timedelta(days=3))


def test_an_overdue_invoice_without_dunning_skips_the_nudge_and_gets_the_first_reminder():
    due = TODAY - timedelta(days=5)
    assert _next(0, None, None, due) == ("reminder1", due + timedelta(days=7))


def test_after_the_first_reminder_the_second_comes_fourteen_days_after_the_due_date():
    due = TODAY - timedelta(days=20)
    assert _next(2, "reminder1", TODAY - timedelta(days=13), due) == (
        "reminder2",
        due + timedelta(days=14),
    )


def test_a_step_timed_from_an_earlier_step_counts_from_the_day_that_step_was_reached():
    reached = TODAY - timedelta(days=3)
    assert _next(6, "costs", reached, TODAY - timedelta(days=60)) == (
        "handover",
        reached + timedelta(days=30),
    )


def test_the_last_step_has_no_next_one():
    last = CONSUMERS[-1]
    assert _next(last.level, last.id, TODAY, TODAY - timedelta(days=90)) is None


def test_the_strategy_comes_from_a_manual_segment_else_from_the_last_actions():
    assert strategy_of(STRATEGY, "business", None) == "business"
    assert strategy_of(STRATEGY, None, "late_payers") == "late_payers"
    assert strategy_of(STRATEGY, None, "portal") is None  # not a strategy of the file
