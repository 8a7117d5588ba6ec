"""Hashing of staff secrets: argon2id passwords, API keys and session tokens.

Passwords are low-entropy, so they get argon2id (slow on purpose). API keys and
session tokens are 256-bit random values: a SHA-256 digest is enough to keep a stolen
database from yielding usable keys, and stays cheap on every request. An API key
starts with a public id (`cfk_<id>_`) so it is looked up by that id and then compared
in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime
from functools import lru_cache

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

KEY_PREFIX = "cfk"
KEY_ID_LENGTH = 8


@lru_cache(maxsize=1)
def hasher() -> PasswordHasher:
    """The argon2id hasher with the library's recommended (RFC 9106 low-memory) profile."""
    return PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of the password (salted, with its parameters)."""
    return hasher().hash(password)


def verify_password(stored: str, password: str) -> bool:
    """True when the password matches the stored argon2 hash."""
    try:
        return hasher().verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when the stored hash was made with weaker parameters than today's."""
    return hasher().check_needs_rehash(stored)


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash to verify against when the account does not exist (same time either way)."""
    return hash_password(secrets.token_urlsafe(16))


def digest(secret: str) -> str:
    """SHA-256 hex digest of a high-entropy secret (API key, session token)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_api_key() -> tuple[str, str]:
    """A fresh API key and its public id: (`cfk_<id>_<secret>`, `<id>`)."""
    key_id = secrets.token_hex(KEY_ID_LENGTH // 2)
    return f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}", key_id


def api_key_id(key: str) -> str | None:
    """The public id of a presented key, None when it is not shaped like one of ours."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != KEY_ID_LENGTH:
        return None
    if not all(c in "0123456789abcdef" for c in parts[1]) or len(parts[2]) < 20:
        return None
    return parts[1]


def same_digest(stored: str, presented: str) -> bool:
    """Constant-time comparison of a stored digest with the digest of what was presented."""
    return hmac.compare_digest(stored.encode("ascii"), digest(presented).encode("ascii"))


def new_token() -> str:
    """A fresh random token (session id, CSRF value)."""
    return secrets.token_urlsafe(32)


def new_totp_secret() -> str:
    """A fresh TOTP secret (base32, 160 bits) for an authenticator app."""
    return pyotp.random_base32(32)


def totp_uri(secret: str, email: str) -> str:
    """The otpauth:// address an authenticator app reads (as text or a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name="creditflow")


def totp_step(secret: str, code: str, now: datetime, used: int | None) -> int | None:
    """The 30-second step a 6-digit code belongs to (now, or one step either side).

    None when the code is wrong, or belongs to a step at or before `used` (the last
    accepted one): a code works once.
    """
    code = code.replace(" ", "").strip()
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and (used is None or step > used):
            return step
    return None
