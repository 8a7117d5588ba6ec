"""Which promise is kept, broken or still running, judged after its grace days."""

from __future__ import annotations

from datetime import date

import pytest

from creditflow.arrangements.rules import judge_promise, promises_judged_before

AS_OF = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("promised", "grace_days", "still_open_minor", "verdict"),
    [
        (date(2026, 3, 10), 3, 5000, "active"),  # the promised day itself
        (date(2026, 3, 7), 3, 5000, "active"),  # the last grace day
        (date(2026, 3, 6), 3, 5000, "broken"),  # grace over, money still open
        (date(2026, 3, 6), 3, 0, "kept"),  # grace over, all paid
        (date(2026, 3, 9), 0, 1, "broken"),  # no grace: the day after
        (date(2026, 3, 9), 0, 0, "kept"),
        (date(2026, 2, 1), 3, -100, "kept"),  # over-paid counts as paid
        (date(2026, 3, 20), 3, 5000, "active"),  # still ahead
    ],
)
def test_a_promise_is_judged_after_its_grace_days(promised, grace_days, still_open_minor, verdict):
    assert judge_promise(promised, AS_OF, grace_days, still_open_minor) == verdict


def test_the_store_query_and_the_rule_agree_on_the_first_day_judged():
    cutoff = promises_judged_before(AS_OF, 3)
    assert cutoff == date(2026, 3, 7)
    assert judge_promise(cutoff, AS_OF, 3, 1) == "active"
    assert judge_promise(date(2026, 3, 6), AS_OF, 3, 1) == "broken"
