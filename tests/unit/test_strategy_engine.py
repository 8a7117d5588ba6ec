"""The decision engine, one scenario per rule, written as the case it pins."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import polars as pl
import pytest

from creditflow.config import ContactRules
from creditflow.strategy.engine import decide
from creditflow.strategy.schema import parse_strategy
from creditflow.strategy.service import default_strategy_text

from .snapshots import customer, invoice, snapshot

TODAY = date(2026, 3, 2)  # a Monday
NOW = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
RULES = ContactRules()

SIMPLE = parse_strategy(
    """
segments:
  - name: everyone
strategies:
  everyone:
    steps:
      - id: nudge
        at: due-3d
        channels: [email, sms]
        template: pre_due_nudge
      - id: reminder1
        at: due+7d
        channels: [email, whatsapp, sms, letter]
        template: reminder
        tone: friendly
      - id: call
        at: due+14d
        task: call
        when: open_total >= 250
      - id: final_notice
        at: due+21d
        channels: [letter, email]
        template: fourteen_day_letter
        legal: wik_notice
      - id: costs
        at: final_notice+15d
        charge: collection_costs
"""
)


def run(snap, strategy=SIMPLE, as_of=TODAY, now=NOW, rules=RULES):
    return decide(snap, strategy, as_of, now=now, rules=rules)


def rows(decision):
    return decision.actions.sort("customer_id").to_dicts()


def test_one_reminder_covers_all_overdue_invoices_of_a_customer():
    snap = snapshot(
        [customer(1)],
        [invoice(1, 1, TODAY - timedelta(days=8)), invoice(2, 1, TODAY - timedelta(days=2))],
    )
    [action] = rows(run(snap))
    assert action["step"] == "reminder1"
    assert action["invoices"] == ["INV-1", "INV-2"]
    assert action["amount_due_minor"] == 20000
    assert action["kind"] == "message" and action["channel"] == "email"


def test_a_consumer_who_disputed_one_invoice_gets_a_reminder_for_the_other_only():
    snap = snapshot(
        [customer(1)],
        [invoice(1, 1, TODAY - timedelta(days=10)), invoice(2, 1, TODAY - timedelta(days=9))],
        disputes=[1],
    )
    [action] = rows(run(snap))
    assert action["invoices"] == ["INV-2"]


def test_an_invoice_with_disputed_status_is_not_dunned():
    snap = snapshot([customer(1)], [invoice(1, 1, TODAY - timedelta(days=10), status="disputed")])
    assert run(snap).actions.height == 0


def test_a_promise_to_pay_pauses_dunning_until_its_date_plus_grace():
    invoices = [invoice(1, 1, TODAY - timedelta(days=10))]
    within = snapshot([customer(1)], invoices, promises=[(1, 1, TODAY - timedelta(days=2))])
    assert run(within).actions.height == 0  # promised 2 days ago, grace is 3 days
    broken = snapshot([customer(1)], invoices, promises=[(1, 1, TODAY - timedelta(days=4))])
    assert rows(run(broken))[0]["step"] == "reminder1"


def test_a_promise_without_invoices_covers_the_whole_customer():
    snap = snapshot(
        [customer(1)],
        [invoice(1, 1, TODAY - timedelta(days=10)), invoice(2, 1, TODAY - timedelta(days=12))],
        promises=[(1, None, TODAY + timedelta(days=5))],
    )
    assert run(snap).actions.height == 0


def test_a_payment_plan_in_good_standing_pauses_its_invoices_a_missed_one_does_not():
    invoices = [invoice(1, 1, TODAY - timedelta(days=30))]
    good = snapshot([customer(1)], invoices, plans=[(1, TODAY + timedelta(days=3))])
    assert run(good).actions.height == 0
    missed = snapshot([customer(1)], invoices, plans=[(1, TODAY - timedelta(days=10))])
    assert run(missed).actions.height == 1


def test_channel_falls_back_when_the_customer_opted_out_of_email():
    snap = snapshot([customer(1, opt_out=["email"])], [invoice(1, 1, TODAY - timedelta(days=8))])
    [action] = rows(run(snap))
    assert action["channel"] == "sms"
    assert action["fallback_channels"] == ["letter"]


def test_channel_skips_channels_without_a_valid_contact_point():
    snap = snapshot([customer(1, reach=["letter"])], [invoice(1, 1, TODAY - timedelta(days=8))])
    assert rows(run(snap))[0]["channel"] == "letter"


def test_no_reachable_channel_in_the_list_becomes_a_call_task():
    snap = snapshot([customer(1, reach=["voice"])], [invoice(1, 1, TODAY - timedelta(days=8))])
    [action] = rows(run(snap))
    assert (action["kind"], action["channel"]) == ("task", "call")
    assert action["template"] is None


def test_the_preferred_channel_goes_first_when_the_step_allows_it():
    snap = snapshot(
        [customer(1, preferred_channel="sms")], [invoice(1, 1, TODAY - timedelta(days=8))]
    )
    assert rows(run(snap))[0]["channel"] == "sms"


def test_a_step_that_came_due_while_not_run_is_done_once_and_the_latest_wins():
    reminded = TODAY - timedelta(days=15)  # reminder1 on its day, due+7d
    overdue = invoice(
        1, 1, TODAY - timedelta(days=22), "300.00", level=2, step="reminder1", dunning_on=reminded
    )
    snap = snapshot([customer(1)], [overdue])
    [action] = rows(run(snap))
    assert action["step"] == "final_notice"
    levels = run(snap).invoice_levels.to_dicts()
    assert levels == [{"invoice_pk": 1, "level": 4, "step": "final_notice", "on": TODAY}]


def test_an_invoice_that_reached_a_step_does_not_get_it_again():
    snap = snapshot(
        [customer(1)], [invoice(1, 1, TODAY - timedelta(days=8), level=2, dunning_on=TODAY)]
    )
    assert run(snap).actions.height == 0


def test_a_later_step_supersedes_a_queued_earlier_one():
    snap = snapshot(
        [customer(1)],
        [
            invoice(
                1,
                1,
                TODAY - timedelta(days=15),
                "300.00",
                level=2,
                dunning_on=TODAY - timedelta(days=8),
            )
        ],
        pending=[("old-reminder", 1, "EUR", 2, "message")],
    )
    decision = run(snap)
    assert rows(decision)[0]["step"] == "call"
    assert decision.superseded.to_dicts() == [
        {"action_id": "old-reminder", "by": rows(decision)[0]["action_id"]}
    ]


AFTER_THE_LETTER = parse_strategy(
    """
