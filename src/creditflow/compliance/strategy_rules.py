"""Legal checks on a parsed strategy file (DESIGN 4.4): collection costs for consumers.

A consumer owes collection costs only after the 14-day letter (art. 6:96 lid 6 BW), so
in a strategy that can reach consumers every `charge: collection_costs` step must come
after a step with `legal: wik_notice` and be placed relative to it, at least 15 days on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import rule_engine
import rule_engine.ast as ast

__all__ = [
    "FOURTEEN_DAY_CHANNELS",
    "FOURTEEN_DAY_TEMPLATE",
    "MIN_DAYS_AFTER_NOTICE",
    "check_fourteen_day_steps",
    "check_strategy_compliance",
    "double_costs_steps",
    "when_can_match_consumer",
]

MIN_DAYS_AFTER_NOTICE = 15
FOURTEEN_DAY_TEMPLATE = "fourteen_day_letter"
# A letter, or an e-mail where the debtor agreed to electronic communication.
FOURTEEN_DAY_CHANNELS = ("letter", "email")
_AT = re.compile(r"^\s*([A-Za-z_]\w*)\s*(?:([+-])\s*(\d+)\s*([dw]))?\s*$")
_BOTH = frozenset({True, False})


def _possible(node: Any, kind: str) -> frozenset[bool]:
    """The truth values `node` can take when the symbol `kind` is fixed (others unknown)."""
    if isinstance(node, ast.LogicExpression):
        left, right = _possible(node.left, kind), _possible(node.right, kind)
        if node.type == "and":
            return frozenset(a and b for a in left for b in right)
        if node.type == "or":
            return frozenset(a or b for a in left for b in right)
        return _BOTH
    if isinstance(node, ast.UnaryExpression) and node.type == "not":
        return frozenset(not value for value in _possible(node.right, kind))
    if isinstance(node, ast.BooleanExpression):
        return frozenset({bool(node.value)})
    if isinstance(node, ast.ComparisonExpression) and node.type in ("eq", "ne"):
        text = _kind_compared_to(node.left, node.right)
        if text is None:
            text = _kind_compared_to(node.right, node.left)
        if text is not None:
            return frozenset({(text == kind) == (node.type == "eq")})
        return _BOTH
    if isinstance(node, ast.ContainsExpression) and _is_kind(node.member):
        container = node.container
        if isinstance(container, ast.ArrayExpression | ast.SetExpression) and all(
            isinstance(item, ast.StringExpression) for item in container.value
        ):
            return frozenset({kind in {item.value for item in container.value}})
    return _BOTH


def _is_kind(node: Any) -> bool:
    return isinstance(node, ast.SymbolExpression) and node.name == "kind"


def _kind_compared_to(symbol: Any, other: Any) -> str | None:
    if _is_kind(symbol) and isinstance(other, ast.StringExpression):
        return str(other.value)
    return None


def _when_values(when: object) -> frozenset[bool]:
    """What a segment's `when` can be for a consumer; no condition is always true."""
    if when is None or (isinstance(when, str) and not when.strip()):
        return frozenset({True})
    try:
        rule = rule_engine.Rule(str(when))
    except rule_engine.errors.EngineError:
        return _BOTH  # unreadable conditions are the loader's error; assume the worst here
    return _possible(rule.statement.expression, "consumer")


def when_can_match_consumer(when: object) -> bool:
    """True when a segment condition can be true for a customer with kind == "consumer"."""
    return True in _when_values(when)


def _consumer_strategies(strategy: Mapping[str, Any], names: list[str]) -> dict[str, str]:
    """The strategies consumers can reach, each with a note on why it is checked."""
    segments = strategy.get("segments") or []
    if not segments:
        return {name: "" for name in names}
    reached: dict[str, str] = {}
    named: set[str] = set()
    all_taken = False
    for segment in segments:
        if not isinstance(segment, Mapping):
            continue
        target = str(segment.get("strategy") or segment.get("name") or "")
        named.add(target)
        if all_taken:
            continue
        values = _when_values(segment.get("when"))
        if True in values:
            reached.setdefault(target, "")
        if values == frozenset({True}):
            all_taken = True  # first match wins: later segments never see a consumer
    for name in names:
        if name not in named:
            reached[name] = " (not named by any segment, so checked as if consumers reach it)"
    return reached


