"""Shared request dependencies: settings, a database session per request."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Request
from sqlalchemy.orm import Session

from creditflow.config import Settings


def get_settings(request: Request) -> Settings:
    """The app's settings."""
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """A session in a transaction, committed when the request succeeds."""
    with request.app.state.sessions() as session, session.begin():
        yield session
