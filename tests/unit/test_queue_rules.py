"""The pure rules behind the queues: dispute outcomes, a reviewed plan, outbox handling, the way back."""

from __future__ import annotations

from datetime import date

import pytest

from creditflow.arrangements.decisions import (
    MAX_REVIEWED_MONTHS,
    DisputeResolution,
    dispute_resolution,
    reviewed_schedule,
)
from creditflow.arrangements.policy import PolicyRefusal
from creditflow.money import Money
from creditflow.outbox.transitions import HandlingRefused, next_status
from creditflow.workbench.queue_common import age_days, safe_back


@pytest.mark.parametrize(
    ("outcome", "open_minor", "expected"),
    [
        ("credit_note", 4500, DisputeResolution("resolved", "paid", 4500, 0)),
        ("justified", 4500, DisputeResolution("resolved", "written_off", 0, 4500)),
        ("rejected", 4500, DisputeResolution("rejected", "open", 0, 4500)),
        ("rejected", 0, DisputeResolution("rejected", "paid", 0, 0)),
    ],
)
def test_each_dispute_outcome_says_what_happens_to_the_invoice(outcome, open_minor, expected):
    assert dispute_resolution(outcome, open_minor) == expected


def test_a_credit_note_needs_something_open_to_credit():
    with pytest.raises(PolicyRefusal) as refused:
        dispute_resolution("credit_note", 0)
    assert refused.value.code == "nothing_to_credit"


def test_an_unknown_dispute_outcome_is_refused_by_name():
    with pytest.raises(PolicyRefusal, match="'forgiven' is not one of credit_note"):
        dispute_resolution("forgiven", 100)


def test_a_reviewed_plan_may_be_longer_than_the_portal_allows_and_adds_up_exactly():
    schedule = reviewed_schedule(Money.of_minor(20_000, "EUR"), 12, date(2026, 1, 31), 7)
    assert len(schedule) == 12
    assert sum(i.amount.minor for i in schedule) == 20_000
    assert [i.amount.minor for i in schedule[:9]] == [1667] * 8 + [1666]
    assert schedule[0].due_date == date(2026, 2, 7)
    assert schedule[1].due_date == date(2026, 3, 7)


@pytest.mark.parametrize("months", [0, MAX_REVIEWED_MONTHS + 1])
def test_a_reviewed_plan_needs_a_sensible_number_of_months(months):
    with pytest.raises(PolicyRefusal) as refused:
        reviewed_schedule(Money.of_minor(20_000, "EUR"), months, date(2026, 1, 1), 7)
    assert refused.value.code == "plan_months"


def test_a_reviewed_plan_needs_something_open():
    with pytest.raises(PolicyRefusal):
        reviewed_schedule(Money.of_minor(0, "EUR"), 3, date(2026, 1, 1), 7)


@pytest.mark.parametrize(
    ("operation", "status", "after"),
    [
        ("hold", "queued", "held"),
        ("release", "held", "queued"),
        ("cancel", "queued", "cancelled"),
        ("cancel", "held", "cancelled"),
        ("retry", "failed", "queued"),
    ],
)
def test_an_action_moves_as_the_operation_says(operation, status, after):
    assert next_status(operation, status, claimed=False) == after


@pytest.mark.parametrize(
    ("operation", "status"),
    [
        ("hold", "sent"),
        ("hold", "held"),
        ("release", "queued"),
        ("cancel", "delivered"),
        ("cancel", "failed"),
        ("retry", "queued"),
        ("retry", "cancelled"),
    ],
)
def test_an_operation_that_does_not_fit_the_status_is_refused(operation, status):
    with pytest.raises(HandlingRefused, match=f"that is {status} cannot be"):
        next_status(operation, status, claimed=False)


def test_an_action_a_worker_is_sending_is_not_changed():
    with pytest.raises(HandlingRefused, match="sending this action right now"):
        next_status("hold", "queued", claimed=True)


def test_an_unknown_operation_is_refused():
    with pytest.raises(HandlingRefused, match="'send' is not one of"):
        next_status("send", "queued", claimed=False)


@pytest.mark.parametrize(
    ("back", "expected"),
    [
        ("/workbench/customers/12", "/workbench/customers/12"),
        ("/workbench/today?x=1", "/workbench/today"),
        ("/workbench", "/workbench"),
        ("", "/d"),
        (None, "/d"),
        ("https://evil.example/workbench/", "/d"),
        ("//evil.example/workbench/", "/d"),
        ("/workbench//evil.example", "/d"),
        ("/workbench/\\evil", "/d"),
        ("/workbenchx/today", "/d"),
        ("/workbench/../portal", "/d"),
        ("/workbench/today\r\nSet-Cookie: x", "/d"),
        ("/api/actions", "/d"),
        ("/workbench/" + "a" * 600, "/d"),
    ],
)
def test_the_way_back_after_a_form_is_only_a_workbench_path(back, expected):
    assert safe_back(back, "/d") == expected


def test_age_is_whole_days_and_never_negative():
    from datetime import UTC, datetime

    now = datetime(2026, 3, 10, 12, tzinfo=UTC)
    assert age_days(datetime(2026, 3, 1, 13, tzinfo=UTC), now) == 8
    assert age_days(datetime(2026, 3, 11, tzinfo=UTC), now) == 0
