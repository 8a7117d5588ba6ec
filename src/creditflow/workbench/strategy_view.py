"""What the strategy page shows, as plain data: steps per segment, a diff, errors by line.

No database here: each function takes a parsed strategy, texts or frames and returns
rows the template draws (Jinja escapes every value).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

import polars as pl

from creditflow.strategy.schema import Step, Strategy


@dataclass(frozen=True)
class StepRow:
    """One step as the page draws it: when, what, how, under which condition."""

    level: int
    id: str
    at: str
    what: str  # message, task, charge or escalation
    channels: tuple[str, ...]
    template: str | None
    tone: str
    legal: str | None
    when: str | None


@dataclass(frozen=True)
class SegmentView:
    """A segment in order: who falls in it and the steps its strategy takes."""

    name: str
    when: str | None
    strategy: str
    steps: tuple[StepRow, ...]


def _at(step: Step, strategy: Strategy) -> str:
    """The step's timing as written: due+7d, due-3d or final_notice+15d."""
    anchor = "due"
    if step.anchor_level:
        anchor = next(
            s.id for s in strategy.steps_of(step.strategy) if s.level == step.anchor_level
        )
    sign = "-" if step.offset_days < 0 else "+"
    return f"{anchor}{sign}{abs(step.offset_days)}d"


def _what(step: Step) -> str:
    if step.kind == "task":
        return f"task: {step.task}"
    if step.kind == "charge":
        return f"charge: {step.charge}"
    if step.kind == "escalation":
        return f"escalate: {step.escalate}"
    return "message"


def segment_views(strategy: Strategy) -> list[SegmentView]:
    """Every segment in the order the run tries them, each with its strategy's steps."""
    return [
        SegmentView(
            name=name,
            when=when,
            strategy=strategy_name,
            steps=tuple(
                StepRow(
                    level=step.level,
                    id=step.id,
                    at=_at(step, strategy),
                    what=_what(step),
                    channels=step.channels,
                    template=step.template,
                    tone=step.tone,
                    legal=step.legal,
                    when=step.when,
                )
                for step in strategy.steps_of(strategy_name)
            ),
        )
        for name, when, strategy_name in strategy.segments
    ]


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff: mark is "+" (added), "-" (removed), " " (same) or "@" (a hunk)."""

    mark: str
    old: int | None
    new: int | None
    text: str


def version_diff(old: str, new: str, context: int = 3) -> list[DiffLine]:
    """A unified diff of two strategy files (difflib), line numbers on both sides."""
    a, b = old.splitlines(), new.splitlines()
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        lines.append(
            DiffLine(
                "@",
                None,
                None,
                f"@@ -{first[1] + 1},{last[2] - first[1]} +{first[3] + 1},{last[4] - first[3]} @@",
            )
        )
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(
                    DiffLine(" ", i1 + k + 1, j1 + k + 1, a[i1 + k]) for k in range(i2 - i1)
                )
                continue
            lines.extend(DiffLine("-", i + 1, None, a[i]) for i in range(i1, i2))
            lines.extend(DiffLine("+", None, j + 1, b[j]) for j in range(j1, j2))
    return lines


@dataclass(frozen=True)
class SourceLine:
    """A line of an uploaded file with the errors found on it."""

    number: int
    text: str
    errors: tuple[str, ...]


def lines_with_errors(
    text: str, errors: list[tuple[int | None, str]]
) -> tuple[list[SourceLine], list[str]]:
    """The file's lines, each with its errors (past the end: the last line); and the errors
    that name no line."""
    by_line: dict[int, list[str]] = {}
    unplaced: list[str] = []
    lines = text.splitlines() or [""]
    for line, message in errors:
        if line is None or line < 1:
            unplaced.append(message)
        else:  # an error at the end of the file (an unclosed bracket) goes on its last line
            by_line.setdefault(min(line, len(lines)), []).append(message)
    return [
        SourceLine(number, body, tuple(by_line.get(number, ())))
        for number, body in enumerate(lines, start=1)
    ], unplaced


def dry_run_counts(actions: pl.DataFrame) -> list[dict[str, Any]]:
    """Planned actions per strategy, step and channel (tasks and charges have no channel)."""
    if actions.height == 0:
        return []
    frame = actions.with_columns(pl.col("channel").fill_null("-"))
    counted = (
        frame.group_by("strategy", "level", "step", "kind", "channel")
        .len("actions")
        .sort("strategy", "level", "channel")
    )
    return list(counted.iter_rows(named=True))


def held_back_counts(skipped: pl.DataFrame) -> list[dict[str, Any]]:
    """Decisions held back, counted per reason."""
    if skipped.height == 0:
        return []
    return list(skipped.group_by("reason").len("accounts").sort("reason").iter_rows(named=True))
