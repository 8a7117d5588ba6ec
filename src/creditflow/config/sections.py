"""Typed sections of creditflow.toml, each parsed and checked once by `load_settings`.

`[dispatch]`, `[llm]`, `[handover]`, `[payments]`, `[portal]`, `[serve]` and `[email]`:
one frozen dataclass per section, one parser that names the section, the key and the
reason of a wrong value (ConfigError). Keys and defaults are those of
docs/configuration.md and the area modules that document them (`dispatch/retry.py`,
`messages/llm.py`, `compliance/handover.py`, `portal/policy.py`). Secrets are kept in
`Secret`, resolved when used and never shown in a repr.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from creditflow.config.base import ConfigError, Secret, bool_value, secret_value, table, text_value
from creditflow.money import InvalidAmount, parse_amount

__all__ = [
    "DEFAULT_MAX_CHARS",
    "DEFAULT_SMS_SEGMENTS",
    "PAYMENT_PROVIDERS",
    "PERSONALISABLE_CHANNELS",
    "ConfigError",
    "DispatchPolicy",
    "EmailSettings",
    "HandoverSettings",
    "LlmSettings",
    "PaymentsSettings",
    "PortalPolicy",
    "Secret",
    "ServeSettings",
    "parse_dispatch",
    "parse_email",
    "parse_handover",
    "parse_llm",
    "parse_payments",
    "parse_portal",
    "parse_serve",
]


# [dispatch] -------------------------------------------------------------------------


@dataclass(frozen=True)
class DispatchPolicy:
    """How dispatch retries, fails over and claims work (`[dispatch]`, dispatch/retry.py)."""

    retry_base_seconds: float = 60.0
    retry_factor: float = 2.0
    max_attempts: int = 5
    retry_jitter: float = 0.2
    claim_timeout_seconds: float = 300.0
    batch_size: int = 100
    send_concurrency: int = 8

    def __post_init__(self) -> None:
        if self.retry_base_seconds < 0:
            raise ConfigError("[dispatch] retry_base_seconds: must not be negative")
        if self.retry_factor < 1:
            raise ConfigError("[dispatch] retry_factor: must be at least 1")
        if self.max_attempts < 1:
            raise ConfigError("[dispatch] max_attempts: must be at least 1")
        if not 0 <= self.retry_jitter < 1:
            raise ConfigError("[dispatch] retry_jitter: must be in [0, 1)")
        if self.claim_timeout_seconds <= 0:
            raise ConfigError("[dispatch] claim_timeout_seconds: must be positive")
        if self.batch_size < 1:
            raise ConfigError("[dispatch] batch_size: must be at least 1")
        if self.send_concurrency < 1:
            raise ConfigError("[dispatch] send_concurrency: must be at least 1")


_DISPATCH_INTEGERS = ("max_attempts", "batch_size", "send_concurrency")


def parse_dispatch(data: Mapping[str, Any]) -> DispatchPolicy:
    """`[dispatch]`: numbers (or numbers in quotes); unknown keys refused by name."""
    values = table(data, "dispatch", set(DispatchPolicy.__dataclass_fields__))
    typed: dict[str, Any] = {}
    for key, value in values.items():
        try:
            if isinstance(value, bool):
                raise ValueError
            typed[key] = int(value) if key in _DISPATCH_INTEGERS else float(value)
        except (TypeError, ValueError):
            raise ConfigError(f"[dispatch] {key}: {value!r} is not a number") from None
    return DispatchPolicy(**typed)


# [llm] ------------------------------------------------------------------------------

# Channels whose message is one plain text (email keeps its HTML layout, a letter its
# PDF, a robocall its script); conversation answers go out on these.
PERSONALISABLE_CHANNELS = ("sms", "whatsapp", "push")
# Longest text accepted per channel; an SMS must also fit in `sms_max_segments`.
DEFAULT_MAX_CHARS: Mapping[str, int] = {
    "sms": 306,
    "whatsapp": 1000,
    "push": 240,
    "email": 2000,
    "chat": 1000,
}
DEFAULT_SMS_SEGMENTS = 2


@dataclass(frozen=True)
class LlmSettings:
    """The `[llm]` section: endpoint, model and limits (the key stays in the environment)."""

    enabled: bool = False
    base_url: str = ""
    model: str = ""
    api_key_env: str = ""
    timeout_seconds: float = 10.0
    temperature: float = 0.3
    max_chars: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_MAX_CHARS))
    channels: tuple[str, ...] = PERSONALISABLE_CHANNELS
    replies: bool = True
    sms_max_segments: int = DEFAULT_SMS_SEGMENTS


def _number(section: Mapping[str, Any], key: str, default: float, low: float, high: float) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(f"[llm] {key}: expected a number from {low} to {high}, got {value!r}")
    return float(value)


def _max_chars(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"[llm] max_chars: expected a table of channel = number, got {value!r}")
    limits = dict(DEFAULT_MAX_CHARS)
    for channel, limit in value.items():
        if channel not in DEFAULT_MAX_CHARS:
            raise ConfigError(
                f"[llm] max_chars.{channel}: unknown channel; "
                f"expected one of {', '.join(DEFAULT_MAX_CHARS)}"
            )
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 20:
            raise ConfigError(f"[llm] max_chars.{channel}: expected a number >= 20, got {limit!r}")
        limits[channel] = limit
    return limits


def parse_llm(data: Mapping[str, Any]) -> LlmSettings:
    """`[llm]`; absent means disabled. The endpoint and model are needed when enabled."""
    section = table(data, "llm", set(LlmSettings.__dataclass_fields__))
    channels = section.get("channels", PERSONALISABLE_CHANNELS)
    if isinstance(channels, str) or not isinstance(channels, list | tuple):
        raise ConfigError(f'[llm] channels: expected a list like ["sms"], got {channels!r}')
    wrong = [c for c in channels if c not in PERSONALISABLE_CHANNELS]
    if wrong:
        raise ConfigError(
            f"[llm] channels: {', '.join(map(str, wrong))} cannot be reworded; "
            f"expected some of {', '.join(PERSONALISABLE_CHANNELS)}"
        )
    config = LlmSettings(
        enabled=bool_value(section, "llm", "enabled", False),
        base_url=str(section.get("base_url", "")).rstrip("/"),
        model=str(section.get("model", "")),
        api_key_env=str(section.get("api_key_env", "")),
        timeout_seconds=_number(section, "timeout_seconds", 10.0, 0.05, 300.0),
        temperature=_number(section, "temperature", 0.3, 0.0, 2.0),
        max_chars=_max_chars(section.get("max_chars", {})),
        channels=tuple(channels),
        replies=bool_value(section, "llm", "replies", True),
        sms_max_segments=int(_number(section, "sms_max_segments", DEFAULT_SMS_SEGMENTS, 1, 10)),
    )
    if config.enabled:
        if not config.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"[llm] base_url: expected an http(s) URL, got {config.base_url!r}")
        if not config.model:
            raise ConfigError("[llm] model: required when [llm] enabled = true")
    return config


# [handover] -------------------------------------------------------------------------


@dataclass(frozen=True)
class HandoverSettings:
    """`[handover]`: a folder (default `<outbox_dir>/handover`), or an SFTP server."""

    folder: Path | None = None
    sftp_host: str | None = None
    sftp_port: int = 22
    username: str = ""
    password: Secret = Secret("password")
    remote_dir: str = "."
    host_key: str | None = None
    known_hosts: str | None = None


_HANDOVER_KEYS = {
    "folder",
    "sftp_host",
    "sftp_port",
    "username",
    "password",
    "password_env",
    "remote_dir",
    "host_key",
    "known_hosts",
}


def parse_handover(data: Mapping[str, Any]) -> HandoverSettings:
    """`[handover]`; with `sftp_host` a user name and the server's key are needed."""
    section = table(data, "handover", _HANDOVER_KEYS)
    folder = text_value(section, "handover", "folder")
    host = text_value(section, "handover", "sftp_host").strip() or None
    if host is None:
        return HandoverSettings(folder=Path(folder) if folder else None)
    if not text_value(section, "handover", "username"):
        raise ConfigError("[handover] username: needed with sftp_host")
    if not section.get("host_key") and not section.get("known_hosts"):
        raise ConfigError(
            "[handover] host_key or known_hosts: needed to verify the SFTP server's identity"
        )
    port = section.get("sftp_port", 22)
    try:
        if isinstance(port, bool) or not 0 < int(port) < 65536:
            raise ValueError
    except (TypeError, ValueError):
        raise ConfigError(f"[handover] sftp_port: not a port number: {port!r}") from None
    return HandoverSettings(
        folder=Path(folder) if folder else None,
        sftp_host=host,
        sftp_port=int(port),
        username=text_value(section, "handover", "username"),
        password=secret_value(section, "handover", "password"),
        remote_dir=text_value(section, "handover", "remote_dir", ".").rstrip("/") or "/",
        host_key=text_value(section, "handover", "host_key") or None,
        known_hosts=text_value(section, "handover", "known_hosts") or None,
    )


