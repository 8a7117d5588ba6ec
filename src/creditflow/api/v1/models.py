"""The API's own table: stored answers of POST requests by their Idempotency-Key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from creditflow.models import Base, JsonType, UtcDateTime, utcnow


class IdempotentRequest(Base):
    """One POST answered under an Idempotency-Key: the request's digest and the answer."""

    __tablename__ = "api_idempotency"
    __table_args__ = (UniqueConstraint("principal", "key", name="uq_api_idempotency_principal"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    principal: Mapped[str] = mapped_column(String(160))  # the staff actor (key or user)
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(400))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
