"""Strategy compliance: consumers are charged collection costs only after the 14-day letter."""

import copy
from typing import Any

import pytest
import yaml

from creditflow.compliance.strategy_rules import check_strategy_compliance, when_can_match_consumer

# The example of DESIGN.md 4.4, as the loader hands it over.
DESIGN_EXAMPLE = yaml.safe_load(
    """
segments:
  - name: late_payers
    when: avg_days_late > 20 or risk >= 0.6
  - name: consumers
    when: kind == "consumer"
  - name: business
strategies:
  consumers:
    steps:
      - {id: nudge, at: due-3d, channels: [email, sms], template: pre_due_nudge}
      - {id: reminder1, at: due+7d, channels: [email, whatsapp, sms, letter], template: reminder}
      - {id: call, at: due+14d, task: call, when: open_total >= 250}
      - id: final_notice
        at: due+21d
        channels: [letter, email]
        template: fourteen_day_letter
        legal: wik_notice
      - {id: costs, at: final_notice+15d, charge: collection_costs}
      - {id: handover, at: due+60d, escalate: agency}
"""
)


def with_steps(steps: list[dict[str, Any]], segments: list[dict[str, Any]] | None = None) -> dict:
    return {
        "segments": segments if segments is not None else [{"name": "consumers"}],
        "strategies": {"consumers": {"steps": steps}},
    }


NOTICE = {"id": "final_notice", "at": "due+21d", "legal": "wik_notice"}


def costs(at: str, **extra: Any) -> dict[str, Any]:
    return {"id": "costs", "at": at, "charge": "collection_costs", **extra}


def test_the_design_example_is_compliant() -> None:
    example = copy.deepcopy(DESIGN_EXAMPLE)
    example["strategies"]["late_payers"] = copy.deepcopy(example["strategies"]["consumers"])
    example["strategies"]["business"] = {"steps": [costs("due+1d")]}
    assert check_strategy_compliance(example) == []


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        ([NOTICE, costs("final_notice+15d")], []),
        ([NOTICE, costs("final_notice+20d")], []),
        ([NOTICE, costs("final_notice + 3w")], []),  # 21 days
        ([costs("due+40d")], ["no earlier step has legal: wik_notice"]),
        ([costs("final_notice+15d"), NOTICE], ["no earlier step has legal: wik_notice"]),
        ([NOTICE, costs("due+40d")], ["at 'due+40d' is not placed relative"]),
        ([NOTICE, costs("final_notice+14d")], ["is 14 days after", "at least 15 days"]),
        ([NOTICE, costs("final_notice+2w")], ["is 14 days after"]),
        ([NOTICE, costs("final_notice")], ["is 0 days after"]),
        ([NOTICE, costs("final_notice-5d")], ["is -5 days after"]),
        ([NOTICE, costs("")], ["at '' is not placed relative"]),
        (
            [{**NOTICE, "when": "open_total >= 250"}, costs("final_notice+15d")],
            ["only runs when 'open_total >= 250'"],
        ),
        (
            [
                {**NOTICE, "when": "open_total >= 250"},
                costs("final_notice+15d", when="open_total >= 250"),
            ],
            [],
        ),
    ],
)
def test_consumer_strategies_charge_costs_only_after_the_letter(
    steps: list[dict[str, Any]], expected: list[str]
) -> None:
    problems = check_strategy_compliance(with_steps(steps))
    assert len(problems) == (1 if expected else 0), problems
    for part in expected:
        assert part in problems[0]
    if problems:
        assert problems[0].startswith("strategy 'consumers', step 'costs':")


def test_each_offending_step_is_named() -> None:
    steps = [
        {"id": "costs_early", "at": "due+30d", "charge": "collection_costs"},
        NOTICE,
        {"id": "costs_late", "at": "final_notice+10d", "charge": "collection_costs"},
    ]
    problems = check_strategy_compliance(with_steps(steps))
    assert [p.split(":")[0] for p in problems] == [
        "strategy 'consumers', step 'costs_early'",
        "strategy 'consumers', step 'costs_late'",
    ]


@pytest.mark.parametrize(
    ("when", "checked"),
    [
        (None, True),  # no condition: consumers too
        ('kind == "consumer"', True),
        ("avg_days_late > 20 or risk >= 0.6", True),  # no kind condition
        ('kind != "business"', True),
        ('kind == "business" or risk > 0.9', True),
        ('kind == "business"', False),
        ('"business" == kind', False),
        ('kind == "business" and risk > 0.5', False),
        ('not kind == "consumer"', False),
        ('kind in ["business", "government"]', False),
        ("this is not ((( a condition", True),  # unreadable: assume consumers
    ],
)
def test_which_segments_can_reach_consumers(when: str | None, checked: bool) -> None:
    segment = {"name": "consumers"} if when is None else {"name": "consumers", "when": when}
    problems = check_strategy_compliance(with_steps([costs("due+40d")], [segment]))
    assert bool(problems) is checked
    assert when_can_match_consumer(when) is checked


def test_segments_after_one_that_takes_every_consumer_are_not_checked() -> None:
    strategy = {
        "segments": [
            {"name": "consumers", "when": 'kind == "consumer"'},
            {"name": "others"},
        ],
        "strategies": {
            "consumers": {"steps": [NOTICE, costs("final_notice+15d")]},
            "others": {"steps": [costs("due+1d")]},
        },
    }
    assert check_strategy_compliance(strategy) == []


def test_a_segment_may_name_its_strategy() -> None:
    strategy = {
        "segments": [{"name": "private", "strategy": "soft"}],
        "strategies": {"soft": {"steps": [costs("due+30d")]}},
    }
    (problem,) = check_strategy_compliance(strategy)
    assert problem.startswith("strategy 'soft', step 'costs'")


def test_strategies_no_segment_names_are_checked_too() -> None:
    strategy = {
        "segments": [{"name": "business", "when": 'kind == "business"'}],
        "strategies": {
            "business": {"steps": [costs("due+1d")]},
            "spare": {"steps": [costs("due+1d")]},
        },
    }
    (problem,) = check_strategy_compliance(strategy)
    assert problem.startswith("strategy 'spare' (not named by any segment")


def test_without_segments_every_strategy_is_checked() -> None:
    strategy = {"strategies": {"a": {"steps": [costs("due+1d")]}, "b": {"steps": [NOTICE]}}}
    (problem,) = check_strategy_compliance(strategy)
    assert problem.startswith("strategy 'a', step 'costs'")


def test_minimum_days_can_be_set() -> None:
    strategy = with_steps([NOTICE, costs("final_notice+15d")])
    assert check_strategy_compliance(strategy, min_days_after_notice=20) != []
