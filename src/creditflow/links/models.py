"""The short link table (codes hashed; the signed link is made again on each visit)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from creditflow.ledger import models as _ledger_tables  # noqa: F401 - tables its foreign keys name
from creditflow.models import Base, UtcDateTime


class ShortLink(Base):
    """A short link (/l/K7QM-4XPD) to one action's pay page or portal; the code is hashed.

    The signed link it opens is made again on each visit from (customer, purpose,
    action) with `created_at` as its issue time, so it expires with the short link.
    """

    __tablename__ = "short_link"
    __table_args__ = (
        UniqueConstraint("action_id", "purpose", name="uq_short_link_action_purpose"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    action_id: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16))  # pay portal
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
