"""Champion and challenger: a stable, balanced split of customers, each arm decided by its
own strategy, and the report's difference with a 95% interval."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from creditflow.analytics.experiment import _welch, compare_arms
from creditflow.config import ContactRules
from creditflow.strategy.experiment import arms, decide_experiment, in_challenger, split_snapshot
from creditflow.strategy.schema import StrategyError, parse_strategy

from .snapshots import customer, invoice, snapshot

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 6, tzinfo=UTC)


def test_the_split_is_stable_and_close_to_the_share():
    pks = pl.Series(range(1, 100_001))
    first = in_challenger(pks, "shorter-reminders", 0.2)
    assert first.equals(in_challenger(pks, "shorter-reminders", 0.2))
    assert abs(first.mean() - 0.2) < 0.005
    other = in_challenger(pks, "firmer-tone", 0.2)
    both = (first & other).mean()
    assert abs(both - 0.04) < 0.003  # a new experiment draws independently


def test_a_bigger_share_keeps_everyone_who_was_already_in_the_challenger():
    pks = pl.Series(range(1, 20_001))
    small, large = in_challenger(pks, "x", 0.1), in_challenger(pks, "x", 0.3)
    assert not (small & ~large).any()


@pytest.mark.parametrize(
    ("challenger", "message"),
    [
        ("{version: 0, share: 0.2}", "greater than or equal to 1"),
        ("{version: 2, share: 0.9}", "less than or equal to 0.5"),
        ("{version: 2, share: 0}", "greater than 0"),
        ("{version: 2}", "share: Field required"),
    ],
)
def test_a_challenger_needs_a_version_and_a_share_of_at_most_half(challenger, message):
    text = CHAMPION + f"challenger: {challenger}\n"
    with pytest.raises(StrategyError) as raised:
        parse_strategy(text)
    assert any(message in line for line in raised.value.lines())
    assert any(line.startswith("strategy:17:") for line in raised.value.lines())


CHAMPION = """
segments:
  - name: everyone
strategies:
  everyone:
    steps:
      - id: reminder1
        at: due+7d
        channels: [email]
        template: reminder
      - id: call
        at: due+30d
        task: call



"""
CHALLENGER = CHAMPION.replace("channels: [email]", "channels: [sms]")


def test_each_arm_is_decided_by_its_own_strategy_and_says_which_arm_it_is():
    champion = parse_strategy(CHAMPION + "challenger: {version: 2, share: 0.5, name: sms-first}\n")
    challenger = parse_strategy(CHALLENGER)
    people = range(1, 201)
    snap = snapshot([customer(n) for n in people],
                    [invoice(n, n, TODAY - timedelta(days=8)) for n in people])  # fmt: skip
    decision = decide_experiment(snap, champion, challenger, TODAY, now=NOW, rules=ContactRules())
    expected = dict(arms(pl.Series(list(people)), champion.challenger).iter_rows())
    actions = decision.actions
    assert actions.height == 200
    for row in actions.iter_rows(named=True):
        arm = expected[int(row["customer_id"][1:])]
        assert row["arm"] == arm and row["experiment"] == "sms-first"
        assert row["channel"] == ("sms" if arm == "challenger" else "email")
    assert 70 < (actions.get_column("arm") == "challenger").sum() < 130


def test_splitting_a_snapshot_cuts_every_frame_keyed_by_customer():
    snap = snapshot([customer(1), customer(2)], [invoice(1, 1, TODAY), invoice(2, 2, TODAY)],
                    contacts=[(1, NOW), (2, NOW)])  # fmt: skip
    first, second = split_snapshot(snap, pl.Series([2]))
    assert first.customers.get_column("customer_pk").to_list() == [1]
    assert second.invoices.get_column("customer_pk").to_list() == [2]
    assert second.contacts.get_column("customer_pk").to_list() == [2]
    assert first.reachable.get_column("customer_pk").unique().to_list() == [1]


def test_the_welch_interval_matches_the_textbook():
    a = np.array([10.0, 12.0, 9.0, 11.0, 13.0])
    b = np.array([14.0, 15.0, 13.0, 16.0, 17.0])
    diff, low, high = _welch(a, b)
    assert diff == pytest.approx(4.0)
    # scipy's own Welch test gives the same interval
    from scipy import stats

    ci = stats.ttest_ind(b, a, equal_var=False).confidence_interval(0.95)
    assert (low, high) == (pytest.approx(ci.low), pytest.approx(ci.high))


def test_the_report_compares_collected_contacts_and_cost_per_arm():
    table = pl.DataFrame({"customer_pk": [1, 2, 3, 4, 5, 6],
                          "arm": ["champion"] * 3 + ["challenger"] * 3})  # fmt: skip
    collected = pl.DataFrame(
        {"customer_pk": [1, 2, 4, 5, 6], "currency": ["EUR"] * 5,
         "amount_minor": [1000, 2000, 5000, 6000, 7000]}
    )  # fmt: skip
    contacts = pl.DataFrame({"customer_pk": [1, 2, 3, 4, 5, 6], "contacts": [1, 2, 1, 1, 1, 1],
                             "cost_minor": [5, 10, 5, 50, 50, 50]})  # fmt: skip
    invoices = pl.DataFrame(
        {"invoice_pk": [1, 4], "customer_pk": [1, 4], "currency": ["EUR", "EUR"],
         "issue_date": [TODAY - timedelta(days=40)] * 2, "due_date": [TODAY - timedelta(days=10)] * 2,
         "amount_minor": [1000, 5000], "open_minor": [0, 0], "paid_on": [TODAY] * 2}
    )  # fmt: skip
    allocations = pl.DataFrame(
        schema={"invoice_pk": pl.Int64, "amount_minor": pl.Int64, "paid_on": pl.Date,
                "reversed_on": pl.Date}
    )  # fmt: skip
    rows, differences = compare_arms(table, collected, contacts, invoices, allocations, TODAY)
    by_arm = {r["arm"]: r for r in rows.to_dicts()}
    assert by_arm["champion"]["collected_minor"] == 3000
    assert by_arm["challenger"]["collected_minor"] == 18000
    assert (by_arm["champion"]["contacts"], by_arm["challenger"]["cost_minor"]) == (4, 150)
    [diff] = differences
    assert diff["collected_per_customer_difference"] == "50.00"  # 60.00 - 10.00
    assert diff["clear"] is True
