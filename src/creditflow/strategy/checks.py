"""The checks of a strategy file: each returns its list of (line, message) errors.

`parse_strategy` runs them all and concatenates their lists, so one pass reports every
error of every kind: schema, conditions, timings, legal rules and templates.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel, ValidationError

from creditflow.strategy.conditions import ConditionError, parse_condition
from creditflow.strategy.schema import (
    AT_PATTERN,
    LearnModel,
    SegmentModel,
    Step,
    StepModel,
    StrategyFileModel,
    StrategyModel,
    schema_errors,
)
from creditflow.strategy.yaml_lines import Lines, line_of

Errors = list[tuple[int | None, str]]


@dataclass
class ParsedStep:
    """One step as written: its model when it passed the schema, else None."""

    index: int
    model: StepModel | None
    raw: Any


@dataclass
class ParsedFile:
    """The parts of a file that passed the schema, and the schema errors of the rest."""

    segments: list[tuple[int, SegmentModel]] = field(default_factory=list)
    strategies: dict[str, tuple[StrategyModel | None, list[ParsedStep]]] = field(
        default_factory=dict
    )
    errors: Errors = field(default_factory=list)
    raw_segments: list[Any] = field(default_factory=list)


def _validated(
    model: type[BaseModel], raw: Any, loc: tuple[Any, ...], lines: Lines, errors: Errors
) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        errors.extend(schema_errors(exc, loc, lines))
        return None


def validate_parts(data: dict[str, Any], lines: Lines) -> ParsedFile:
    """Validate the file part by part, so one bad step does not hide the others' errors."""
    parsed = ParsedFile()
    if _validated(StrategyFileModel, data, (), lines, parsed.errors) is None:
        pass  # the shape errors are recorded; check whatever parts are there
    segments = data.get("segments")
    parsed.raw_segments = segments if isinstance(segments, list) else []
    for index, raw in enumerate(segments if isinstance(segments, list) else []):
        segment = _validated(SegmentModel, raw, ("segments", index), lines, parsed.errors)
        if segment is not None:
            parsed.segments.append((index, segment))
    strategies = data.get("strategies")
    for name, raw in (strategies if isinstance(strategies, dict) else {}).items():
        path = ("strategies", name)
        head = _validated(StrategyModel, raw, path, lines, parsed.errors)
        raw_steps = raw.get("steps") if isinstance(raw, dict) else None
        steps = [
            ParsedStep(
                index,
                _validated(StepModel, item, (*path, "steps", index), lines, parsed.errors),
                item,
            )
            for index, item in enumerate(raw_steps if isinstance(raw_steps, list) else [])
        ]
        parsed.strategies[str(name)] = (head, steps)
    return parsed


def _condition_errors(text: Any, path: tuple[Any, ...], lines: Lines) -> Errors:
    if not isinstance(text, str):
        return []
    try:
        parse_condition(text)
    except ConditionError as exc:
        return [(line_of(lines, path), f"{'.'.join(map(str, path))}: {exc}")]
    return []


def check_segments(
    parsed: ParsedFile, lines: Lines
) -> tuple[list[tuple[str, str | None, str]], Errors]:
    """The segments in order (name, when, strategy) and the errors in them.

    A segment that failed the schema is still checked here, from what it says.
    """
    result: list[tuple[str, str | None, str]] = []
    errors: Errors = []
    seen: set[str] = set()
    last_index = len(parsed.raw_segments) - 1
    for index, raw in enumerate(parsed.raw_segments):
        if not isinstance(raw, dict):
            continue
        path = ("segments", index)
        name, when = str(raw.get("name")), raw.get("when")
        if name in seen:
            errors.append((line_of(lines, (*path, "name")), f"segment {name!r} appears twice"))
        seen.add(name)
        if index == last_index and when is not None:
            errors.append(
                (
                    line_of(lines, (*path, "when")),
                    "the last segment catches everyone else: it has no `when`",
                )
            )
        if index != last_index and when is None:
            errors.append(
                (
                    line_of(lines, path),
                    f"segment {name!r} needs a `when` (only the last one may omit it)",
                )
            )
        errors.extend(_condition_errors(when, (*path, "when"), lines))
        strategy = str(raw.get("strategy") or name)
        if strategy not in parsed.strategies:
            errors.append(
                (line_of(lines, path), f"segment {name!r}: no strategy named {strategy!r}")
            )
        segment = dict(parsed.segments).get(index)
        if segment is not None:
            result.append((segment.name, segment.when, strategy))
    return result, errors


def check_steps(parsed: ParsedFile, lines: Lines) -> tuple[list[Step], Errors]:
    """The compiled steps of every strategy and the errors in them."""
    steps: list[Step] = []
    errors: Errors = []
    for name, (head, parsed_steps) in parsed.strategies.items():
        tone = head.tone if head is not None else "neutral"
        learn = head.learn if head is not None else LearnModel()
        levels: dict[str, int] = {}
        for item in parsed_steps:
            path = ("strategies", name, "steps", item.index)
            level = item.index + 1
            if item.model is None:  # schema errors are reported; still check its condition
                raw = item.raw if isinstance(item.raw, dict) else {}
                errors.extend(_condition_errors(raw.get("when"), (*path, "when"), lines))
                if isinstance(raw.get("id"), str):
                    levels.setdefault(raw["id"], level)
                continue
            step, problems = _compile_step(name, tone, item.model, path, level, levels, lines)
            step = replace(step, learn_channels=learn.channels, learn_send_time=learn.send_time)
            errors.extend(problems)
            levels[item.model.id] = level
            steps.append(step)
    return steps, errors


