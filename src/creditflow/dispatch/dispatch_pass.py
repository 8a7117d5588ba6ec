"""One dispatch pass: what every batch of it shares, looked up once.

The channel adapters, the worker's id, the retry policy, the clock, the link secret
and the short-link settings, for `worker.dispatch_due` and `send_now.dispatch_actions`.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from creditflow.channels.base import ChannelAdapter
from creditflow.channels.registry import build_adapters
from creditflow.config import Settings
from creditflow.db import transaction
from creditflow.dispatch.render import creditor_of
from creditflow.dispatch.retry import DispatchPolicy
from creditflow.ledger.service import link_secret
from creditflow.links.short_links import link_lifetimes, short_base_url
from creditflow.messages.context import Creditor

__all__ = ["DispatchPass", "adapters_for", "default_worker_id", "ensure_link_secret", "new_pass"]


@dataclass
class DispatchPass:
    """What every batch of one dispatch pass shares, looked up once."""

    settings: Settings
    adapters: Mapping[str, ChannelAdapter]
    worker: str
    policy: DispatchPolicy
    clock: Callable[[], datetime]
    secret: str
    short_base: str
    lifetimes: Mapping[str, timedelta]
    make_documents: bool = True
    _creditor: Creditor | None = None

    def creditor(self) -> Creditor:
        """The creditor block of every message (needed only when a message is rendered)."""
        if self._creditor is None:
            self._creditor = creditor_of(self.settings)
        return self._creditor


def default_worker_id() -> str:
    """host:pid, unique per running worker."""
    return f"{socket.gethostname()}:{os.getpid()}"


def adapters_for(
    settings: Settings, given: Mapping[str, ChannelAdapter] | None
) -> dict[str, ChannelAdapter]:
    """The channel adapters given, or those the settings configure."""
    if given is not None:
        return dict(given)
    return build_adapters(settings.channels, settings.outbox_dir)


def new_pass(
    engine: Engine,
    settings: Settings,
    adapters: Mapping[str, ChannelAdapter],
    worker: str,
    policy: DispatchPolicy,
    clock: Callable[[], datetime],
    *,
    make_documents: bool = True,
) -> DispatchPass:
    """What every batch of a pass shares: the link secret and short-link settings too."""
    return DispatchPass(
        settings,
        adapters,
        worker,
        policy,
        clock,
        ensure_link_secret(engine, settings),
        short_base_url(settings),
        link_lifetimes(settings),
        make_documents,
    )


def ensure_link_secret(engine: Engine, settings: Settings) -> str:
    """The organisation's link secret, created up front, once, even with workers racing."""
    try:
        with transaction(engine) as session:
            return link_secret(session, settings)
    except IntegrityError:
        # Another worker created the organisation row at the same moment: read theirs.
        with transaction(engine) as session:
            return link_secret(session, settings)
