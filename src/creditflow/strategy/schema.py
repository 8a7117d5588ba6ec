"""The strategy file (DESIGN 4.4): schema, line-numbered errors, and compilation.

A file that does not validate is refused whole; every error names its line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from creditflow.strategy.conditions import ConditionError, parse_condition

CHANNELS = ("email", "sms", "whatsapp", "letter", "voice", "push")
AT_PATTERN = re.compile(
    r"^\s*(?P<anchor>[a-z][a-z0-9_]*)\s*(?:(?P<sign>[+-])\s*(?P<n>\d+)\s*(?P<unit>[dw]))?\s*$"
)


class StrategyError(ValueError):
    """A strategy file was refused; `errors` holds (line, message) pairs."""

    def __init__(self, errors: list[tuple[int | None, str]], source: str = "strategy") -> None:
        self.errors = sorted(errors, key=lambda e: (e[0] or 0, e[1]))
        self.source = source
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """Each error as `source:line: message`."""
        return [f"{self.source}:{line or '?'}: {message}" for line, message in self.errors]


class StepModel(BaseModel):
    """One dunning step as written in the file."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    at: str
    channels: list[Literal["email", "sms", "whatsapp", "letter", "voice", "push"]] | None = None
    template: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]*$")
    tone: Literal["friendly", "neutral", "firm"] | None = None
    task: Literal["call", "review", "visit"] | None = None
    charge: Literal["collection_costs", "compensation", "interest"] | None = None
    escalate: Literal["agency", "legal"] | None = None
    legal: Literal["wik_notice", "final_notice"] | None = None
    when: str | None = None


class StrategyModel(BaseModel):
    """The steps of one strategy, with its default tone."""

    model_config = ConfigDict(extra="forbid")
    tone: Literal["friendly", "neutral", "firm"] = "neutral"
    description: str | None = None
    steps: list[StepModel] = Field(min_length=1)