def _step_problems(label: str, steps: list[Any], min_days: int) -> list[str]:
    problems: list[str] = []
    notices: dict[str, Mapping[str, Any]] = {}
    for index, step in enumerate(steps):
        if not isinstance(step, Mapping):
            continue
        step_id = str(step.get("id") or f"#{index + 1}")
        if step.get("charge") == "collection_costs":
            where = f"{label}, step {step_id!r}"
            problems.extend(_charge_problems(where, step, notices, min_days))
        if step.get("legal") == "wik_notice":
            notices[step_id] = step
    return problems


def _charge_problems(
    where: str, step: Mapping[str, Any], notices: dict[str, Mapping[str, Any]], min_days: int
) -> list[str]:
    if not notices:
        return [
            f"{where}: charges collection_costs to consumers, but no earlier step has "
            f"legal: wik_notice (the 14-day letter must come first, art. 6:96 lid 6 BW)"
        ]
    at = str(step.get("at") or "")
    example = f"{next(iter(notices))}+{min_days}d"
    found = _AT.match(at)
    if not found or found.group(1) not in notices:
        return [
            f"{where}: at {at!r} is not placed relative to the 14-day letter step "
            f"({', '.join(repr(n) for n in notices)}); write e.g. at: {example}"
        ]
    anchor, sign, number, unit = found.groups()
    days = 0 if number is None else int(number) * (7 if unit == "w" else 1)
    if sign == "-":
        days = -days
    problems: list[str] = []
    if days < min_days:
        problems.append(
            f"{where}: at {at!r} is {days} days after the 14-day letter step {anchor!r}; "
            f"at least {min_days} days are needed (e.g. at: {anchor}+{min_days}d)"
        )
    notice_when = notices[anchor].get("when")
    if notice_when and notice_when != step.get("when"):
        problems.append(
            f"{where}: the 14-day letter step {anchor!r} only runs when {notice_when!r}, so "
            f"it can be skipped while this step still charges; give both the same `when`"
        )
    return problems


def check_strategy_compliance(
    strategy: Mapping[str, Any], *, min_days_after_notice: int = MIN_DAYS_AFTER_NOTICE
) -> list[str]:
    """The reasons a parsed strategy file may charge consumers collection costs unlawfully.

    A strategy is checked when consumers can reach it: a segment whose `when` can be
    true for kind == "consumer" (or has no kind condition, or no `when`) names it, and
    no earlier segment takes every consumer; a strategy no segment names is checked
    too. Its `charge: collection_costs` steps must follow a `legal: wik_notice` step
    and be placed relative to it at least `min_days_after_notice` days on. The run must
    count those days from the letter's delivery (see `fourteen_day.costs_chargeable_from`).
    An empty list means no problem was found.
    """
    strategies = strategy.get("strategies") or {}
    if not isinstance(strategies, Mapping):
        return ["strategies: expected a mapping of strategy names to strategies"]
    names = [str(name) for name in strategies]
    problems: list[str] = []
    for name, note in _consumer_strategies(strategy, names).items():
        body = strategies.get(name)
        if not isinstance(body, Mapping):
            continue
        steps = body.get("steps") or []
        if not isinstance(steps, list):
            continue
        problems.extend(_step_problems(f"strategy {name!r}{note}", steps, min_days_after_notice))
    return problems


Path = tuple[Any, ...]