segments:
  - name: everyone
strategies:
  everyone:
    steps:
      - id: reminder1
        at: due+7d
        channels: [letter]
        template: reminder
      - id: final_notice
        at: due+21d
        channels: [letter]
        template: fourteen_day_letter
        legal: wik_notice
      - id: after_letter
        at: final_notice+3d
        channels: [letter]
        template: second_reminder
      - id: costs
        at: final_notice+15d
        charge: collection_costs
"""
)


def test_a_14_day_letter_still_waiting_to_be_sent_is_never_superseded():
    """The letter was decided four days ago and held by the contact gap since: the step
    counted from it has come due, but the account waits for the letter to go out."""
    snap = snapshot(
        [customer(1)],
        [invoice(1, 1, TODAY - timedelta(days=30), level=2, dunning_on=TODAY - timedelta(days=4))],
        pending=[("the-letter", 1, "EUR", 2, "message", "wik_notice")],
    )
    decision = run(snap, AFTER_THE_LETTER)
    assert rows(decision) == []
    assert decision.superseded.height == 0
    assert decision.skipped.select("customer_pk", "step", "reason").to_dicts() == [
        {
            "customer_pk": 1,
            "step": "after_letter",
            "reason": "a 14-day letter is still waiting to be sent",
        }
    ]


def test_a_nudge_for_a_new_invoice_does_not_wait_for_the_letter():
    snap = snapshot(
        [customer(1)],
        [
            invoice(1, 1, TODAY - timedelta(days=30), **LETTER_SENT_YESTERDAY),
            invoice(2, 1, TODAY + timedelta(days=3)),
        ],
        pending=[("the-letter", 1, "EUR", 4, "message", "wik_notice")],
    )
    decision = run(snap, SIMPLE)
    assert [(a["step"], a["invoices"]) for a in rows(decision)] == [("nudge", ["INV-2"])]
    assert decision.superseded.height == 0


def test_once_the_14_day_letter_is_sent_the_next_step_comes():
    snap = snapshot(
        [customer(1)],
        [invoice(1, 1, TODAY - timedelta(days=30), level=2, dunning_on=TODAY - timedelta(days=4))],
    )
    assert [a["step"] for a in rows(run(snap, AFTER_THE_LETTER))] == ["after_letter"]


def test_a_step_whose_condition_fails_is_skipped():
    small = snapshot(
        [customer(1)],
        [invoice(1, 1, TODAY - timedelta(days=15), "100.00", level=2, dunning_on=TODAY)],
    )
    assert run(small).actions.height == 0  # call needs open_total >= 250
    large = snapshot(
        [customer(1)],
        [invoice(1, 1, TODAY - timedelta(days=15), "250.00", level=2, dunning_on=TODAY)],
    )
    assert rows(run(large))[0]["kind"] == "task"


def test_one_action_per_customer_and_currency():
    snap = snapshot(
        [customer(1)],
        [
            invoice(1, 1, TODAY - timedelta(days=8)),
            invoice(2, 1, TODAY - timedelta(days=9), currency="USD"),
        ],
    )
    actions = run(snap).actions.sort("currency")
    assert actions.get_column("currency").to_list() == ["EUR", "USD"]
    assert actions.get_column("action_id").n_unique() == 2


def test_nudge_before_the_due_date_covers_the_invoice_coming_due():
    snap = snapshot([customer(1)], [invoice(1, 1, TODAY + timedelta(days=3))])
    [action] = rows(run(snap))
    assert (action["step"], action["invoices"]) == ("nudge", ["INV-1"])


LETTER_SENT_TODAY = {"level": 4, "dunning_on": TODAY}  # final_notice reached today
LETTER_SENT_YESTERDAY = {"level": 4, "dunning_on": TODAY - timedelta(days=1)}
REMINDED = {"level": 2, "dunning_on": TODAY - timedelta(days=2)}  # reminder1, 2 days ago


SECOND_RUN_CASES = [
    (
        "new to the system, weeks overdue, one invoice coming due: the first reminder "
        "covers the overdue ones, no nudge",
        [
            invoice(1, 1, TODAY - timedelta(days=40)),
            invoice(2, 1, TODAY - timedelta(days=30)),
            invoice(3, 1, TODAY + timedelta(days=3)),
        ],
        [],
        [("reminder1", ["INV-1", "INV-2"])],
    ),
    (
        "the same account later that day, the letter on record: nothing more today",
        [
            invoice(1, 1, TODAY - timedelta(days=40), **LETTER_SENT_TODAY),
            invoice(2, 1, TODAY - timedelta(days=30), **LETTER_SENT_TODAY),
            invoice(3, 1, TODAY + timedelta(days=3)),
        ],
        [(1, "EUR")],
        [],
    ),
    (
        "the day after the letter: the nudge names only the invoice coming due",
        [
            invoice(1, 1, TODAY - timedelta(days=41), **LETTER_SENT_YESTERDAY),
            invoice(2, 1, TODAY - timedelta(days=31), **LETTER_SENT_YESTERDAY),
            invoice(3, 1, TODAY + timedelta(days=2)),
        ],
        [],
        [("nudge", ["INV-3"])],
    ),
    (
        "reminded two days ago, next invoice due in three days: a nudge for that one only",
        [
            invoice(1, 1, TODAY - timedelta(days=9), **REMINDED),
            invoice(2, 1, TODAY + timedelta(days=3)),
        ],
        [],
        [("nudge", ["INV-2"])],
    ),
    (
        "only an invoice one day overdue: too late for a nudge, too early for a reminder",
        [invoice(1, 1, TODAY - timedelta(days=1))],
        [],
        [],
    ),
    (
        "an account acted on today in another currency still gets its euro reminder",
        [invoice(1, 1, TODAY - timedelta(days=8))],
        [(1, "USD")],
        [("reminder1", ["INV-1"])],
    ),
]


@pytest.mark.parametrize(
    ("case", "invoices", "acted_today", "expected"),
    SECOND_RUN_CASES,
    ids=[case[0] for case in SECOND_RUN_CASES],
)
def test_pre_due_nudges_and_a_second_run_of_the_day(case, invoices, acted_today, expected):
    decision = run(snapshot([customer(1)], invoices, acted_today=acted_today))
    assert [(a["step"], a["invoices"]) for a in rows(decision)] == expected, case


def test_the_account_held_back_by_an_earlier_run_of_the_day_is_reported():
    snap = snapshot(
        [customer(1)],
        [
            invoice(1, 1, TODAY - timedelta(days=40), **LETTER_SENT_TODAY),
            invoice(2, 1, TODAY + timedelta(days=3)),
        ],
        acted_today=[(1, "EUR")],
    )
    decision = run(snap)
    assert decision.actions.height == 0 and decision.invoice_levels.height == 0
    assert decision.skipped.select("step", "reason").to_dicts() == [
        {"step": "nudge", "reason": "already acted on by an earlier run today"}
    ]


def test_a_plan_request_waiting_for_review_pauses_its_invoices_like_a_dispute():
    invoices = [
        invoice(1, 1, TODAY - timedelta(days=22), "300.00"),
        invoice(2, 1, TODAY - timedelta(days=8)),
    ]
    assert run(snapshot([customer(1)], invoices, plan_requests=[1, 2])).actions.height == 0
    [action] = rows(run(snapshot([customer(1)], invoices, plan_requests=[1])))
    assert (action["step"], action["invoices"]) == ("reminder1", ["INV-2"])


def test_contact_pressure_holds_back_the_fourth_contact_in_seven_days():
    recent = [(1, NOW - timedelta(days=d)) for d in (1, 3, 5)]
    snap = snapshot([customer(1)], [invoice(1, 1, TODAY - timedelta(days=8))], contacts=recent)
    decision = run(snap)
    assert decision.actions.height == 0
    assert decision.skipped.get_column("reason").to_list()[0].startswith("contact pressure")


def test_the_minimum_gap_moves_the_contact_to_later():
    last = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    snap = snapshot([customer(1)], [invoice(1, 1, TODAY - timedelta(days=8))], contacts=[(1, last)])
    [action] = rows(run(snap))
    assert action["scheduled_at"] >= last + timedelta(hours=48)


def test_a_customer_in_a_do_not_contact_state_gets_no_contact():
    snap = snapshot(
        [customer(1, do_not_contact="deceased")], [invoice(1, 1, TODAY - timedelta(days=8))]
    )
    decision = run(snap)
    assert decision.actions.height == 0
    assert decision.skipped.get_column("reason").to_list() == ["do not contact: deceased"]


def test_email_goes_at_nine_in_the_customers_own_time_zone():
    snap = snapshot(
        [customer(1), customer(2, timezone="America/New_York", country="US")],
        [invoice(1, 1, TODAY - timedelta(days=8)), invoice(2, 2, TODAY - timedelta(days=8))],
    )
    times = {r["customer_id"]: r["scheduled_at"] for r in rows(run(snap))}
    assert times["C001"] == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 CET
    assert times["C002"] == datetime(2026, 3, 2, 14, 0, tzinfo=UTC)  # 09:00 EST


def test_no_sms_on_a_sunday_it_moves_to_monday():
    sunday = date(2026, 3, 1)
    snap = snapshot(
        [customer(1, preferred_channel="sms")], [invoice(1, 1, sunday - timedelta(days=8))]
    )
    [action] = rows(run(snap, as_of=sunday, now=datetime(2026, 3, 1, 6, 0, tzinfo=UTC)))
    assert action["channel"] == "sms"
    assert action["scheduled_at"] == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 10:00 CET


def test_no_sms_on_kings_day_in_the_netherlands():
    kings_day = date(2026, 4, 27)
    snap = snapshot(
        [customer(1, preferred_channel="sms")], [invoice(1, 1, kings_day - timedelta(days=8))]
    )
    [action] = rows(run(snap, as_of=kings_day, now=datetime(2026, 4, 27, 5, 0, tzinfo=UTC)))
    assert action["scheduled_at"].date() == date(2026, 4, 28)


def test_consumer_costs_wait_for_the_fourteen_day_term_after_assumed_delivery():
    letter_day = date(2026, 3, 2)  # Monday; delivered Wednesday 4 March
    inv = invoice(1, 1, letter_day - timedelta(days=21), "1000.00", level=4, dunning_on=letter_day)
    snap = snapshot([customer(1)], [inv], letters=[("L1", 1, letter_day, "letter", 100000)])
    on_day_15 = letter_day + timedelta(days=15)
    assert run(snap, as_of=on_day_15, now=NOW + timedelta(days=15)).actions.height == 0
    chargeable = date(2026, 3, 19)  # term ends 18 March
    [action] = rows(run(snap, as_of=chargeable, now=NOW + timedelta(days=17)))
    assert (action["kind"], action["charge_minor"], action["status"]) == ("charge", 15000, "done")


def test_a_business_is_charged_forty_euro_per_invoice():
    strategy = parse_strategy(default_strategy_text())
    notice = date(2026, 2, 1)
    invoices = [
        invoice(i, 1, notice - timedelta(days=30), "80.00", level=4, dunning_on=notice)
        for i in (1, 2)
    ]
    snap = snapshot([customer(1, kind="business")], invoices)
    [action] = rows(run(snap, strategy=strategy, as_of=notice + timedelta(days=14)))
    assert action["step"] == "costs"
    assert action["charge_minor"] == 8000


def test_a_manual_segment_overrides_the_rules():
    strategy = parse_strategy(default_strategy_text())
    snap = snapshot([customer(1, segment="business")], [invoice(1, 1, TODAY - timedelta(days=4))])
    [action] = rows(run(snap, strategy=strategy))
    assert action["strategy"] == "business" and action["step"] == "reminder1"


def test_late_payers_are_segmented_by_their_history():
    strategy = parse_strategy(default_strategy_text())
    snap = snapshot(
        [customer(1), customer(2)],
        [invoice(1, 1, TODAY - timedelta(days=2)), invoice(2, 2, TODAY - timedelta(days=2))],
        history=[
            {
                "customer_pk": 1,
                "avg_days_late": 25.0,
                "on_time_ratio": 0.2,
                "paid_count": 5,
                "broken_promises": 0,
            }
        ],
    )
    by_customer = {
        r["customer_id"]: (r["strategy"], r["step"]) for r in rows(run(snap, strategy=strategy))
    }
    assert by_customer == {"C001": ("late_payers", "reminder1")}


@pytest.mark.parametrize("language,expected", [("nl", "nl"), ("en", "en"), ("de", "en")])
def test_language_falls_back_to_english_where_there_are_no_templates(language, expected):
    snap = snapshot([customer(1, language=language)], [invoice(1, 1, TODAY - timedelta(days=8))])
    assert rows(run(snap))[0]["language"] == expected


def test_running_twice_gives_the_same_action_ids():
    snap = snapshot([customer(1)], [invoice(1, 1, TODAY - timedelta(days=8))])
    assert rows(run(snap))[0]["action_id"] == rows(run(snap))[0]["action_id"]


def test_the_engine_handles_an_empty_ledger():
    decision = run(snapshot([], []))
    assert decision.actions.height == 0 and decision.skipped.height == 0


def test_max_contacts_setting_is_respected():
    rules = replace(RULES, max_contacts_per_7_days=1)
    snap = snapshot(
        [customer(1)],
        [invoice(1, 1, TODAY - timedelta(days=8))],
        contacts=[(1, NOW - timedelta(days=6))],
    )
    assert run(snap, rules=rules).actions.height == 0
    assert isinstance(run(snap).actions, pl.DataFrame)
