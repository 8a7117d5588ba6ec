"""The legal check of a rendered 14-day letter, just before it is sent.

A 14-day letter that would forfeit the collection costs (no term counted from
delivery, no exact cost amount, a term "na dagtekening", or a channel that cannot
carry it) is not sent: the action fails with the reasons and a person gets a review
task (channel "review", step "fourteen_day_letter_review"), both on the timeline.
A broken template override is the usual cause.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from creditflow.compliance.fourteen_day import check_fourteen_day_letter
from creditflow.compliance.strategy_rules import FOURTEEN_DAY_CHANNELS, FOURTEEN_DAY_TEMPLATE
from creditflow.dispatch.outcome import timeline
from creditflow.ledger.models import Customer
from creditflow.messages.context import MessageContext
from creditflow.outbox.models import Action

__all__ = ["REVIEW_STEP", "letter_problems", "refuse_letter"]

REVIEW_STEP = "fourteen_day_letter_review"


def letter_problems(template: str, channel: str, text: str, ctx: MessageContext) -> list[str]:
    """Why a rendered message may not go out as the 14-day letter (empty: it may)."""
    if template != FOURTEEN_DAY_TEMPLATE:
        return []
    if channel not in FOURTEEN_DAY_CHANNELS:
        return [
            f"a 14-day letter cannot go by {channel} (only {' or '.join(FOURTEEN_DAY_CHANNELS)})"
        ]
    if ctx.costs is None:
        return ["no cost amount could be computed for the letter to state"]
    return check_fourteen_day_letter(text, ctx.costs)


def refuse_letter(session: Session, action: Action, problems: list[str], now: datetime) -> Action:
    """Fail the action with the reasons, and queue a review task for a person."""
    from creditflow.compliance.service import queue_compliance_action

    reason = "14-day letter not sent, it fails the legal check: " + "; ".join(problems)
    action.status = "failed"
    action.status_reason = reason[:400]
    action.error = reason[:2000]
    action.claimed_by = None
    action.claimed_at = None
    action.updated_at = now
    customer = session.get(Customer, action.customer_id)
    assert customer is not None
    task = queue_compliance_action(
        session,
        customer,
        kind="task",
        channel="review",
        step=REVIEW_STEP,
        now=now,
        key=(action.action_id,),
        payload={
            "action_id": action.action_id,
            "template": action.template,
            "channel": action.channel,
            "problems": problems,
        },
        currency=action.currency,
    )
    task.status_reason = (
        f"14-day letter not sent ({len(problems)} legal problem(s)): check the template; "
        f"the reasons are on action {action.action_id}"
    )[:400]
    timeline(
        session,
        action,
        "message.failed",
        f"{action.step} on {action.channel} not sent, the 14-day letter fails the legal "
        f"check (review task {task.action_id}): " + "; ".join(problems),
        now,
        data={"problems": problems, "review_task": task.action_id},
    )
    return task