def _compile_step(
    name: str,
    tone: str,
    step: StepModel,
    path: tuple[Any, ...],
    level: int,
    levels: dict[str, int],
    lines: Lines,
) -> tuple[Step, Errors]:
    errors: Errors = []
    line = line_of(lines, path)
    at_line = line_of(lines, (*path, "at"))
    label = f"{name}.{step.id}"
    if step.id in levels:
        errors.append((line, f"{name}: step id {step.id!r} appears twice"))
    actions = [k for k in ("channels", "task", "charge", "escalate") if getattr(step, k)]
    if len(actions) != 1:
        errors.append((line, f"{label}: give exactly one of channels, task, charge, escalate"))
    if step.channels is not None and not step.template:
        errors.append((line, f"{label}: a message step needs a template"))
    if step.channels is not None and len(set(step.channels)) != len(step.channels):
        errors.append((line, f"{label}: a channel is listed twice"))
    match = AT_PATTERN.match(step.at)
    anchor, offset, anchor_level = "due", 0, 0
    if not match:
        errors.append(
            (at_line, f"{label}: at {step.at!r} is not like due+7d, due-3d or final_notice+15d")
        )
    else:
        anchor = match["anchor"]
        sign = -1 if match["sign"] == "-" else 1
        offset = sign * int(match["n"] or 0) * (7 if match["unit"] == "w" else 1)
        if anchor != "due" and anchor not in levels:
            errors.append(
                (at_line, f"{label}: at refers to {anchor!r}, which is not an earlier step")
            )
        elif anchor != "due":
            anchor_level = levels[anchor]
            if offset < 0:
                errors.append((at_line, f"{label}: a step cannot come before the step it follows"))
    errors.extend(_condition_errors(step.when, (*path, "when"), lines))
    kind = (
        "message"
        if step.channels
        else "task"
        if step.task
        else "charge"
        if step.charge
        else "escalation"
    )
    compiled = Step(
        strategy=name,
        level=level,
        id=step.id,
        kind=kind,
        anchor=anchor,
        anchor_level=anchor_level,
        offset_days=offset,
        channels=tuple(step.channels or ()),
        template=step.template,
        tone=step.tone or tone,
        task=step.task,
        charge=step.charge,
        escalate=step.escalate,
        legal=step.legal,
        when=step.when,
    )
    return compiled, errors


_NAMED_STEP = re.compile(r"strategy '(?P<strategy>[^']+)'.*?step '(?P<step>[^']+)'")


def compliance_errors(data: dict[str, Any], lines: Lines) -> Errors:
    """The legal rules (compliance/strategy_rules.py), each on the line of the step it names.

    A rule gives a message naming "strategy 'x' ... step 'y'", or a (path, message) pair
    with the path of the node it concerns, e.g. ("strategies", "x", "steps", 2).
    """
    from creditflow.compliance.strategy_rules import (
        check_fourteen_day_steps,
        check_strategy_compliance,
        double_costs_steps,
    )

    errors: Errors = []
    for problem in check_strategy_compliance(data):
        if isinstance(problem, tuple):
            path, message = problem
            errors.append((line_of(lines, tuple(path)), str(message)))
        else:
            errors.append((_problem_line(data, lines, problem), problem))
    for path, message in check_fourteen_day_steps(data):
        errors.append((line_of(lines, tuple(path)), message))
    strategies = data.get("strategies")
    for name, body in strategies.items() if isinstance(strategies, dict) else ():
        steps = body.get("steps") if isinstance(body, dict) else None
        for index, reason in double_costs_steps(list(steps) if isinstance(steps, list) else []):
            path = ("strategies", name, "steps", index, "charge")
            errors.append((line_of(lines, path), f"{name}: {reason}"))
    return errors


def _problem_line(data: dict[str, Any], lines: Lines, problem: str) -> int | None:
    found = _NAMED_STEP.search(problem)
    if found is None:
        return line_of(lines, ("strategies",))
    strategy = (data.get("strategies") or {}).get(found["strategy"])
    steps = strategy.get("steps") if isinstance(strategy, dict) else None
    for index, step in enumerate(steps if isinstance(steps, list) else []):
        if isinstance(step, dict) and str(step.get("id")) == found["step"]:
            return line_of(lines, ("strategies", found["strategy"], "steps", index))
    return line_of(lines, ("strategies", found["strategy"]))


def template_errors(steps: list[Step], lines: Lines, templates: Collection[str] | None) -> Errors:
    """Message steps whose template does not exist (every channel and language need it)."""
    if templates is None:
        return []
    known = ", ".join(sorted(templates))
    return [
        (
            line_of(lines, ("strategies", step.strategy, "steps", step.level - 1, "template")),
            f"{step.strategy}.{step.id}: no message template named {step.template!r} "
            f"(there are: {known})",
        )
        for step in steps
        if step.template is not None and step.template not in templates
    ]
