"""Checking a strategy file: every error of every kind in one pass, each with its line,
and YAML that would expand without bound refused before it is expanded."""

from __future__ import annotations

import pytest

from creditflow.strategy.schema import StrategyError, parse_strategy
from creditflow.strategy.service import default_strategy_text

TEMPLATES = ("pre_due_nudge", "reminder", "fourteen_day_letter", "second_reminder")

BILLION_LAUGHS = """a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

# Few aliases, each to a big list: 3 ** 12 nodes once expanded.
WIDE_BOMB = (
    "a: &a ["
    + ",".join(["x"] * 3)
    + "]\n"
    + "".join(
        f"{chr(98 + n)}: &{chr(98 + n)} [*{chr(97 + n)},*{chr(97 + n)},*{chr(97 + n)}]\n"
        for n in range(11)
    )
)

EVERY_KIND_OF_ERROR = """segments:
  - name: consumers
    when: kind == "consumer" and colour == "blue"
  - name: Business
  - name: rest
    when: open_total > 0
strategies:
  consumers:
    tone: cheerful
    steps:
      - id: nudge
        at: due-3d
        channels: [email, fax]
        template: pre_due_nudge
      - id: reminder1
        at: due+7d
        channels: [email]
        template: nonexistent
        when: amount > 10
      - id: costs
        at: due+20d
        charge: collection_costs
      - id: later
        at: someday
        channels: [sms]
        template: reminder
        colour: red
  rest:
    steps:
      - id: call
        at: reminder9+2d
        task: call
"""


def _errors(text: str, **kwargs) -> list[tuple[int | None, str]]:
    with pytest.raises(StrategyError) as refused:
        parse_strategy(text, source="s.yaml", **kwargs)
    return refused.value.errors


def test_a_billion_laughs_file_is_refused_at_its_alias_without_expanding_it():
    [(line, message)] = _errors(BILLION_LAUGHS)
    assert line == 7 and "too many aliases" in message


def test_few_aliases_that_expand_to_many_nodes_are_refused_too():
    assert WIDE_BOMB.count("*") <= 50
    [(line, message)] = _errors(WIDE_BOMB)
    assert line == 1 and "aliases expand to" in message and "at most 10,000" in message


def test_a_shared_condition_through_an_alias_is_still_fine():
    text = default_strategy_text().replace(
        "when: avg_days_late > 20 or risk >= 0.6 or broken_promises >= 2",
        "when: &late avg_days_late > 20 or risk >= 0.6 or broken_promises >= 2",
    )
    assert parse_strategy(text, templates=None).segments[0][1].startswith("avg_days_late")


def test_every_error_of_every_kind_is_reported_at_once_each_on_its_line():
    errors = _errors(EVERY_KIND_OF_ERROR, templates=TEMPLATES)
    found = {(line, message.split(":")[0]) for line, message in errors}
    messages = "\n".join(f"{line}: {message}" for line, message in errors)
    expected = [
        (3, "unknown feature 'colour'"),  # condition of a segment
        (4, "String should match pattern"),  # schema: segment name
        (4, "needs a `when`"),  # a middle segment without a condition
        (6, "the last segment catches everyone else"),
        (4, "no strategy named 'Business'"),
        (9, "Input should be 'friendly', 'neutral' or 'firm'"),  # schema: tone
        (13, "Input should be 'email'"),  # schema: channel fax
        (18, "no message template named 'nonexistent'"),
        (19, "unknown feature 'amount'"),  # condition of a valid step
        (20, "no earlier step has legal: wik_notice"),  # legal rule, on its step
        (27, "Extra inputs are not permitted"),  # schema: unknown key
        (31, "which is not an earlier step"),
    ]
    for line, text in expected:
        assert any(found_line == line and text in message for found_line, message in errors), (
            f"missing line {line}: {text}\n{messages}"
        )
    assert len(found) >= len(expected)


def test_the_shipped_strategy_names_only_templates_that_exist():
    from creditflow.messages.render import available_templates

    strategy = parse_strategy(default_strategy_text(), templates=available_templates())
    assert any(step.template == "fourteen_day_letter" for step in strategy.steps)
