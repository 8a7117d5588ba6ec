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
    """A session in a transaction, committed when the request succeeds.

    Use it as `Depends(get_session, scope="function")`: the commit then happens before
    the response is sent, so a client never sees a success that was not stored and
    its next request sees what this one wrote.
    """
    with request.app.state.sessions() as session, session.begin():
        yield session
