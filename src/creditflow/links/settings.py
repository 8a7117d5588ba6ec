"""Link settings, read from the `[portal]` section (where users set them).

| key               | default  | meaning                                            |
|-------------------|----------|----------------------------------------------------|
| link_max_age_days | 30       | how long a portal link stays valid                 |
| short_base_url    | base_url | the address short links (/l/K7QM-4XPD) start with  |
"""

from __future__ import annotations

from dataclasses import dataclass

from creditflow.config import Settings

__all__ = ["LinkSettings", "link_settings"]


@dataclass(frozen=True)
class LinkSettings:
    """How long a portal link lives; where short links start (None: the portal's base URL)."""

    link_max_age_days: float = 30
    short_base_url: str | None = None


def link_settings(settings: Settings) -> LinkSettings:
    """The link keys of `[portal]` (parsed and checked once, at load)."""
    return LinkSettings(
        link_max_age_days=settings.portal.link_max_age_days,
        short_base_url=settings.portal.short_base_url,
    )
