"""Signed, expiring links scoped to one customer (DESIGN invariant 8).

A token is an itsdangerous URL-safe timed signature over the customer's external id
(and optionally the action that sent the link). Each purpose ("portal", "pay", ...)
signs with its own salt, so a token made for one purpose never opens another. The
key comes from `ledger.service.link_secret(session, settings)`.

    token = make_customer_token(secret, "C001", purpose="pay", action_id="a1b2")
    claims = read_customer_token(secret, token, purpose="pay")   # or LinkError
    require_customer(claims, "C001")                             # or LinkError
    url = pay_url(settings.portal_base_url, token)               # .../p/<token>
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from itsdangerous import BadData, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

__all__ = [
    "DEFAULT_MAX_AGE_DAYS",
    "LinkError",
    "TokenClaims",
    "make_customer_token",
    "pay_url",
    "read_customer_token",
    "read_token_for_any",
    "require_customer",
]

DEFAULT_MAX_AGE_DAYS = 30
_PURPOSE = re.compile(r"^[a-z][a-z0-9_.-]{0,31}$")
_SALT_PREFIX = "creditflow.link."


class LinkError(ValueError):
    """A link token was refused; `reason` is expired, forged, wrong_purpose or other_customer."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class TokenClaims:
    """What a valid token proves: which customer, which action sent it, when it was made."""

    customer_id: str
    action_id: str | None
    issued_at: datetime
    purpose: str = "portal"


class _ClockSigner(TimestampSigner):
    """A timestamp signer whose clock can be fixed (tests and batch jobs pass `now`)."""

    def __init__(self, *args: Any, now: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._now = now

    def get_timestamp(self) -> int:
        """Seconds since the epoch: the given `now`, else the wall clock."""
        if self._now is None:
            return super().get_timestamp()
        return int(self._now.timestamp())


def _check_purpose(purpose: str) -> str:
    if not _PURPOSE.match(purpose or ""):
        raise ValueError(f"purpose {purpose!r}: use lower-case letters, digits, '_', '-' or '.'")
    return purpose


def _serializer(secret: str, purpose: str, now: datetime | None) -> URLSafeTimedSerializer:
    if not secret:
        raise ValueError("secret is empty: links cannot be signed without a key")
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return URLSafeTimedSerializer(
        secret,
        salt=_SALT_PREFIX + _check_purpose(purpose),
        signer=_ClockSigner,
        signer_kwargs={"now": now},
    )


def make_customer_token(
    secret: str,
    customer_id: str,
    purpose: str = "portal",
    action_id: str | None = None,
    *,
    now: datetime | None = None,
) -> str:
    """A URL-safe token that proves `customer_id` (and the sending action) for `purpose`."""
    if not customer_id:
        raise ValueError("customer_id is empty")
    payload: dict[str, str] = {"c": customer_id, "p": purpose}
    if action_id:
        payload["a"] = action_id
    return str(_serializer(secret, purpose, now).dumps(payload))


def read_customer_token(
    secret: str,
    token: str,
    purpose: str = "portal",
    max_age_days: float = DEFAULT_MAX_AGE_DAYS,
    *,
    now: datetime | None = None,
) -> TokenClaims:
    """Verify a token for `purpose` and return its claims; LinkError says why it is refused."""
    max_age = int(max_age_days * 86400)
    try:
        payload, issued_at = _serializer(secret, purpose, now).loads(
            token, max_age=max_age, return_timestamp=True
        )
    except SignatureExpired as exc:
        raise LinkError("expired", f"the link expired (valid for {max_age_days:g} days)") from exc
    except BadData as exc:
        if _genuine_for_other_purpose(secret, token, purpose):
            raise LinkError("wrong_purpose", f"the link is not meant for {purpose}") from exc
        raise LinkError("forged", "the link's signature is not valid") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("c"), str):
        raise LinkError("forged", "the link carries no customer")
    if payload.get("p") != purpose:
        raise LinkError("wrong_purpose", f"the link is not meant for {purpose}")
    action = payload.get("a")
    return TokenClaims(
        customer_id=payload["c"],
        action_id=action if isinstance(action, str) else None,
        issued_at=issued_at.astimezone(UTC),
        purpose=purpose,
    )


def read_token_for_any(
    secret: str,
    token: str,
    purposes: tuple[str, ...],
    max_age_days: float = DEFAULT_MAX_AGE_DAYS,
    *,
    now: datetime | None = None,
) -> TokenClaims:
    """Verify a token made for any of `purposes` (e.g. the pay page takes "pay" and "portal")."""
    if not purposes:
        raise ValueError("purposes is empty")
    refusal: LinkError | None = None
    for purpose in purposes:
        try:
            return read_customer_token(secret, token, purpose, max_age_days, now=now)
        except LinkError as exc:
            if exc.reason != "wrong_purpose":
                raise
            refusal = exc
    assert refusal is not None
    raise refusal


def _genuine_for_other_purpose(secret: str, token: str, purpose: str) -> bool:
    """True when the token is validly signed, but for a different purpose than asked."""
    serializer = URLSafeTimedSerializer(secret, salt=_SALT_PREFIX + purpose)
    try:
        _, unverified = serializer.loads_unsafe(token)
    except Exception:  # noqa: BLE001 - any garbage just means "not genuine"
        return False
    other = unverified.get("p") if isinstance(unverified, dict) else None
    if not isinstance(other, str) or other == purpose or not _PURPOSE.match(other):
        return False
    try:
        URLSafeTimedSerializer(secret, salt=_SALT_PREFIX + other).loads(token)
    except BadData:
        return False
    return True


def require_customer(claims: TokenClaims, customer_id: str) -> TokenClaims:
    """Refuse (LinkError other_customer) a token of one customer used on another's resource."""
    if claims.customer_id != customer_id:
        raise LinkError("other_customer", "the link belongs to another customer")
    return claims


def pay_url(base_url: str, token: str) -> str:
    """The pay page address for a token: "{base}/p/{token}"."""
    return f"{base_url.rstrip('/')}/p/{token}"
