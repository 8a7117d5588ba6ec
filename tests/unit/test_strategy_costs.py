"""The engine keeps the law on consumer collection costs, whatever the strategy says."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from creditflow.config import ContactRules
from creditflow.strategy.engine import decide
from creditflow.strategy.schema import StrategyError, parse_strategy
from creditflow.strategy.service import default_strategy_text

from .snapshots import customer, invoice, snapshot

RULES = ContactRules()
SIMPLE_TEXT = """
segments:
  - name: everyone
strategies:
  everyone:
    steps:
      - id: reminder1
        at: due+7d
        channels: [email, letter]
        template: reminder
      - id: final_notice
        at: due+21d
        channels: [letter, email]
        template: fourteen_day_letter
        legal: wik_notice
      - id: costs
        at: final_notice+15d
        charge: collection_costs
      - id: handover
        at: final_notice+40d
        escalate: agency
"""
SIMPLE = parse_strategy(SIMPLE_TEXT)
REVISED = parse_strategy(
    SIMPLE_TEXT.replace(
        "      - id: costs\n",
        "      - id: last_word\n        at: final_notice+5d\n        channels: [email]\n"
        "        template: second_reminder\n      - id: costs\n",
    )
)


def run(snap, as_of: date, strategy=SIMPLE):
    now = datetime.combine(as_of, datetime.min.time(), tzinfo=UTC) + timedelta(hours=6)
    return decide(snap, strategy, as_of, now=now, rules=RULES)


def charges(decision):
    return [a for a in decision.actions.to_dicts() if a["kind"] == "charge"]


DECIDED = date(2026, 1, 13)  # the letter was decided on Tuesday 13 January ...
SENT = date(2026, 1, 15)  # ... and posted on Thursday 15 January: delivered Monday 19th
LAWFUL = date(2026, 2, 3)  # 14 full days from Tuesday 20 January end on Monday 2 February


def at_final_notice(pk: int = 1, amount: str = "500.00", **values):
    return invoice(
        pk, 1, DECIDED - timedelta(days=21), amount, level=2, step="final_notice",
        dunning_on=DECIDED, **values,
    )  # fmt: skip


def test_a_consumer_never_sent_a_letter_is_not_charged_costs_when_the_step_comes_due():
    snap = snapshot([customer(1, reach=[])], [at_final_notice()])
    for day in (DECIDED + timedelta(days=15), LAWFUL, LAWFUL + timedelta(days=30)):
        assert charges(run(snap, day)) == [], day


def test_the_term_counts_from_the_day_the_letter_was_sent_not_the_day_it_was_decided():
    snap = snapshot([customer(1)], [at_final_notice()], letters=[("L1", 1, SENT, "letter", 50000)])
    for day in (date(2026, 1, 30), date(2026, 2, 2)):
        assert charges(run(snap, day)) == [], day
    [charge] = charges(run(snap, LAWFUL))
    assert (charge["step"], charge["charge_minor"], charge["invoices"]) == (
        "costs",
        7500,
        ["INV-1"],
    )


def test_costs_are_the_letters_amount_for_exactly_the_invoices_it_named():
    later = invoice(3, 1, DECIDED - timedelta(days=2), "900.00")  # not in the letter
    snap = snapshot(
        [customer(1)],
        [at_final_notice(1, "600.00"), at_final_notice(2, "400.00"), later],
        letters=[("L1", 1, SENT, "letter", 100000), ("L1", 2, SENT, "letter", 100000)],
    )
    [charge] = charges(run(snap, LAWFUL))
    assert charge["invoices"] == ["INV-1", "INV-2"]
    assert charge["charge_minor"] == 15000  # WIK on EUR 1,000, as the letter stated


def test_a_partly_paid_letter_is_charged_on_what_is_open_never_more_than_stated():
    snap = snapshot(
        [customer(1)], [at_final_notice(1, "300.00")], letters=[("L1", 1, SENT, "email", 100000)]
    )
    [charge] = charges(run(snap, LAWFUL))
    assert charge["charge_minor"] == 4500  # WIK on the EUR 300 still open


def test_an_invoice_charged_once_is_never_charged_again_whatever_its_level_says():
    snap = snapshot(
        [customer(1)],
        [at_final_notice()],
        letters=[("L1", 1, SENT, "letter", 50000)],
        charged=[(1, 77, 7500)],
    )
    assert charges(run(snap, LAWFUL)) == []


def test_a_revised_strategy_with_an_extra_step_resends_and_recharges_nothing():
    charged = invoice(
        1, 1, DECIDED - timedelta(days=21), "500.00", level=3, step="costs", dunning_on=LAWFUL
    )
    letter_only = invoice(
        2, 2, DECIDED - timedelta(days=21), "500.00", level=2, step="final_notice",
        dunning_on=DECIDED,
    )  # fmt: skip
    snap = snapshot(
        [customer(1), customer(2)],
        [charged, letter_only],
        letters=[("L1", 1, SENT, "letter", 50000), ("L2", 2, SENT, "letter", 50000)],
        charged=[(1, 77, 7500)],
    )
    day = LAWFUL + timedelta(days=1)
    actions = run(snap, day, REVISED).actions.to_dicts()
    # C001 stood at costs (stored level 3, now level 4): nothing; C002 at the letter
    assert [(a["customer_id"], a["step"]) for a in actions] == [("C002", "costs")]


def test_a_business_invoice_19_days_overdue_in_a_newly_imported_ledger_gets_the_first_reminder():
    default = parse_strategy(default_strategy_text())
    today = date(2026, 3, 2)
    snap = snapshot([customer(1, kind="business")], [invoice(1, 1, today - timedelta(days=19))])
    decision = run(snap, today, default)
    [action] = decision.actions.to_dicts()
    assert (action["step"], action["kind"]) == ("reminder1", "message")
    # the later steps keep their spacing from the day the first reminder was made
    reminded = invoice(
        1, 1, today - timedelta(days=19), level=1, step="reminder1", dunning_on=today
    )
    snap = snapshot([customer(1, kind="business")], [reminded])
    assert run(snap, today + timedelta(days=10), default).actions.height == 0
    [action] = run(snap, today + timedelta(days=11), default).actions.to_dicts()
    assert action["step"] == "reminder2"


def test_an_account_with_dunning_history_still_gets_the_step_that_came_due():
    default = parse_strategy(default_strategy_text())
    today = date(2026, 3, 2)
    reminded = invoice(
        1, 1, today - timedelta(days=19), level=1, step="reminder1",
        dunning_on=today - timedelta(days=16),
    )  # fmt: skip
    snap = snapshot([customer(1, kind="business")], [reminded])
    [action] = run(snap, today, default).actions.to_dicts()
    assert action["step"] == "reminder2"


def test_a_strategy_with_two_collection_costs_steps_is_refused_with_the_line():
    text = SIMPLE_TEXT.replace(
        "      - id: handover\n",
        "      - id: costs_again\n        at: final_notice+30d\n"
        "        charge: collection_costs\n      - id: handover\n",
    )
    with pytest.raises(StrategyError) as refused:
        parse_strategy(text, "two.yaml")
    [line] = refused.value.lines()
    assert line.startswith("two.yaml:21: everyone: step 'costs_again' charges collection_costs")
    assert "once per invoice" in line