# [payments] -------------------------------------------------------------------------

PAYMENT_PROVIDERS = ("sandbox", "mollie", "tikkie")


@dataclass(frozen=True)
class PaymentsSettings:
    """`[payments]`: the provider the pay page uses (None: bank details only), link life."""

    provider: str | None = None
    link_days: float = 30.0


def parse_payments(data: Mapping[str, Any]) -> PaymentsSettings:
    """`[payments]`; a provider other than the sandbox needs its `[providers.<name>]`."""
    section = table(data, "payments", {"provider", "link_days"})
    provider = section.get("provider")
    if provider is not None and provider != "":
        if provider not in PAYMENT_PROVIDERS:
            raise ConfigError(
                f"[payments] provider: {provider!r} is not one of {', '.join(PAYMENT_PROVIDERS)}"
            )
        providers = data.get("providers") or {}
        if provider != "sandbox" and provider not in providers:
            raise ConfigError(
                f"[payments] provider: {provider!r} has no [providers.{provider}] section"
            )
    days = section.get("link_days", 30)
    if isinstance(days, bool) or not isinstance(days, int | float) or days <= 0:
        raise ConfigError(f"[payments] link_days: expected a positive number, got {days!r}")
    return PaymentsSettings(provider=str(provider) if provider else None, link_days=float(days))


