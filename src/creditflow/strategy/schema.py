"""The strategy file (DESIGN 4.4): schema, line-numbered errors, and compilation.

A file that does not validate is refused whole; every error names its line.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from creditflow.strategy.yaml_lines import Lines, YamlRefused, line_of, load_with_lines

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


class LearnModel(BaseModel):
    """What the run may learn for a strategy (both on unless switched off)."""

    model_config = ConfigDict(extra="forbid")
    channels: bool = True  # Thompson sampling among a message step's channels
    send_time: bool = True  # send just before the hour the customer usually acts


class StrategyModel(BaseModel):
    """A strategy's own settings; its steps are validated one by one (StepModel)."""

    model_config = ConfigDict(extra="forbid")
    tone: Literal["friendly", "neutral", "firm"] = "neutral"
    learn: LearnModel = Field(default_factory=LearnModel)
    description: str | None = None
    steps: list[Any] = Field(min_length=1)


class SegmentModel(BaseModel):
    """A segment: customers matching `when` use the strategy of the same name."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    when: str | None = None
    strategy: str | None = None


class ChallengerModel(BaseModel):
    """Another stored strategy version, tried on a share of the customers."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1)
    share: float = Field(gt=0, le=0.5)
    name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)


class StrategyFileModel(BaseModel):
    """The whole file; segments and strategies are validated one by one."""

    model_config = ConfigDict(extra="forbid")
    segments: list[Any] = Field(min_length=1)
    strategies: dict[str, Any] = Field(min_length=1)
    challenger: ChallengerModel | None = None


@dataclass(frozen=True)
class Challenger:
    """A challenger: the stored version, the share of customers, the experiment's name."""

    version: int
    share: float
    name: str


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
    learn_channels: bool = True
    learn_send_time: bool = True


@dataclass(frozen=True)
class Strategy:
    """A validated strategy file: segments in order and the steps per strategy."""

    segments: tuple[tuple[str, str | None, str], ...]  # (segment, when, strategy name)
    steps: tuple[Step, ...]
    text: str
    challenger: Challenger | None = None

    def steps_of(self, strategy: str) -> list[Step]:
        """The steps of one strategy in order."""
        return [s for s in self.steps if s.strategy == strategy]


def parse_strategy(
    text: str, source: str = "strategy", *, templates: Collection[str] | None = None
) -> Strategy:
    """Validate a strategy file; raise StrategyError listing every problem with its line.

    Every check runs in one pass, so the error list is complete: the schema of each
    segment and step, conditions, timings, the legal rules and, when `templates` (the
    message templates that exist) is given, each step's template.
    """
    try:
        data, lines = load_with_lines(text)
    except YamlRefused as exc:
        raise StrategyError([(exc.line, str(exc))], source) from exc
    if not isinstance(data, dict):
        raise StrategyError(
            [(1, "a strategy file is a mapping with segments and strategies")], source
        )
    from creditflow.strategy.checks import (
        check_segments,
        check_steps,
        compliance_errors,
        template_errors,
        validate_parts,
    )

    parsed = validate_parts(data, lines)
    segments, segment_problems = check_segments(parsed, lines)
    steps, step_problems = check_steps(parsed, lines)
    errors = [
        *parsed.errors,
        *segment_problems,
        *step_problems,
        *compliance_errors(data, lines),
        *template_errors(steps, lines, templates),
    ]
    if errors:
        raise StrategyError(errors, source)
    challenger = None
    if isinstance(data.get("challenger"), dict):
        told = ChallengerModel.model_validate(data["challenger"])
        name = told.name or f"version-{told.version}"
        challenger = Challenger(version=told.version, share=told.share, name=name)
    return Strategy(segments=tuple(segments), steps=tuple(steps), text=text, challenger=challenger)


def schema_errors(
    exc: ValidationError, prefix: tuple[Any, ...], lines: Lines
) -> list[tuple[int | None, str]]:
    """Pydantic's errors, each with the path it concerns and that path's line."""
    found: list[tuple[int | None, str]] = []
    for err in exc.errors():
        loc = (*prefix, *err["loc"])
        where = ".".join(str(p) for p in loc)
        got = err.get("input")
        shown = f" (got {got!r})" if isinstance(got, str | int | float) else ""
        found.append((line_of(lines, loc), f"{where}: {err['msg']}{shown}"))
    return found
