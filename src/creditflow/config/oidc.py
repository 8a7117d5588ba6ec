"""`[staff.oidc.<name>]`: the OpenID Connect providers staff may sign in with.

Parsed and checked once, at load, like the other sections; every error names the
section, the key and the reason. The client secret is never in the file: the file
names the environment variable that holds it (`client_secret_env`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from creditflow.config.base import ConfigError, Secret

OIDC_KINDS = ("generic", "google", "entra")
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_KEYS = {"kind", "issuer", "client_id", "client_secret_env", "label", "allowed_domains"}
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# Entra's multi-tenant issuers: a token from any tenant would pass the `iss` check.
_ENTRA_SHARED = {"common", "organizations", "consumers"}


@dataclass(frozen=True)
class OidcProvider:
    """One OpenID Connect provider for staff sign-in (see docs/configuration.md)."""

    name: str  # in the URLs: /workbench/oidc/<name>/start
    kind: str  # generic | google | entra: which claims give the e-mail address
    issuer: str  # discovery at <issuer>/.well-known/openid-configuration
    client_id: str
    client_secret: Secret = field(repr=False)
    label: str  # the button reads "Sign in with <label>"
    allowed_domains: tuple[str, ...] = ()  # empty: any domain of an existing user

    @property
    def discovery_url(self) -> str:
        """Where the provider publishes its OpenID configuration."""
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    def domain_allowed(self, email: str) -> bool:
        """True when the address's domain is allowed (or no domains are configured)."""
        domain = email.rpartition("@")[2].lower()
        return not self.allowed_domains or domain in self.allowed_domains


def _text(section: Mapping[str, Any], where: str, key: str, default: str | None = None) -> str:
    value = section.get(key, default)
    if value is None:
        raise ConfigError(f"[{where}] {key}: required")
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"[{where}] {key}: expected text in quotes, got {value!r}")
    return value.strip()


def _issuer(section: Mapping[str, Any], where: str, kind: str) -> str:
    issuer = _text(section, where, "issuer")
    parts = urlsplit(issuer)
    loopback = parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK
    if not (parts.scheme == "https" or loopback) or not parts.hostname:
        raise ConfigError(
            f"[{where}] issuer: expected an https:// address (http only on loopback), "
            f"got {issuer!r}"
        )
    if parts.query or parts.fragment:
        raise ConfigError(f"[{where}] issuer: no query or fragment allowed, got {issuer!r}")
    if kind == "entra":
        tenant = parts.path.strip("/").split("/")[0].lower()
        if not tenant or tenant in _ENTRA_SHARED:
            raise ConfigError(
                f"[{where}] issuer: Entra ID needs your tenant's issuer "
                f"(https://login.microsoftonline.com/<tenant-id>/v2.0), got {issuer!r}"
            )
    return issuer


def _domains(section: Mapping[str, Any], where: str) -> tuple[str, ...]:
    raw = section.get("allowed_domains", [])
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        raise ConfigError(f"[{where}] allowed_domains: expected a list of domains, got {raw!r}")
    domains = tuple(item.strip().lower().lstrip("@") for item in raw)
    for domain in domains:
        if not _DOMAIN.match(domain):
            raise ConfigError(f"[{where}] allowed_domains: {domain!r} is not a domain name")
    return domains


def parse_provider(name: str, section: Any) -> OidcProvider:
    """One `[staff.oidc.<name>]` table, checked."""
    where = f"staff.oidc.{name}"
    if not _NAME.match(name):
        raise ConfigError(
            f"[{where}]: the name must be 1-32 lower-case letters, digits or '-' "
            "(it is part of the sign-in address)"
        )
    if not isinstance(section, Mapping):
        raise ConfigError(f"[{where}]: expected a table of settings, got {section!r}")
    if "client_secret" in section:
        raise ConfigError(
            f"[{where}] client_secret: never in the file; put the secret in an environment "
            "variable and name it in client_secret_env"
        )
    unknown = sorted(set(section) - _KEYS)
    if unknown:
        raise ConfigError(f"[{where}]: unknown setting(s) {', '.join(unknown)}")
    kind = _text(section, where, "kind", "generic").lower()
    if kind not in OIDC_KINDS:
        raise ConfigError(f"[{where}] kind: expected one of {', '.join(OIDC_KINDS)}, got {kind!r}")
    env = _text(section, where, "client_secret_env")
    if not _ENV_NAME.match(env):
        raise ConfigError(
            f"[{where}] client_secret_env: expected an environment variable name, got {env!r}"
        )
    label = _text(section, where, "label", name)
    if len(label) > 40:
        raise ConfigError(f"[{where}] label: at most 40 characters, got {len(label)}")
    return OidcProvider(
        name=name,
        kind=kind,
        issuer=_issuer(section, where, kind),
        client_id=_text(section, where, "client_id"),
        client_secret=Secret("client_secret", "", env),
        label=label,
        allowed_domains=_domains(section, where),
    )


def parse_oidc(raw: Any) -> tuple[OidcProvider, ...]:
    """Every `[staff.oidc.<name>]` table, in the file's order."""
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise ConfigError(f"[staff.oidc]: expected tables like [staff.oidc.google], got {raw!r}")
    return tuple(parse_provider(str(name), section) for name, section in raw.items())


def check_oidc_secrets(settings: Any, environ: Mapping[str, str] | None = None) -> None:
    """At `serve` start: every provider's client secret variable is set (else exit 2)."""
    for provider in settings.staff.oidc:
        try:
            provider.client_secret.reveal(environ)
        except ConfigError as exc:
            raise ConfigError(
                f"[staff.oidc.{provider.name}] client_secret_env: environment variable "
                f"{provider.client_secret.env} is unset"
            ) from exc
