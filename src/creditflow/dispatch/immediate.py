"""Transactional messages go out at once from `serve`, not at the next dispatch.

A login code, a confirmation of a promise or dispute, a thank-you for a payment, a
reply in a conversation (the messages that answer the debtor, one list in
`outbox.transactional`): such a message that a web request queues for now is sent right
after that request's transaction commits, through the normal dispatch path for just
those actions (claim, re-check, render, attempt row, send, record), so the re-check,
attempts, retries and timeline all apply. No network I/O happens inside the request's
transaction. Whatever cannot be sent at once (a retry, a provider down) stays queued
for `creditflow worker` / `dispatch`.

`install(app)` hooks the app's sessionmaker (which messages a committed transaction
queued) and wraps the app in an ASGI middleware that sends them once the response
has been produced: after the response for a real client, before the in-process test
client returns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from creditflow.config import Settings
from creditflow.models import utcnow
from creditflow.outbox.models import Action
from creditflow.outbox.transactional import answers_the_debtor

__all__ = ["SendAtOnce", "install", "watch_sessions"]

log = logging.getLogger(__name__)
_PENDING: ContextVar[list[int] | None] = ContextVar("creditflow_send_at_once", default=None)
_KEY = "creditflow.queued_messages"
# "Now" as the request saw it; a message scheduled later is the worker's business.
_SLACK = timedelta(minutes=1)


def _is_immediate(action: Action, now: datetime) -> bool:
    """A transactional message (`outbox.transactional`) queued by a request, due now."""
    scheduled = action.scheduled_at
    return (
        answers_the_debtor(action.kind, action.step)
        and action.status == "queued"
        and action.run_id is None
        and scheduled is not None
        and scheduled <= now + _SLACK
    )


def watch_sessions(sessions: sessionmaker[Session]) -> None:
    """Note the message actions each committed transaction of these sessions queued."""

    @event.listens_for(sessions, "after_flush")
    def _noted(session: Session, _context: Any) -> None:
        new = [obj for obj in session.new if isinstance(obj, Action)]
        if new:
            session.info.setdefault(_KEY, []).extend(new)

    @event.listens_for(sessions, "after_commit")
    def _committed(session: Session) -> None:
        queued: list[Action] = session.info.pop(_KEY, [])
        pending = _PENDING.get()
        if pending is None or not queued:
            return
        now = utcnow()
        pending.extend(a.id for a in queued if a.id is not None and _is_immediate(a, now))

    @event.listens_for(sessions, "after_rollback")
    def _rolled_back(session: Session) -> None:
        session.info.pop(_KEY, None)


class SendAtOnce:
    """ASGI middleware: after a request, send the messages its transactions queued."""

    def __init__(self, app: ASGIApp, send: Callable[[Sequence[int]], Any]) -> None:
        self.app = app
        self.send = send

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request, then send what it queued (failures stay queued)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        pending: list[int] = []
        token = _PENDING.set(pending)
        try:
            await self.app(scope, receive, send)
        finally:
            _PENDING.reset(token)
        if pending:
            await run_in_threadpool(self._send_quietly, list(dict.fromkeys(pending)))

    def _send_quietly(self, action_pks: list[int]) -> None:
        try:
            self.send(action_pks)
        except Exception:  # noqa: BLE001 - the actions stay queued; the worker sends them
            log.exception("sending %d queued message(s) at once failed", len(action_pks))


def install(app: Any, engine: Engine, settings: Settings, sessions: sessionmaker[Session]) -> None:
    """Send transactional messages queued by this app's requests at once."""
    from creditflow.dispatch.send_now import dispatch_actions

    watch_sessions(sessions)

    def send(action_pks: Sequence[int]) -> None:
        report = dispatch_actions(engine, settings, action_pks)
        log.info("sent at once: %s", report.line())

    app.add_middleware(SendAtOnce, send=send)