# [portal] ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PortalPolicy:
    """The limits of self-service, `[portal]` (the keys are listed in portal/policy.py)."""

    max_promise_days: int = 14
    plan_min_installment: Decimal = Decimal("25.00")
    plan_max_months: int = 6
    plan_first_due_days: int = 7
    plan_reminder_days: int = 3
    link_max_age_days: float = 30
    invoice_pdf_dir: Path | None = None
    rate_capacity: int = 30
    rate_per_minute: float = 30
    code_rate_capacity: int = 5
    code_rate_per_minute: float = 2
    short_base_url: str | None = None
    short_rate_capacity: int = 10
    short_rate_per_minute: float = 6


_PORTAL_INTEGERS = (
    "max_promise_days",
    "plan_max_months",
    "plan_first_due_days",
    "plan_reminder_days",
    "rate_capacity",
    "code_rate_capacity",
    "short_rate_capacity",
)
_PORTAL_RATES = (
    "link_max_age_days",
    "rate_per_minute",
    "code_rate_per_minute",
    "short_rate_per_minute",
)
# Read into Settings itself: the portal's address and the link key.
_PORTAL_ADDRESS = {"base_url", "secret_key"}


def parse_portal(data: Mapping[str, Any]) -> PortalPolicy:
    """`[portal]`: whole numbers >= 1, positive rates, an amount and two addresses."""
    known = set(PortalPolicy.__dataclass_fields__) | _PORTAL_ADDRESS
    section = table(data, "portal", known)
    values: dict[str, Any] = {}
    for key in _PORTAL_INTEGERS:
        if key in section:
            value = section[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"[portal] {key}: expected a whole number >= 1, got {value!r}")
            values[key] = value
    for key in _PORTAL_RATES:
        if key in section:
            value = section[key]
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise ConfigError(f"[portal] {key}: expected a positive number, got {value!r}")
            values[key] = value
    if "plan_min_installment" in section:
        try:
            values["plan_min_installment"] = parse_amount(str(section["plan_min_installment"]))
        except InvalidAmount as exc:
            raise ConfigError(f"[portal] plan_min_installment: {exc}") from exc
    for key in ("base_url", "short_base_url"):
        if section.get(key):
            base = str(section[key]).rstrip("/")
            if not base.startswith(("https://", "http://")):
                raise ConfigError(f"[portal] {key}: expected an http(s) address, got {base!r}")
            if key == "short_base_url":
                values[key] = base
    if section.get("invoice_pdf_dir"):
        values["invoice_pdf_dir"] = Path(str(section["invoice_pdf_dir"]))
    return PortalPolicy(**values)


# [serve] and [email] ----------------------------------------------------------------


@dataclass(frozen=True)
class ServeSettings:
    """`[serve]`: send login codes, confirmations and thanks right after the request."""

    send_at_once: bool = True


def parse_serve(data: Mapping[str, Any]) -> ServeSettings:
    """`[serve]`: `send_at_once` (true)."""
    section = table(data, "serve", {"send_at_once"})
    return ServeSettings(send_at_once=bool_value(section, "serve", "send_at_once", True))


@dataclass(frozen=True)
class EmailSettings:
    """`[email]`: the token bounce reports carry (`X-Creditflow-Token`)."""

    bounce_token: Secret = Secret("bounce_token")


def parse_email(data: Mapping[str, Any]) -> EmailSettings:
    """`[email]`: `bounce_token` or `bounce_token_env`."""
    section = table(data, "email", {"bounce_token", "bounce_token_env"})
    return EmailSettings(bounce_token=secret_value(section, "email", "bounce_token"))


# [staff] ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffSettings:
    """Staff sessions and sign-in lockout, `[staff]` (see docs/staff.md)."""

    idle_minutes: int = 30
    absolute_hours: int = 12
    account_failures: int = 5
    ip_failures: int = 20
    lockout_minutes: int = 15


def parse_staff(data: Mapping[str, Any]) -> StaffSettings:
    """`[staff]`: whole numbers of at least 1."""
    fields = set(StaffSettings.__dataclass_fields__)
    section = table(data, "staff", fields)
    values: dict[str, int] = {}
    for key, value in section.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"[staff] {key}: expected a whole number >= 1, got {value!r}")
        values[key] = value
    return StaffSettings(**values)
