"""One-time set-up links: a new user chooses their own first password.

The link carries the user's id, an expiry and an HMAC (the installation's link secret)
over those and the user's current password hash. Setting the password changes the
hash, so the link works once; no table holds it. Pure: no database, no clock.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

SETUP_LINK_HOURS = 72
SETUP_PATH = "/workbench/setup"


def _mac(secret: str, user_id: int, email: str, password_hash: str, expires: int) -> str:
    message = f"creditflow.staff.setup|{user_id}|{email}|{password_hash}|{expires}"
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def setup_token(secret: str, user_id: int, email: str, password_hash: str, now: datetime) -> str:
    """The token of a set-up link, valid SETUP_LINK_HOURS from `now` and until used."""
    expires = int((now + timedelta(hours=SETUP_LINK_HOURS)).timestamp())
    return f"{user_id}.{expires}.{_mac(secret, user_id, email, password_hash, expires)}"


def token_user_id(token: str) -> int | None:
    """The user id a token names, None when it is not shaped like a set-up token."""
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or len(parts[2]) != 64:
        return None
    return int(parts[0])


def token_valid(
    secret: str, token: str, user_id: int, email: str, password_hash: str, now: datetime
) -> bool:
    """True when the token is ours, for this user as they are now, and not expired."""
    parts = token.split(".")
    if token_user_id(token) != user_id:
        return False
    expires = int(parts[1])
    if datetime.fromtimestamp(expires, UTC) <= now:
        return False
    expected = _mac(secret, user_id, email, password_hash, expires)
    return hmac.compare_digest(expected, parts[2])