def _notice_problems(label: str, step: Mapping[str, Any]) -> list[str]:
    """Why a step marked `legal: wik_notice` is not a 14-day letter (empty when it is)."""
    problems: list[str] = []
    if step.get("task"):
        problems.append(
            f"{label}: is a {step.get('task')!r} task, but a step marked legal: wik_notice "
            f"must send the 14-day letter (a call or visit states no term and no cost amount)"
        )
    channels = step.get("channels")
    if not step.get("task"):
        listed = channels if isinstance(channels, list) else []
        wrong = [str(c) for c in listed if c not in FOURTEEN_DAY_CHANNELS]
        if not listed:
            problems.append(
                f"{label}: a step marked legal: wik_notice must send the 14-day letter "
                f"by {' or '.join(FOURTEEN_DAY_CHANNELS)}"
            )
        elif wrong:
            problems.append(
                f"{label}: channel(s) {', '.join(wrong)} cannot carry the 14-day letter "
                f"(a short message names no term and no exact cost amount); use only "
                f"{' or '.join(FOURTEEN_DAY_CHANNELS)} (e-mail only where the debtor agreed to it)"
            )
    template = step.get("template")
    if not step.get("task") and template != FOURTEEN_DAY_TEMPLATE:
        problems.append(
            f"{label}: template {template!r} is not the 14-day letter; a step marked "
            f"legal: wik_notice must use template: {FOURTEEN_DAY_TEMPLATE}"
        )
    return problems


def _anchor(step: Mapping[str, Any]) -> str | None:
    found = _AT.match(str(step.get("at") or ""))
    return found.group(1) if found else None


def check_fourteen_day_steps(strategy: Mapping[str, Any]) -> list[tuple[Path, str]]:
    """Steps marked `legal: wik_notice` that are no 14-day letter, and costs that follow them.

    A 14-day letter (art. 6:96 lid 6 BW) is a message by letter or e-mail with the
    `fourteen_day_letter` template: not a task, not an SMS ("zie onze aanmaning" names
    no term), not a reminder template. A `charge: collection_costs` step placed after
    such a step would charge costs no valid letter announced, so it is refused too.
    Every problem comes with the path of its step in the file, for its line number;
    every strategy is checked, whoever it reaches, and all problems are returned.
    """
    strategies = strategy.get("strategies") or {}
    if not isinstance(strategies, Mapping):
        return []
    problems: list[tuple[Path, str]] = []
    for name, body in strategies.items():
        steps = body.get("steps") if isinstance(body, Mapping) else None
        if not isinstance(steps, list):
            continue
        bad: set[str] = set()
        for index, step in enumerate(steps):
            if not isinstance(step, Mapping):
                continue
            path: Path = ("strategies", name, "steps", index)
            label = f"strategy {name!r}, step {str(step.get('id') or f'#{index + 1}')!r}"
            if step.get("legal") == "wik_notice":
                found = _notice_problems(label, step)
                problems.extend((path, problem) for problem in found)
                if found:
                    bad.add(str(step.get("id")))
            anchor = _anchor(step)
            if step.get("charge") == "collection_costs" and anchor in bad:
                problems.append(
                    (
                        path,
                        f"{label}: charges collection_costs after step {anchor!r}, which is "
                        f"not a valid 14-day letter; the costs would be unlawful",
                    )
                )
    return problems


def double_costs_steps(steps: list[Any]) -> list[tuple[int, str]]:
    """(index, reason) of every `charge: collection_costs` step after the first in one strategy.

    Collection costs are owed once per invoice; a second costs step would charge them
    again, so a strategy may have one at most (for consumers and businesses alike).
    """
    first: str | None = None
    problems: list[tuple[int, str]] = []
    for index, step in enumerate(steps):
        if not isinstance(step, Mapping) or step.get("charge") != "collection_costs":
            continue
        step_id = str(step.get("id") or f"#{index + 1}")
        if first is None:
            first = step_id
            continue
        problems.append(
            (
                index,
                f"step {step_id!r} charges collection_costs a second time (step {first!r} "
                f"already does); collection costs are charged once per invoice",
            )
        )
    return problems
