"""Workbench records: who claimed which work item of the worklist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from creditflow.models import Base, UtcDateTime, utcnow
from creditflow.staff import models as _staff_tables  # noqa: F401 - tables its foreign keys name


class WorkClaim(Base):
    """A work item held by a staff member (claimed, or assigned by a manager).

    `item_key` is the item's stable key ("dispute:12", "call:<action id>"); the claim
    is released when the item is done (it leaves the list) or by hand.
    """

    __tablename__ = "work_claim"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_key: Mapped[str] = mapped_column(String(96), unique=True)
    item_type: Mapped[str] = mapped_column(String(16))
    staff_user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    claimed_by: Mapped[str] = mapped_column(String(128))  # the actor who claimed or assigned
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
