"""The pure core of staff access: roles, permissions, API key scopes, lockout, expiry.

No database, clock or network here: every function takes the time it needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from creditflow.config.operations import StaffSettings

ROLES = ("admin", "manager", "collector", "viewer")
SCOPES = ("read", "write")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# What each permission lets a holder do (docs/staff.md shows this table).
PERMISSIONS: dict[str, str] = {
    "read": "see customers, invoices, actions and the workbench (GET)",
    "write": "change things through the API or the workbench (everything not GET)",
    "work_customers": "log calls, notes and promises; pause; send a template now",
    "decide": "approve or reject plans, resolve disputes, hand over, do-not-contact",
    "manage_strategy": "upload, dry-run and activate strategies",
    "manage_staff": "add users, create and revoke API keys, change settings",
}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(PERMISSIONS),
    "manager": frozenset({"read", "write", "work_customers", "decide", "manage_strategy"}),
    "collector": frozenset({"read", "write", "work_customers"}),
    "viewer": frozenset({"read"}),
}

SCOPE_PERMISSIONS: dict[str, frozenset[str]] = {
    "read": frozenset({"read"}),
    "write": frozenset({"read", "write"}),
}


def role_may(role: str, permission: str) -> bool:
    """True when a user of this role holds the permission (unknown roles hold none)."""
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def scope_may(scope: str, permission: str) -> bool:
    """True when an API key of this scope holds the permission."""
    return permission in SCOPE_PERMISSIONS.get(scope, frozenset())


def permission_for_method(method: str) -> str:
    """The permission a request needs by its HTTP method: GET reads, the rest writes."""
    return "read" if method.upper() in SAFE_METHODS else "write"


# Session lifetimes and lockout limits: the `[staff]` section, checked at load.
AccessPolicy = StaffSettings


def session_expired(
    created_at: datetime, last_seen_at: datetime, now: datetime, policy: AccessPolicy
) -> bool:
    """True when a session sat idle too long or lived past its absolute limit."""
    idle = now - last_seen_at >= timedelta(minutes=policy.idle_minutes)
    too_old = now - created_at >= timedelta(hours=policy.absolute_hours)
    return idle or too_old


def locked_until(
    failures: Iterable[datetime], now: datetime, limit: int, window: timedelta
) -> datetime | None:
    """When a lockout ends, None when not locked.

    Locked while `limit` or more failures lie in the window before `now`; it ends when
    the oldest of the latest `limit` failures leaves the window.
    """
    recent = sorted(at for at in failures if now - window < at <= now)
    if limit <= 0 or len(recent) < limit:
        return None
    return recent[-limit] + window


COMMON_PASSWORDS = frozenset(
    {
        "password1234",
        "welkom123456",
        "wachtwoord123",
        "123456789012",
        "qwertyuiop12",
        "letmein12345",
        "administrator",
        "passwordpassword",
        "changeme1234",
    }
)
MIN_PASSWORD_LENGTH = 12


def password_problem(password: str, email: str) -> str | None:
    """Why a password is too weak, None when it is acceptable."""
    if not password.strip():
        return "the password is empty"
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password is shorter than {MIN_PASSWORD_LENGTH} characters"
    if len(set(password)) < 5:
        return "the password repeats too few different characters"
    lowered = password.lower()
    if lowered in COMMON_PASSWORDS:
        return "the password is a well-known one"
    local = email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in lowered:
        return "the password contains the e-mail address"
    return None
