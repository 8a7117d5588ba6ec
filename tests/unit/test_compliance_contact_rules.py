"""Contact rules: opt-out replies, do-not-contact states, Regulation F and contact limits."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from creditflow.compliance.contact_rules import (
    CallAttempt,
    DoNotContact,
    is_opt_out,
    max_contacts_allowed,
    regf_call_allowed,
    regf_convenient_time,
    stops_dunning,
)

NEW_YORK = ZoneInfo("America/New_York")
UTC = ZoneInfo("UTC")


@pytest.mark.parametrize(
    ("text", "opt_out"),
    [
        ("STOP", True),
        ("Stop!!!", True),
        ("stop alsjeblieft", True),
        ("Please stop", True),
        ("STOP 🙏", True),
        ("afmelden", True),
        ("Afmelden graag", True),
        ("uitschrijven a.u.b.", True),
        ("unsubscribe", True),
        ("Unsubscribe me please", True),
        ("cancel", True),
        ("QUIT", True),
        ("end", True),
        ("revoke", True),
        ("opt out", True),
        ("opt-out", True),
        ("STOPALL", True),
        ("Geen berichten meer!", True),
        ("ik wil geen sms meer ontvangen", True),
        ("Meld mij af voor deze berichten", True),
        ("stop met sturen a.u.b.", True),
        ("I want to opt out", True),
        ("please stop texting me", True),
        ("Do not contact me again", True),
        ("Remove me from your list", True),
        # decided edge cases: a keyword inside another sentence is not an opt-out
        ("I will stop by tomorrow to pay", False),
        ("kan ik afmelden voor de krant", False),
        ("ik ben gestopt met roken", False),
        ("the end of the month I get paid", False),
        ("Can you call me tomorrow?", False),
        ("don't unsubscribe me, I still want the reminders", False),
        ("thank you", False),
        ("", False),
        ("   ", False),
    ],
)
def test_is_opt_out(text: str, opt_out: bool) -> None:
    assert is_opt_out(text) is opt_out


@pytest.mark.parametrize("state", list(DoNotContact))
def test_every_do_not_contact_state_stops_dunning(state: DoNotContact) -> None:
    assert stops_dunning(state) is True
    assert stops_dunning(state.value) is True


@pytest.mark.parametrize("state", [None, ""])
def test_no_state_does_not_stop_dunning(state: str | None) -> None:
    assert stops_dunning(state) is False


def test_an_unknown_state_raises_instead_of_letting_dunning_continue() -> None:
    with pytest.raises(ValueError, match="'deseased' is unknown"):
        stops_dunning("deseased")


def ny(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=NEW_YORK)


def test_seven_calls_in_seven_days_block_the_eighth() -> None:
    calls = [CallAttempt(ny(day, 9)) for day in range(4, 11)]  # 4..10 March, no conversation
    verdict = regf_call_allowed(calls, ny(10, 12))
    assert verdict.allowed is False
    assert verdict.reason is not None and "7 calls" in verdict.reason
    # on 11 March the window is 5..11 March, which holds 6 calls
    assert verdict.not_before == datetime(2026, 3, 11, 0, 0, tzinfo=NEW_YORK)
    assert regf_call_allowed(calls, ny(11, 9)).allowed is True


def test_six_calls_in_seven_days_allow_the_seventh() -> None:
    calls = [CallAttempt(ny(day, 9)) for day in range(5, 11)]
    assert regf_call_allowed(calls, ny(10, 12)).allowed is True


def test_calls_older_than_the_window_and_future_calls_do_not_count() -> None:
    calls = [CallAttempt(ny(2, hour)) for hour in range(9, 15)]  # 6 calls on 2 March
    calls += [CallAttempt(ny(10, 15)), CallAttempt(ny(10, 16))]  # planned later today
    calls += [CallAttempt(ny(9, 9))]
    assert regf_call_allowed(calls, ny(10, 12)).allowed is True


def test_several_calls_on_one_day_are_counted_each() -> None:
    calls = [CallAttempt(ny(8, hour)) for hour in range(9, 13)]  # 4 on 8 March
    calls += [CallAttempt(ny(9, hour)) for hour in range(9, 12)]  # 3 on 9 March
    verdict = regf_call_allowed(calls, ny(10, 12))
    assert verdict.allowed is False
    # 8 March drops out of the window on 15 March (window 9..15)
    assert verdict.not_before == datetime(2026, 3, 15, 0, 0, tzinfo=NEW_YORK)


def test_no_call_within_seven_days_after_a_conversation() -> None:
    calls = [CallAttempt(ny(5, 14), conversation=True)]
    # the conversation day is day 1: calls are barred 5..11 March
    refused = regf_call_allowed(calls, ny(11, 20))
    assert refused.allowed is False
    assert refused.reason is not None and "conversation took place on 2026-03-05" in refused.reason
    assert refused.not_before == datetime(2026, 3, 12, 0, 0, tzinfo=NEW_YORK)
    assert regf_call_allowed(calls, ny(12, 8)).allowed is True


def test_conversation_days_are_the_debtors_local_days() -> None:
    # 03:00 UTC on 5 March is 22:00 on 4 March in New York
    calls = [CallAttempt(datetime(2026, 3, 5, 3, 0, tzinfo=UTC), conversation=True)]
    assert regf_call_allowed(calls, ny(11, 9)).allowed is True
    assert regf_call_allowed(calls, ny(10, 20)).allowed is False


def test_both_reasons_are_given_with_the_later_date() -> None:
    calls = [CallAttempt(ny(day, 9)) for day in range(3, 10)]
    calls.append(CallAttempt(ny(9, 10), conversation=True))
    verdict = regf_call_allowed(calls, ny(9, 12))
    assert verdict.allowed is False
    assert verdict.reason is not None
    assert "conversation" in verdict.reason and "calls since" in verdict.reason
    assert verdict.not_before == datetime(2026, 3, 16, 0, 0, tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("hour", "minute", "allowed", "not_before"),
    [
        (8, 0, True, None),
        (21, 0, True, None),
        (7, 59, False, datetime(2026, 3, 10, 8, 0, tzinfo=NEW_YORK)),
        (21, 1, False, datetime(2026, 3, 11, 8, 0, tzinfo=NEW_YORK)),
    ],
)
def test_regf_convenient_time(
    hour: int, minute: int, allowed: bool, not_before: datetime | None
) -> None:
    verdict = regf_convenient_time(datetime(2026, 3, 10, hour, minute, tzinfo=NEW_YORK))
    assert verdict.allowed is allowed
    assert verdict.not_before == not_before


def test_max_contacts_in_a_rolling_window() -> None:
    contacts = [ny(1), ny(3), ny(5)]
    refused = max_contacts_allowed(contacts, ny(6, 12), limit=3)
    assert refused.allowed is False
    assert refused.reason == "3 contacts in the last 7 days; the limit is 3"
    assert refused.not_before == ny(1) + timedelta(days=7)
    assert max_contacts_allowed(contacts, ny(8, 10), limit=3).allowed is True
    assert max_contacts_allowed(contacts, ny(6, 12), limit=4).allowed is True
    assert max_contacts_allowed(contacts, ny(6, 12), limit=2, window_days=2).allowed is True


def test_max_contacts_ignores_later_contacts() -> None:
    assert max_contacts_allowed([ny(7), ny(8)], ny(6), limit=1).allowed is True


def test_max_contacts_limit_zero_never_allows() -> None:
    verdict = max_contacts_allowed([], ny(6), limit=0)
    assert verdict.allowed is False
    assert verdict.not_before is None


@pytest.mark.parametrize(("limit", "window"), [(-1, 7), (3, 0)])
def test_max_contacts_refuses_bad_settings(limit: int, window: int) -> None:
    with pytest.raises(ValueError):
        max_contacts_allowed([], ny(6), limit=limit, window_days=window)
