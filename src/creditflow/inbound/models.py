"""Conversations with debtors: every message in and out, on every channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from creditflow.ledger import models as _ledger_tables  # noqa: F401 - tables its foreign keys name
from creditflow.models import Base, UtcDateTime, utcnow


class ConversationMessage(Base):
    """One message in a conversation with a debtor (SMS, WhatsApp, e-mail, chat, voice)."""

    __tablename__ = "conversation_message"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    direction: Mapped[str] = mapped_column(String(4))  # in out
    sender: Mapped[str | None] = mapped_column(String(400))
    text: Mapped[str] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(String(32))
    provider_id: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
