"""`[connectors.moneybird]`: the accounting connector's settings, checked at load.

    [connectors.moneybird]
    administration_id = "123456789"
    token_env = "MONEYBIRD_TOKEN"        # the variable that holds the API token
    base_url = "https://moneybird.com/api/v2"   # default
    every_minutes = 15                   # the worker's sync interval (default 15)
    financial_account_id = ""            # optional: book pushed payments on this account
    invoices_since = "2021-01-01"        # optional: oldest invoice date synced
                                         # (default: January 1st five years ago)

The token itself is never in the file: only the name of the variable that holds it,
read when a sync starts (`Secret.reveal`), never logged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from creditflow.config.base import ConfigError, Secret, table, text_value

__all__ = ["MONEYBIRD_BASE_URL", "MoneybirdSettings", "parse_connectors"]

MONEYBIRD_BASE_URL = "https://moneybird.com/api/v2"
_WHERE = "connectors.moneybird"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class MoneybirdSettings:
    """One Moneybird administration to sync with."""

    administration_id: str
    token: Secret
    base_url: str = MONEYBIRD_BASE_URL
    every_minutes: int = 15
    financial_account_id: str | None = None
    invoices_since: date | None = None


def parse_connectors(data: Mapping[str, Any]) -> MoneybirdSettings | None:
    """`[connectors]` with its one connector, `[connectors.moneybird]` (None when absent)."""
    connectors = table(data, "connectors", {"moneybird"})
    if "moneybird" not in connectors:
        return None
    known = {
        "administration_id",
        "token_env",
        "base_url",
        "every_minutes",
        "financial_account_id",
        "invoices_since",
    }
    section = table(connectors, "moneybird", known)
    admin = text_value(section, _WHERE, "administration_id").strip()
    if not admin.isdigit():
        raise ConfigError(
            f"[{_WHERE}] administration_id: expected Moneybird's number, got {admin!r}"
        )
    token_env = text_value(section, _WHERE, "token_env").strip()
    if not _ENV_NAME.match(token_env):
        raise ConfigError(
            f"[{_WHERE}] token_env: expected the name of the variable holding the API token, "
            f"got {token_env!r}"
        )
    base_url = text_value(section, _WHERE, "base_url", MONEYBIRD_BASE_URL).strip().rstrip("/")
    if not base_url.startswith(("https://", "http://")):
        raise ConfigError(f"[{_WHERE}] base_url: expected an http(s) URL, got {base_url!r}")
    every = section.get("every_minutes", 15)
    if isinstance(every, bool) or not isinstance(every, int) or every < 1:
        raise ConfigError(f"[{_WHERE}] every_minutes: expected a whole number >= 1, got {every!r}")
    account = text_value(section, _WHERE, "financial_account_id").strip()
    if account and not account.isdigit():
        raise ConfigError(f"[{_WHERE}] financial_account_id: expected digits, got {account!r}")
    since_text = text_value(section, _WHERE, "invoices_since").strip()
    try:
        since = date.fromisoformat(since_text) if since_text else None
    except ValueError:
        raise ConfigError(
            f"[{_WHERE}] invoices_since: expected a date YYYY-MM-DD, got {since_text!r}"
        ) from None
    return MoneybirdSettings(
        administration_id=admin,
        token=Secret("token", env=token_env),
        base_url=base_url,
        every_minutes=every,
        financial_account_id=account or None,
        invoices_since=since,
    )