class SegmentModel(BaseModel):
    """A segment: customers matching `when` use the strategy of the same name."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    when: str | None = None
    strategy: str | None = None


class StrategyFileModel(BaseModel):
    """The whole file."""

    model_config = ConfigDict(extra="forbid")
    segments: list[SegmentModel] = Field(min_length=1)
    strategies: dict[str, StrategyModel] = Field(min_length=1)


@dataclass(frozen=True)
class Step:
    """A validated step, with its position (level) and its timing resolved."""

    strategy: str
    level: int
    id: str
    kind: str  # message task charge escalation
    anchor: str  # "due" or the id of an earlier step
    anchor_level: int  # 0 for due
    offset_days: int
    channels: tuple[str, ...]
    template: str | None
    tone: str
    task: str | None
    charge: str | None
    escalate: str | None
    legal: str | None
    when: str | None


@dataclass(frozen=True)
class Strategy:
    """A validated strategy file: segments in order and the steps per strategy."""

    segments: tuple[tuple[str, str | None, str], ...]  # (segment, when, strategy name)
    steps: tuple[Step, ...]
    text: str

    def steps_of(self, strategy: str) -> list[Step]:
        """The steps of one strategy in order."""
        return [s for s in self.steps if s.strategy == strategy]


def _load_with_lines(text: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """Parse YAML and remember the line (1-based) of every node by its path."""
    lines: dict[tuple[Any, ...], int] = {}

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> None:
        lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                lines[(*path, key.value)] = key.start_mark.line + 1
                walk(value, (*path, key.value))
                lines[(*path, key.value)] = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                walk(item, (*path, index))

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        walk(root, ())
    return yaml.safe_load(text), lines


def _line_of(lines: dict[tuple[Any, ...], int], path: tuple[Any, ...]) -> int | None:
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return lines.get(())


def parse_strategy(text: str, source: str = "strategy") -> Strategy:
    """Validate a strategy file; raise StrategyError listing every problem with its line."""
    try:
        data, lines = _load_with_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise StrategyError(
            [(line, f"not valid YAML: {getattr(exc, 'problem', exc)}")], source
        ) from exc
    if not isinstance(data, dict):
        raise StrategyError(
            [(1, "a strategy file is a mapping with segments and strategies")], source
        )
    try:
        model = StrategyFileModel.model_validate(data)
    except ValidationError as exc:
        schema_errors: list[tuple[int | None, str]] = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = ".".join(str(p) for p in loc)
            got = err.get("input")
            shown = f" (got {got!r})" if isinstance(got, str | int | float) else ""
            schema_errors.append((_line_of(lines, loc), f"{where}: {err['msg']}{shown}"))
        raise StrategyError(schema_errors, source) from exc
    errors: list[tuple[int | None, str]] = []
    segments = _check_segments(model, lines, errors)
    steps = _check_steps(model, lines, errors)
    _check_double_costs(data, lines, errors)
    from creditflow.compliance.strategy_rules import check_fourteen_day_steps

    for path, problem in check_fourteen_day_steps(data):
        errors.append((_line_of(lines, path), problem))
    if not errors:
        from creditflow.compliance.strategy_rules import check_strategy_compliance

        for problem in check_strategy_compliance(data):
            errors.append((_line_of(lines, ("strategies",)), problem))
    if errors:
        raise StrategyError(errors, source)
    return Strategy(segments=tuple(segments), steps=tuple(steps), text=text)


def _check_double_costs(
    data: dict[str, Any], lines: dict[tuple[Any, ...], int], errors: list[tuple[int | None, str]]
) -> None:
    """Refuse a strategy with more than one collection_costs step, naming the line."""
    from creditflow.compliance.strategy_rules import double_costs_steps

    for name, body in (data.get("strategies") or {}).items():
        for index, reason in double_costs_steps(list(body.get("steps") or [])):
            path = ("strategies", name, "steps", index, "charge")
            errors.append((_line_of(lines, path), f"{name}: {reason}"))


def _check_condition(
    text: str | None,
    path: tuple[Any, ...],
    lines: dict[tuple[Any, ...], int],
    errors: list[tuple[int | None, str]],
) -> None:
    if text is None:
        return
    try:
        parse_condition(text)
    except ConditionError as exc:
        errors.append((_line_of(lines, path), f"{'.'.join(map(str, path))}: {exc}"))


def _check_segments(
    model: StrategyFileModel,
    lines: dict[tuple[Any, ...], int],
    errors: list[tuple[int | None, str]],
) -> list[tuple[str, str | None, str]]:
    result = []
    seen: set[str] = set()
    for index, segment in enumerate(model.segments):
        path = ("segments", index)
        if segment.name in seen:
            errors.append(
                (_line_of(lines, (*path, "name")), f"segment {segment.name!r} appears twice")
            )
        seen.add(segment.name)
        last = index == len(model.segments) - 1
        if last and segment.when is not None:
            errors.append(
                (
                    _line_of(lines, (*path, "when")),
                    "the last segment catches everyone else: it has no `when`",
                )
            )
        if not last and segment.when is None:
            errors.append(
                (
                    _line_of(lines, path),
                    f"segment {segment.name!r} needs a `when` (only the last one may omit it)",
                )
            )
        _check_condition(segment.when, (*path, "when"), lines, errors)
        strategy = segment.strategy or segment.name
        if strategy not in model.strategies:
            errors.append(
                (_line_of(lines, path), f"segment {segment.name!r}: no strategy named {strategy!r}")
            )
        result.append((segment.name, segment.when, strategy))
    return result


def _check_steps(
    model: StrategyFileModel,
    lines: dict[tuple[Any, ...], int],
    errors: list[tuple[int | None, str]],
) -> list[Step]:
    steps: list[Step] = []
    for name, strategy in model.strategies.items():
        levels: dict[str, int] = {}
        for index, step in enumerate(strategy.steps):
            path = ("strategies", name, "steps", index)
            line = _line_of(lines, path)
            level = index + 1
            if step.id in levels:
                errors.append((line, f"{name}: step id {step.id!r} appears twice"))
            actions = [k for k in ("channels", "task", "charge", "escalate") if getattr(step, k)]
            if len(actions) != 1:
                errors.append(
                    (
                        line,
                        f"{name}.{step.id}: give exactly one of channels, task, charge, escalate",
                    )
                )
            if step.channels is not None and not step.template:
                errors.append((line, f"{name}.{step.id}: a message step needs a template"))
            if step.channels is not None and len(set(step.channels)) != len(step.channels):
                errors.append((line, f"{name}.{step.id}: a channel is listed twice"))
            match = AT_PATTERN.match(step.at)
            anchor, offset, anchor_level = "due", 0, 0
            if not match:
                errors.append(
                    (
                        _line_of(lines, (*path, "at")),
                        f"{name}.{step.id}: at {step.at!r} is not like due+7d, due-3d or final_notice+15d",
                    )
                )
            else:
                anchor = match["anchor"]
                sign = -1 if match["sign"] == "-" else 1
                offset = sign * int(match["n"] or 0) * (7 if match["unit"] == "w" else 1)
                if anchor != "due":
                    if anchor not in levels:
                        errors.append(
                            (
                                _line_of(lines, (*path, "at")),
                                f"{name}.{step.id}: at refers to {anchor!r}, which is not an earlier step",
                            )
                        )
                    else:
                        anchor_level = levels[anchor]
                        if offset < 0:
                            errors.append(
                                (
                                    _line_of(lines, (*path, "at")),
                                    f"{name}.{step.id}: a step cannot come before the step it follows",
                                )
                            )
            _check_condition(step.when, (*path, "when"), lines, errors)
            levels[step.id] = level
            kind = (
                "message"
                if step.channels
                else "task"
                if step.task
                else "charge"
                if step.charge
                else "escalation"
            )
            steps.append(
                Step(
                    strategy=name,
                    level=level,
                    id=step.id,
                    kind=kind,
                    anchor=anchor,
                    anchor_level=anchor_level,
                    offset_days=offset,
                    channels=tuple(step.channels or ()),
                    template=step.template,
                    tone=step.tone or strategy.tone,
                    task=step.task,
                    charge=step.charge,
                    escalate=step.escalate,
                    legal=step.legal,
                    when=step.when,
                )
            )
    return steps
