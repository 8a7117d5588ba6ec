"""Compliance records: the hand-over of a customer's file to a collection agency."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from creditflow.ledger import models as _ledger_tables  # noqa: F401 - tables its foreign keys name
from creditflow.models import Base, JsonType, UtcDateTime, utcnow

# A hand-over is recorded (own contact stops) before its dossier goes out; it is
# "dossier_pending" until the dossier is delivered, then "handed_over"; "paid" and
# "closed" end it. Pending and handed over are both open.
DOSSIER_PENDING = "dossier_pending"
HANDED_OVER = "handed_over"
OPEN_STATUSES = (DOSSIER_PENDING, HANDED_OVER)


class Handover(Base):
    """A dossier handed to a collection agency; own contact stops."""

    __tablename__ = "handover"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    action_id: Mapped[str | None] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(64))
    dossier_path: Mapped[str | None] = mapped_column(String(1000))
    invoice_ids: Mapped[list[int]] = mapped_column(JsonType, default=list)
    status: Mapped[str] = mapped_column(String(16), default="handed_over")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    closed_on: Mapped[date | None] = mapped_column(Date)
