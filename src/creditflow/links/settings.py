"""Link settings, read from the `[portal]` section (where users set them).

| key               | default  | meaning                                            |
|-------------------|----------|----------------------------------------------------|
| link_max_age_days | 30       | how long a portal link stays valid                 |
| short_base_url    | base_url | the address short links (/l/K7QM-4XPD) start with  |
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from creditflow.config import ConfigError, Settings

__all__ = ["LinkSettings", "link_settings"]


@dataclass(frozen=True)
class LinkSettings:
    """How long a portal link lives; where short links start (None: the portal's base URL)."""

    link_max_age_days: float = 30
    short_base_url: str | None = None


def link_settings(settings: Settings) -> LinkSettings:
    """Read the link keys of `[portal]`; errors name the setting."""
    section: dict[str, Any] = dict(settings.raw.get("portal", {}))
    values: dict[str, Any] = {}
    if "link_max_age_days" in section:
        value = section["link_max_age_days"]
        if not isinstance(value, int | float) or value <= 0:
            raise ConfigError(
                f"[portal] link_max_age_days: expected a positive number, got {value!r}"
            )
        values["link_max_age_days"] = value
    if section.get("short_base_url"):
        base = str(section["short_base_url"]).rstrip("/")
        if not base.startswith(("https://", "http://")):
            raise ConfigError(f"[portal] short_base_url: expected an http(s) address, got {base!r}")
        values["short_base_url"] = base
    return LinkSettings(**values)
