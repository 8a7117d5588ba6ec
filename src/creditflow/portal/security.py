"""Portal request security: CSRF double-submit tokens and in-process rate limits."""

from __future__ import annotations

import hmac
import secrets
import time

from fastapi import Request
from itsdangerous import BadSignature, Signer

from creditflow.portal.policy import TokenBucket

CSRF_COOKIE = "cf_csrf"
CSRF_FIELD = "csrf_token"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _signer(secret: str) -> Signer:
    return Signer(secret, salt="creditflow.portal.csrf")


def new_csrf(secret: str) -> tuple[str, str]:
    """A fresh (cookie value, form value) pair: the cookie holds the signed form value."""
    raw = secrets.token_urlsafe(32)
    return _signer(secret).sign(raw).decode("ascii"), raw


def csrf_from_cookie(secret: str, cookie: str | None) -> str | None:
    """The form value a signed CSRF cookie stands for, None when absent or forged."""
    if not cookie:
        return None
    try:
        return _signer(secret).unsign(cookie).decode("ascii")
    except BadSignature:
        return None


def csrf_ok(secret: str, cookie: str | None, field: str | None) -> bool:
    """True when the form field matches the signed cookie (double-submit check)."""
    expected = csrf_from_cookie(secret, cookie)
    return bool(expected and field) and hmac.compare_digest(expected or "", field or "")


def rate_limited(request: Request, bucket: str, key: str, capacity: int, per_minute: float) -> bool:
    """True when `key` used up its allowance in the named bucket (kept on the app)."""
    state = request.app.state
    limiters: dict[str, TokenBucket] | None = getattr(state, "portal_limiters", None)
    if limiters is None:
        limiters = {}
        state.portal_limiters = limiters
    limiter = limiters.get(bucket)
    if limiter is None:
        limiter = limiters[bucket] = TokenBucket(capacity, per_minute)
    return not limiter.allow(f"{bucket}:{key}", time.monotonic())


def client_ip(request: Request) -> str:
    """The client address as the server sees it."""
    return request.client.host if request.client else "unknown"
