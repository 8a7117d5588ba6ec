"""The operations sections of creditflow.toml: `[staff]`, `[analytics]`, `[schedule]`.

Parsed and checked once, at load, like the sections in `sections.py`; every error
names the section, the key and the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from creditflow.config.base import ConfigError, Secret, secret_value, table, text_value
from creditflow.config.oidc import OidcProvider, parse_oidc

# [staff] ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffSettings:
    """Staff sessions and sign-in lockout, `[staff]` (see docs/staff.md)."""

    idle_minutes: int = 30
    absolute_hours: int = 12
    account_failures: int = 5
    ip_failures: int = 20
    lockout_minutes: int = 15
    oidc: tuple[OidcProvider, ...] = ()  # [staff.oidc.<name>], see config/oidc.py


def parse_staff(data: Mapping[str, Any]) -> StaffSettings:
    """`[staff]`: whole numbers of at least 1, and the `[staff.oidc.<name>]` providers."""
    fields = set(StaffSettings.__dataclass_fields__)
    section = table(data, "staff", fields)
    oidc = parse_oidc(section.pop("oidc", None))
    values: dict[str, int] = {}
    for key, value in section.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"[staff] {key}: expected a whole number >= 1, got {value!r}")
        values[key] = value
    return StaffSettings(**values, oidc=oidc)


# [analytics] ------------------------------------------------------------------------

# Per contact on a channel; a call costs `call_minute` x `call_minutes` (default 3).
ANALYTICS_PRICE_KEYS = (
    "email", "sms", "whatsapp", "letter", "push", "call_minute", "call_minutes",
)  # fmt: skip


@dataclass(frozen=True)
class AnalyticsSettings:
    """Contact prices, `[analytics]`, in the organisation's currency (e.g. sms = "0.08")."""

    prices: Mapping[str, Decimal] = field(default_factory=dict)


def parse_analytics(data: Mapping[str, Any]) -> AnalyticsSettings:
    """`[analytics]`: each price a number of 0 or more, written as text or a number."""
    section = table(data, "analytics", set(ANALYTICS_PRICE_KEYS))
    prices: dict[str, Decimal] = {}
    for key, raw in section.items():
        try:
            value = Decimal(str(raw)) if not isinstance(raw, bool) else Decimal("NaN")
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite() or value < 0:
            raise ConfigError(f"[analytics] {key}: expected an amount of 0 or more, got {raw!r}")
        prices[key] = value
    return AnalyticsSettings(prices=prices)


# [schedule] -------------------------------------------------------------------------

_SCHEDULE_KEYS = {
    "timezone",
    "run_at",
    "letters_at",
    "letters_zip",
    "catch_up_days",
    "retry_minutes",
    "statements_dir",
    "statements_every_seconds",
    "imap_every_minutes",
    "retrain_at",
    "retrain_weekday",
    "statements_sftp",
    "figures_at",
}

AFTER_IMPORT = ("keep", "move", "delete")
_SFTP_KEYS = {
    "host", "port", "username", "password", "password_env", "remote_dir",
    "host_key", "known_hosts", "after_import", "move_to", "every_seconds",
}  # fmt: skip


@dataclass(frozen=True)
class StatementsSftp:
    """`[schedule.statements_sftp]`: an SFTP inbox the worker reads bank statements from."""

    host: str
    username: str
    port: int = 22
    password: Secret = Secret("password")
    remote_dir: str = "."
    host_key: str | None = None
    known_hosts: str | None = None
    after_import: str = "keep"  # keep, move (to `move_to`) or delete
    move_to: str = "imported"
    every: timedelta = timedelta(minutes=5)

    def address(self) -> str:
        """'sftp://bank@host:22/inbox' for messages (never the password)."""
        return f"sftp://{self.username}@{self.host}:{self.port}/{self.remote_dir.lstrip('/')}"


@dataclass(frozen=True)
class ScheduleSettings:
    """When the worker runs each job; a job whose setting is None does not run."""

    zone: ZoneInfo
    run_at: time | None
    letters_at: time | None
    catch_up_days: int
    retry: timedelta
    statements_dir: Path | None
    statements_every: timedelta
    imap_every: timedelta | None
    retrain_at: time | None = None
    retrain_weekday: int = 6  # Monday 0 .. Sunday 6
    statements_sftp: StatementsSftp | None = None
    letters_zip: bool = False  # the letters job also writes <date>/letters.zip
    figures_at: time | None = None  # store the figures (after the collection run)


def _schedule_time(section: Mapping[str, Any], key: str, default: str | None) -> time | None:
    value = section.get(key, default)
    if value in (None, ""):
        return None
    try:
        hours, minutes = str(value).split(":")
        return time(int(hours), int(minutes))
    except ValueError as exc:
        raise ConfigError(f"[schedule] {key}: expected HH:MM (local time), got {value!r}") from exc


def _schedule_number(
    section: Mapping[str, Any], key: str, default: float, low: float, high: float
) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(
            f"[schedule] {key}: expected a number from {low:g} to {high:g}, got {value!r}"
        )
    return float(value)


