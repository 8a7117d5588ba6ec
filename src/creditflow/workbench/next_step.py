"""What the collection run does next for one invoice, read from the strategy (pure).

A cheap estimate for the customer page, not the run itself: the step after the one
the invoice last reached in its strategy, and the day its timing comes (DESIGN 4.4:
`due+Nd` counts from the due date, `<step>+Nd` from the day that step was reached).
The step's own condition (`when`) and the account's pauses and contact limits are not
judged here; the page shows the condition beside the step. No database, no clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from creditflow.strategy.schema import Step, Strategy

__all__ = ["NextStep", "next_step", "strategy_of"]


@dataclass(frozen=True)
class NextStep:
    """The next step of an invoice and the first day its timing allows it."""

    step: Step
    on: date


def strategy_of(
    strategy: Strategy, segment: str | None, last_run_strategy: str | None
) -> str | None:
    """The strategy a customer is dunned by: a manual segment's, else the run's last, else the only one."""
    to_strategy = {name: strat for name, _, strat in strategy.segments}
    if segment in to_strategy:
        return to_strategy[segment]
    names = {s.strategy for s in strategy.steps}
    if last_run_strategy in names:
        return last_run_strategy
    return next(iter(names)) if len(names) == 1 else None


def next_step(
    steps: Sequence[Step],
    *,
    level: int,
    reached_step: str | None,
    reached_on: date | None,
    due_date: date,
    today: date,
) -> NextStep | None:
    """The step after the one reached (by id, else by level) and its day; None at the end.

    A before-due step (`due-3d`) is passed over once the invoice is overdue on `today`.
    """
    current = next((s.level for s in steps if s.id == reached_step), level)
    overdue = due_date < today
    following = [
        s
        for s in steps
        if s.level > current and not (overdue and s.anchor_level == 0 and s.offset_days < 0)
    ]
    if not following:
        return None
    step = min(following, key=lambda s: s.level)
    if step.anchor_level == 0:
        on = due_date + timedelta(days=step.offset_days)
        if reached_on is not None and current > 0:
            on = max(on, reached_on + timedelta(days=1))
    else:
        anchor_day = reached_on if reached_on is not None else due_date
        on = anchor_day + timedelta(days=step.offset_days)
    return NextStep(step, on)
