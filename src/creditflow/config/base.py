"""What every section parser shares: the error, secrets, and checked reads of a table."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ConfigError", "Secret", "bool_value", "secret_value", "table", "text_value"]


class ConfigError(ValueError):
    """The configuration is invalid; the message names the setting."""


@dataclass(frozen=True)
class Secret:
    """A secret given in the file (`key`) or named by variable (`key_env`); never in a repr."""

    name: str
    value: str = field(default="", repr=False)
    env: str = ""

    def __repr__(self) -> str:
        where = f"env={self.env!r}" if self.env else ("set" if self.value else "unset")
        return f"Secret({self.name!r}, {where})"

    def reveal(self, environ: Mapping[str, str] | None = None) -> str:
        """The secret's text ("" when not set); a named variable that is unset is an error."""
        if not self.env:
            return self.value
        value = (os.environ if environ is None else environ).get(self.env, "")
        if not value:
            raise ConfigError(f"{self.name}_env: environment variable {self.env} is unset")
        return value


def table(data: Mapping[str, Any], name: str, known: set[str]) -> dict[str, Any]:
    """The `[name]` table of `data` ({} when absent); keys outside `known` are refused."""
    section = data.get(name) or {}
    if not isinstance(section, Mapping):
        raise ConfigError(f"[{name}]: expected a table of settings, got {section!r}")
    unknown = sorted(set(section) - known)
    if unknown:
        raise ConfigError(f"[{name}]: unknown setting(s) {', '.join(unknown)}")
    return dict(section)


def bool_value(section: Mapping[str, Any], where: str, key: str, default: bool) -> bool:
    """`key` as true or false (not "yes", not 1)."""
    value = section.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"[{where}] {key}: expected true or false, got {value!r}")
    return value


def text_value(section: Mapping[str, Any], where: str, key: str, default: str = "") -> str:
    """`key` as text in quotes."""
    value = section.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"[{where}] {key}: expected text in quotes, got {value!r}")
    return value


def secret_value(section: Mapping[str, Any], where: str, key: str) -> Secret:
    """The secret `key`, given in the file or as `key_env`, the variable that holds it."""
    return Secret(
        key, text_value(section, where, key), text_value(section, where, f"{key}_env").strip()
    )
