"""Build the payment providers from configuration; none is on unless configured.

    [payments]
    provider = "mollie"             # the one the pay page uses; "sandbox" for tests and demos
                                    # (checked at load: settings.payments)

    [providers.mollie]
    api_key_env = "MOLLIE_API_KEY"

    [providers.tikkie]
    api_key_env = "TIKKIE_API_KEY"
    app_token_env = "TIKKIE_APP_TOKEN"

Every provider that is configured is built, so webhooks for payments started before
a switch of provider are still handled. The sandbox lets anyone with a pay link mark
invoices paid, so it is built only when named (`provider = "sandbox"`, or a
`[providers.sandbox]` section); without a provider the pay page shows the bank
transfer details only. Other sections under [providers] are left to
the areas they belong to.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from creditflow.config import ConfigError, Settings, secret_from
from creditflow.config.sections import PAYMENT_PROVIDERS
from creditflow.payments.providers.base import PaymentProvider
from creditflow.payments.providers.mollie import DEFAULT_BASE_URL as MOLLIE_URL
from creditflow.payments.providers.mollie import MollieProvider
from creditflow.payments.providers.sandbox import SandboxProvider
from creditflow.payments.providers.tikkie import DEFAULT_BASE_URL as TIKKIE_URL
from creditflow.payments.providers.tikkie import TikkieProvider

__all__ = ["PROVIDER_NAMES", "build_providers", "sandbox_enabled"]

PROVIDER_NAMES = PAYMENT_PROVIDERS
_ALLOWED = {
    "sandbox": frozenset(),
    "mollie": frozenset({"api_key", "api_key_env", "base_url", "api", "methods", "timeout"}),
    "tikkie": frozenset(
        {"api_key", "api_key_env", "app_token", "app_token_env", "base_url", "timeout"}
    ),
}


def sandbox_enabled(settings: Settings) -> bool:
    """True when the sandbox provider was asked for by name (it is never on by default)."""
    return settings.payments.provider == "sandbox" or "sandbox" in settings.providers


def _section(settings: Settings, name: str) -> dict[str, Any]:
    section = settings.providers.get(name) or {}
    if not isinstance(section, dict):
        raise ConfigError(f"[providers.{name}]: expected a table")
    unknown = sorted(set(section) - _ALLOWED[name])
    if unknown:
        raise ConfigError(f"[providers.{name}]: unknown setting(s) {', '.join(unknown)}")
    return section


def build_providers(
    settings: Settings, sessions: sessionmaker[Session], environ: dict[str, str] | None = None
) -> dict[str, PaymentProvider]:
    """Every configured provider, by name (the sandbox only when named)."""
    providers: dict[str, PaymentProvider] = {}
    if sandbox_enabled(settings):
        _section(settings, "sandbox")
        providers["sandbox"] = SandboxProvider(sessions, settings.portal_base_url)
    if "mollie" in settings.providers:
        section = _section(settings, "mollie")
        providers["mollie"] = MollieProvider(
            secret_from(section, "api_key", environ),
            base_url=str(section.get("base_url", MOLLIE_URL)),
            api=str(section.get("api", "payments")),
            methods=section.get("methods"),
            timeout=float(section.get("timeout", 10.0)),
        )
    if "tikkie" in settings.providers:
        section = _section(settings, "tikkie")
        providers["tikkie"] = TikkieProvider(
            secret_from(section, "api_key", environ),
            secret_from(section, "app_token", environ),
            base_url=str(section.get("base_url", TIKKIE_URL)),
            timeout=float(section.get("timeout", 10.0)),
        )
    return providers
