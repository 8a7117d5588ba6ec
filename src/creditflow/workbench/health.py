"""Channel health and the sandbox warning: which channels are configured, which send nowhere.

A channel without a `[channels.<name>]` section (or with `provider = "sandbox"`) writes
its messages to the outbox folder instead of sending them; the sandbox payment provider
lets anyone with a pay link mark invoices paid. Both are fine for a demo and wrong with
real debtors, so every workbench page says so while either is on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.channels.base import CHANNELS
from creditflow.config import Settings
from creditflow.outbox.models import DeliveryAttempt
from creditflow.payments.providers import sandbox_enabled


@dataclass(frozen=True)
class SandboxState:
    """What runs in the sandbox: channels by name, and the payment provider."""

    channels: tuple[str, ...]
    payments: bool

    @property
    def on(self) -> bool:
        """True when anything runs in the sandbox."""
        return bool(self.channels) or self.payments


def channel_provider(settings: Settings, channel: str) -> str:
    """The provider a channel sends with; "sandbox" when it has no section."""
    return str((settings.channels.get(channel) or {}).get("provider", "sandbox"))


def sandbox_state(settings: Settings) -> SandboxState:
    """Which channels and whether payments run in the sandbox (from the settings)."""
    return SandboxState(
        channels=tuple(c for c in CHANNELS if channel_provider(settings, c) == "sandbox"),
        payments=sandbox_enabled(settings),
    )


def app_sandbox(app: FastAPI) -> SandboxState:
    """The app's sandbox state, computed once per app (settings do not change while it runs)."""
    state: SandboxState | None = getattr(app.state, "sandbox_state", None)
    if state is None:
        state = app.state.sandbox_state = sandbox_state(app.state.settings)
    return state


@dataclass(frozen=True)
class ChannelHealth:
    """One channel: its provider, the last attempt to send and the last error."""

    channel: str
    provider: str
    configured: bool
    sandbox: bool
    last_attempt_at: datetime | None
    last_error: str | None
    last_error_at: datetime | None


def channel_health(session: Session, settings: Settings) -> list[ChannelHealth]:
    """Each channel's provider, its latest attempt and its latest error (newest by id)."""
    rows = []
    for channel in CHANNELS:
        provider = channel_provider(settings, channel)
        latest = session.scalar(
            select(DeliveryAttempt.started_at)
            .where(DeliveryAttempt.channel == channel)
            .order_by(DeliveryAttempt.id.desc())
            .limit(1)
        )
        failed = session.execute(
            select(DeliveryAttempt.error, DeliveryAttempt.started_at)
            .where(DeliveryAttempt.channel == channel, DeliveryAttempt.error.is_not(None))
            .order_by(DeliveryAttempt.id.desc())
            .limit(1)
        ).first()
        rows.append(
            ChannelHealth(
                channel=channel,
                provider=provider,
                configured=channel in settings.channels and provider != "sandbox",
                sandbox=provider == "sandbox",
                last_attempt_at=latest,
                last_error=failed.error if failed else None,
                last_error_at=failed.started_at if failed else None,
            )
        )
    return rows
