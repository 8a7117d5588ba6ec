"""Claiming work: a staff member takes an item, a manager assigns one, and release.

Every change is written to the audit log. A claim ends when its item is done (the
item left the list: `release_done`, run before every claim change) or by hand.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from creditflow.ledger.service import audit
from creditflow.staff.models import StaffUser
from creditflow.staff.service import Staff
from creditflow.workbench.models import WorkClaim
from creditflow.workbench.worklist import item_refs, load_items
from creditflow.workbench.worklist_rules import (
    Filters,
    WorkItem,
    assign_problem,
    claim_problem,
    key_parts,
    release_problem,
)

GONE = "This item is no longer on the list."
REASSIGN_PERMISSION = "decide"  # managers and admins: assign and release anyone's work


class ClaimRefused(ValueError):
    """A claim change that may not be made; the message is a page notice."""


def find_item(session: Session, staff: Staff, key: str, now: datetime) -> WorkItem:
    """The item with this key, as this staff member sees it; ClaimRefused when gone."""
    kind, record = key_parts(key)
    found = load_items(session, staff, Filters(), now, refs={kind: [record]}, limit=1).items
    if not found:
        raise ClaimRefused(GONE)
    return found[0]


def _claim(session: Session, key: str) -> WorkClaim | None:
    return session.scalars(select(WorkClaim).where(WorkClaim.item_key == key)).first()


def _hold(session: Session, item: WorkItem, user_id: int, actor: str, now: datetime) -> None:
    claim = _claim(session, item.key)
    if claim is None:
        session.add(
            WorkClaim(
                item_key=item.key,
                item_type=item.kind,
                staff_user_id=user_id,
                claimed_by=actor,
                claimed_at=now,
            )
        )
    else:
        claim.staff_user_id = user_id
        claim.claimed_by = actor
        claim.claimed_at = now


def claim_item(session: Session, staff: Staff, key: str, now: datetime) -> str:
    """The staff member takes the item; the notice to show."""
    release_done(session, now)
    item = find_item(session, staff, key, now)
    assert staff.user_id is not None
    claim = _claim(session, key)
    holder = claim.staff_user_id if claim else None
    problem = claim_problem(holder, staff.user_id, staff.may(REASSIGN_PERMISSION))
    if problem:
        raise ClaimRefused(problem)
    if holder == staff.user_id:
        return "You hold this item already."
    _hold(session, item, staff.user_id, staff.actor, now)
    audit(session, staff.actor, "claim", "work_item", key,
          {"staff_user_id": staff.user_id, "from_staff_user_id": holder})  # fmt: skip
    return "Claimed."


def assign_item(session: Session, staff: Staff, key: str, user_id: int, now: datetime) -> str:
    """A manager gives the item to a staff member who works customers; the notice."""
    release_done(session, now)
    item = find_item(session, staff, key, now)
    target = session.get(StaffUser, user_id)
    problem = assign_problem(
        target.role if target else None, bool(target and target.active), user_id, item
    )
    if problem or target is None:
        raise ClaimRefused(problem or "There is no such active staff member.")
    claim = _claim(session, key)
    _hold(session, item, user_id, staff.actor, now)
    audit(session, staff.actor, "assign", "work_item", key,
          {"staff_user_id": user_id, "assignee": target.email,
           "from_staff_user_id": claim.staff_user_id if claim else None})  # fmt: skip
    return "Assigned."


def release_item(session: Session, staff: Staff, key: str, now: datetime) -> str:
    """The holder (or a manager) gives the item back; the notice."""
    release_done(session, now)
    find_item(session, staff, key, now)
    assert staff.user_id is not None
    claim = _claim(session, key)
    holder = claim.staff_user_id if claim else None
    problem = release_problem(holder, staff.user_id, staff.may(REASSIGN_PERMISSION))
    if problem or claim is None:
        raise ClaimRefused(problem or "Nobody has claimed this item.")
    session.delete(claim)
    audit(session, staff.actor, "release", "work_item", key, {"staff_user_id": holder})
    return "Released."


def release_done(session: Session, now: datetime, actor: str = "workbench") -> list[str]:
    """Release the claims of items that are done (no longer on anyone's list)."""
    held = list(session.scalars(select(WorkClaim.item_key)))
    if not held:
        return []
    still = {
        i.key
        for i in load_items(
            session, None, Filters(), now, refs=item_refs(held), limit=len(held)
        ).items
    }
    done = sorted(set(held) - still)
    if done:
        session.execute(delete(WorkClaim).where(WorkClaim.item_key.in_(done)))
        audit(session, actor, "release_done", "work_item", None, {"items": done})
    return done
