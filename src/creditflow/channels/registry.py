"""Build one adapter per channel from configuration; the sandbox is the default.

``channel_config`` maps a channel to ``{"provider": ..., settings...}``, e.g. from
``creditflow.toml``::

    [channels.email]
    provider = "smtp"
    host = "smtp.example.nl"
    port = 587
    security = "starttls"
    username = "reminders@example.nl"
    password_env = "SMTP_PASSWORD"     # a secret may name an environment variable
    from_addr = "Example BV <reminders@example.nl>"

Providers per channel: email smtp; sms, whatsapp and voice twilio; push webhook;
letter print_folder; every channel sandbox.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from creditflow.channels.base import CHANNELS, ChannelAdapter
from creditflow.channels.email_smtp import DkimConfig, SmtpAdapter
from creditflow.channels.push import PushWebhookAdapter
from creditflow.channels.sandbox import PrintFolderAdapter, SandboxAdapter
from creditflow.channels.twilio import TwilioMessagingAdapter, TwilioVoiceAdapter

__all__ = ["PROVIDERS", "build_adapters"]

PROVIDERS: Mapping[str, tuple[str, ...]] = {
    "email": ("sandbox", "smtp"),
    "sms": ("sandbox", "twilio"),
    "whatsapp": ("sandbox", "twilio"),
    "voice": ("sandbox", "twilio"),
    "push": ("sandbox", "webhook"),
    "letter": ("sandbox", "print_folder"),
}
_SECRETS = ("password", "auth_token", "secret", "dkim_private_key_pem")
_SETTINGS: Mapping[str, frozenset[str]] = {
    "sandbox": frozenset({"from_addr"}),
    "smtp": frozenset(
        {
            "host",
            "port",
            "security",
            "username",
            "password",
            "from_addr",
            "reply_to",
            "timeout",
            "max_connections",
            "dkim_selector",
            "dkim_domain",
            "dkim_private_key_pem",
            "dkim_private_key_path",
        }
    ),
    "twilio": frozenset(
        {"account_sid", "auth_token", "from_number", "base_url", "timeout", "machine_detection"}
    ),
    "webhook": frozenset({"url", "secret", "timeout"}),
    "print_folder": frozenset({"folder"}),
}
_DEFAULT_SMTP_PORT = {"starttls": 587, "ssl": 465, "none": 25}


class _Settings:
    """One channel's settings with errors that name the channel and the key."""

    def __init__(self, channel: str, provider: str, values: Mapping[str, Any]) -> None:
        self.channel, self.provider = channel, provider
        self.values = dict(values)
        allowed = _SETTINGS[provider] | {f"{name}_env" for name in _SECRETS}
        unknown = sorted(set(self.values) - allowed - {"provider"})
        if unknown:
            raise ValueError(
                f"channel {channel!r} ({provider}): unknown setting(s) {', '.join(unknown)}"
            )

    def get(self, key: str, default: Any = None) -> Any:
        if key in self.values:
            return self.values[key]
        env_name = self.values.get(f"{key}_env")
        if env_name:
            if env_name not in os.environ:
                raise ValueError(
                    f"channel {self.channel!r}: environment variable {env_name} "
                    f"(from {key}_env) is not set"
                )
            return os.environ[env_name]
        return default

    def require(self, key: str) -> Any:
        value = self.get(key)
        if value in (None, ""):
            raise ValueError(
                f"channel {self.channel!r} ({self.provider}): setting {key!r} is required"
            )
        return value

    def number(self, key: str, default: float) -> float:
        value = self.get(key, default)
        try:
            return float(value)
        except (TypeError, ValueError):
            raise ValueError(f"channel {self.channel!r}: {key} {value!r} is not a number") from None


def _dkim(s: _Settings) -> DkimConfig | None:
    selector, domain = s.get("dkim_selector"), s.get("dkim_domain")
    pem = s.get("dkim_private_key_pem")
    path = s.get("dkim_private_key_path")
    if not (selector or domain or pem or path):
        return None
    if path and not pem:
        pem = Path(path).read_bytes()
    if not (selector and domain and pem):
        raise ValueError(
            f"channel {s.channel!r}: DKIM needs dkim_selector, dkim_domain and a private key"
        )
    key = pem.encode("ascii") if isinstance(pem, str) else pem
    return DkimConfig(selector=str(selector), domain=str(domain), private_key_pem=key)


def _smtp(s: _Settings) -> ChannelAdapter:
    security = s.get("security", "starttls")
    return SmtpAdapter(
        s.require("host"),
        int(s.get("port", _DEFAULT_SMTP_PORT.get(security, 587))),
        security,
        s.get("username"),
        s.get("password"),
        from_addr=s.require("from_addr"),
        timeout=s.number("timeout", 30.0),
        reply_to=s.get("reply_to"),
        dkim=_dkim(s),
        max_connections=int(s.number("max_connections", 4)),
    )


def _twilio(s: _Settings) -> ChannelAdapter:
    common: dict[str, Any] = {
        "account_sid": s.require("account_sid"),
        "auth_token": s.require("auth_token"),
        "from_number": s.require("from_number"),
        "base_url": s.get("base_url", "https://api.twilio.com"),
        "timeout": s.number("timeout", 15.0),
    }
    if s.channel == "voice":
        return TwilioVoiceAdapter(
            **common, machine_detection=s.get("machine_detection", "DetectMessageEnd")
        )
    if "machine_detection" in s.values:
        raise ValueError(f"channel {s.channel!r}: machine_detection applies to voice only")
    return TwilioMessagingAdapter(**common, whatsapp=s.channel == "whatsapp")


def _webhook(s: _Settings) -> ChannelAdapter:
    return PushWebhookAdapter(
        s.require("url"), s.require("secret"), timeout=s.number("timeout", 10.0)
    )


def _print_folder(s: _Settings) -> ChannelAdapter:
    return PrintFolderAdapter(Path(s.require("folder")))


_FACTORIES: Mapping[str, Callable[[_Settings], ChannelAdapter]] = {
    "smtp": _smtp,
    "twilio": _twilio,
    "webhook": _webhook,
    "print_folder": _print_folder,
}


def build_adapters(
    channel_config: Mapping[str, Mapping[str, Any]], outbox_dir: Path
) -> dict[str, ChannelAdapter]:
    """One adapter per channel; a channel without configuration gets the sandbox adapter."""
    unknown = sorted(set(channel_config) - set(CHANNELS))
    if unknown:
        raise ValueError(
            f"unknown channel(s) {', '.join(unknown)} in channel configuration "
            f"(known: {', '.join(CHANNELS)})"
        )
    adapters: dict[str, ChannelAdapter] = {}
    for channel in CHANNELS:
        config = channel_config.get(channel) or {}
        provider = str(config.get("provider", "sandbox"))
        if provider not in PROVIDERS[channel]:
            raise ValueError(
                f"channel {channel!r}: unknown provider {provider!r} "
                f"(choose from {', '.join(PROVIDERS[channel])})"
            )
        settings = _Settings(channel, provider, config)
        if provider == "sandbox":
            from_addr = settings.get("from_addr") or "creditflow@sandbox.invalid"
            adapters[channel] = SandboxAdapter(channel, outbox_dir, from_addr=from_addr)
        else:
            adapters[channel] = _FACTORIES[provider](settings)
    return adapters