def parse_schedule(data: Mapping[str, Any]) -> ScheduleSettings | None:
    """The schedule, or None when creditflow.toml has no `[schedule]` section."""
    section = data.get("schedule")
    if section is None:
        return None
    if not isinstance(section, Mapping):
        raise ConfigError("[schedule]: expected a table")
    unknown = set(section) - _SCHEDULE_KEYS
    if unknown:
        raise ConfigError(f"[schedule]: unknown setting(s) {', '.join(sorted(unknown))}")
    zone_name = str(section.get("timezone", "Europe/Amsterdam"))
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"[schedule] timezone: unknown time zone {zone_name!r}") from exc
    folder = section.get("statements_dir")
    imap_minutes = _schedule_number(section, "imap_every_minutes", 5, 0, 1440)
    providers = data.get("providers") or {}
    imap = providers.get("imap") if isinstance(providers, Mapping) else None
    imap_on = isinstance(imap, Mapping) and bool(imap.get("host")) and imap_minutes > 0
    run_at = _schedule_time(section, "run_at", "06:00")
    return ScheduleSettings(
        zone=zone,
        run_at=run_at,
        letters_at=_schedule_time(section, "letters_at", None),
        catch_up_days=int(_schedule_number(section, "catch_up_days", 7, 1, 366)),
        retry=timedelta(minutes=_schedule_number(section, "retry_minutes", 15, 0, 1440)),
        statements_dir=Path(folder) if folder else None,
        statements_every=timedelta(
            seconds=_schedule_number(section, "statements_every_seconds", 60, 1, 86400)
        ),
        imap_every=timedelta(minutes=imap_minutes) if imap_on else None,
        retrain_at=_schedule_time(section, "retrain_at", None),
        retrain_weekday=_weekday(section),
        statements_sftp=parse_statements_sftp(section.get("statements_sftp")),
        letters_zip=_letters_zip(section),
        figures_at=_schedule_time(
            section, "figures_at", None if run_at is None else run_at.strftime("%H:%M")
        ),
    )


def _letters_zip(section: Mapping[str, Any]) -> bool:
    """`letters_zip = true`: the letters job also writes the print shop's ZIP."""
    value = section.get("letters_zip", False)
    if not isinstance(value, bool):
        raise ConfigError(f"[schedule] letters_zip: must be true or false, not {value!r}")
    return value


def parse_statements_sftp(raw: Any) -> StatementsSftp | None:
    """`[schedule.statements_sftp]`, or None when absent; host, user and server key needed."""
    if raw is None:
        return None
    where = "schedule.statements_sftp"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"[{where}]: expected a table of settings, got {raw!r}")
    unknown = sorted(set(raw) - _SFTP_KEYS)
    if unknown:
        raise ConfigError(f"[{where}]: unknown setting(s) {', '.join(unknown)}")
    section = dict(raw)
    host = text_value(section, where, "host").strip()
    if not host:
        raise ConfigError(f"[{where}] host: needed (the SFTP server's name or address)")
    username = text_value(section, where, "username").strip()
    if not username:
        raise ConfigError(f"[{where}] username: needed with host")
    if not section.get("host_key") and not section.get("known_hosts"):
        raise ConfigError(
            f"[{where}] host_key or known_hosts: needed to verify the SFTP server's identity"
        )
    port = section.get("port", 22)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ConfigError(f"[{where}] port: expected a port number (1 to 65535), got {port!r}")
    after = text_value(section, where, "after_import", "keep")
    if after not in AFTER_IMPORT:
        raise ConfigError(
            f"[{where}] after_import: expected one of {', '.join(AFTER_IMPORT)}, got {after!r}"
        )
    move_to = text_value(section, where, "move_to", "imported").strip().rstrip("/")
    if not move_to:
        raise ConfigError(f"[{where}] move_to: expected a folder on the server, got ''")
    every = section.get("every_seconds", 300)
    if isinstance(every, bool) or not isinstance(every, int | float) or not 1 <= every <= 86400:
        raise ConfigError(
            f"[{where}] every_seconds: expected a number from 1 to 86400, got {every!r}"
        )
    return StatementsSftp(
        host=host,
        username=username,
        port=port,
        password=secret_value(section, where, "password"),
        remote_dir=text_value(section, where, "remote_dir", ".").rstrip("/") or "/",
        host_key=text_value(section, where, "host_key") or None,
        known_hosts=text_value(section, where, "known_hosts") or None,
        after_import=after,
        move_to=move_to,
        every=timedelta(seconds=every),
    )


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _weekday(section: Mapping[str, Any]) -> int:
    value = str(section.get("retrain_weekday", "sunday")).lower()
    if value not in WEEKDAYS:
        raise ConfigError(
            f"[schedule] retrain_weekday: expected one of {', '.join(WEEKDAYS)}, got {value!r}"
        )
    return WEEKDAYS.index(value)
