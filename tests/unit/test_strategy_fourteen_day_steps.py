"""A step marked as the 14-day letter must be one: letter or e-mail, the right template.

Costs placed after a step that only claims to be the 14-day letter are refused too,
and every such error names the line of its step, all in one pass.
"""

from __future__ import annotations

import pytest

from creditflow.compliance.strategy_rules import check_fourteen_day_steps
from creditflow.strategy.schema import StrategyError, parse_strategy
from creditflow.strategy.service import default_strategy_text

HEAD = """segments:
  - name: consumers
strategies:
  consumers:
    steps:
      - id: reminder1
        at: due+7d
        channels: [email]
        template: reminder
"""
# the 14-day step starts on line 10, the costs step on line 15
COSTS = """      - id: costs
        at: final_notice+15d
        charge: collection_costs
"""


def notice(body: str) -> str:
    return HEAD + "      - id: final_notice\n        at: due+21d\n" + body + COSTS


def errors_of(text: str) -> list[tuple[int | None, str]]:
    with pytest.raises(StrategyError) as refused:
        parse_strategy(text, source="s.yaml")
    return refused.value.errors


def test_a_14_day_letter_by_letter_or_email_with_its_template_loads() -> None:
    text = notice(
        "        channels: [letter, email]\n"
        "        template: fourteen_day_letter\n"
        "        legal: wik_notice\n"
    )
    parsed = parse_strategy(text)
    assert [s.id for s in parsed.steps] == ["reminder1", "final_notice", "costs"]


def test_an_sms_that_says_see_our_letter_is_no_14_day_letter() -> None:
    errors = errors_of(
        notice(
            "        channels: [sms]\n"
            "        template: fourteen_day_letter\n"
            "        legal: wik_notice\n"
        )
    )
    assert (10, errors[0][1]) == errors[0] and "channel(s) sms cannot carry" in errors[0][1]
    assert errors[1][0] == 15 and "after step 'final_notice'" in errors[1][1]
    assert len(errors) == 2


def test_an_email_with_sms_fallback_is_refused_for_the_sms() -> None:
    errors = errors_of(
        notice(
            "        channels: [email, sms, whatsapp]\n"
            "        template: fourteen_day_letter\n"
            "        legal: wik_notice\n"
        )
    )
    assert errors[0][0] == 10 and "sms, whatsapp cannot carry" in errors[0][1]


def test_a_call_marked_as_the_14_day_letter_is_refused() -> None:
    errors = errors_of(notice("        task: call\n        legal: wik_notice\n"))
    assert [line for line, _ in errors] == [10, 14]
    assert "'call' task" in errors[0][1]
    assert "collection_costs after step 'final_notice'" in errors[1][1]


def test_a_reminder_template_marked_as_the_14_day_letter_is_refused() -> None:
    errors = errors_of(
        notice(
            "        channels: [letter]\n        template: reminder\n        legal: wik_notice\n"
        )
    )
    assert [line for line, _ in errors] == [10, 15]
    assert "template 'reminder' is not the 14-day letter" in errors[0][1]


def test_every_bad_14_day_step_of_every_strategy_is_reported_at_once() -> None:
    text = """segments:
  - name: late
    when: risk >= 0.6
  - name: consumers
strategies:
  late:
    steps:
      - id: final_notice
        at: due+10d
        channels: [sms]
        template: fourteen_day_letter
        legal: wik_notice
      - id: costs
        at: final_notice+15d
        charge: collection_costs
  consumers:
    steps:
      - id: final_notice
        at: due+21d
        task: call
        legal: wik_notice
      - id: costs
        at: final_notice+15d
        charge: collection_costs
"""
    errors = errors_of(text)
    assert [line for line, _ in errors] == [8, 13, 18, 22]


def test_the_rule_gives_the_path_of_each_step() -> None:
    data = {
        "segments": [{"name": "b"}],
        "strategies": {
            "b": {
                "steps": [
                    {"id": "n", "at": "due+1d", "channels": ["push"], "legal": "wik_notice"},
                    {"id": "c", "at": "n+15d", "charge": "collection_costs"},
                ]
            }
        },
    }
    found = check_fourteen_day_steps(data)
    assert [path for path, _ in found] == [
        ("strategies", "b", "steps", 0),
        ("strategies", "b", "steps", 0),
        ("strategies", "b", "steps", 1),
    ]
    assert "template None is not the 14-day letter" in found[1][1]


def test_the_shipped_strategy_passes() -> None:
    parse_strategy(default_strategy_text(), source="default.yaml")
