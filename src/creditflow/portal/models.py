"""Debtor self-service: one-time codes, feedback, dispute attachments, conversations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from creditflow.models import Base, UtcDateTime, utcnow


class AccessCode(Base):
    """A one-time code sent by e-mail or SMS to ask for a fresh portal link (hashed)."""

    __tablename__ = "access_code"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    code_hash: Mapped[str] = mapped_column(String(128))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Feedback(Base):
    """A debtor's rating (1-5) and comment after a contact."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    action_id: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class DisputeAttachment(Base):
    """A file a debtor attached to a dispute (checked type and size; never served as HTML)."""

    __tablename__ = "dispute_attachment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dispute_id: Mapped[int] = mapped_column(
        ForeignKey("dispute.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


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
