"""Short link codes like K7QM-4XPD: typeable from paper, unguessable, never stored in clear.

A code is 8 symbols of Crockford's base32 (0-9 and A-Z without I, L, O and U: 40 bits),
shown as two groups of four. It is derived, not drawn: HMAC-SHA256 under the
organisation's link secret over (action, purpose, seq). So the same action rendered
twice (a retry, a fail-over to another channel) gets the same code, and nobody
without the secret can predict one. The database keeps only `lookup_key(code)`, an
HMAC of the code as well, so a copy of the short link table does not list codes.

Typed input is read the way Crockford's decoding rules allow: case-insensitive,
hyphens and spaces ignored, I and L read as 1, O as 0.

    code = derive_code(secret, "a1b2c3", "pay")      # "K7QM4XPD"
    format_code(code)                                # "K7QM-4XPD"
    parse_code(" k7qm 4xpd ")                        # "K7QM4XPD" (None if not a code)
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = [
    "ALPHABET",
    "CODE_LENGTH",
    "derive_code",
    "format_code",
    "lookup_key",
    "parse_code",
]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
_GROUP = 4
_READ_AS = {"I": "1", "L": "1", "O": "0"}
_IGNORED = frozenset("- \t\u00a0")
_DERIVE = b"creditflow.short-link.code"
_LOOKUP = b"creditflow.short-link.lookup"


def _key(secret: str, label: bytes) -> bytes:
    if not secret:
        raise ValueError("secret is empty: short link codes cannot be made without a key")
    return hmac.new(secret.encode("utf-8"), label, hashlib.sha256).digest()


def derive_code(secret: str, action_id: str, purpose: str, seq: int = 0) -> str:
    """The code of one action's link for `purpose` (`seq` > 0 only after a collision)."""
    if not action_id:
        raise ValueError("action_id is empty")
    message = f"{action_id}\x1f{purpose}\x1f{seq}".encode()
    digest = hmac.new(_key(secret, _DERIVE), message, hashlib.sha256).digest()
    number = int.from_bytes(digest[:5], "big")  # 40 bits: 8 symbols of 5 bits
    symbols = [ALPHABET[(number >> shift) & 31] for shift in range(35, -1, -5)]
    return "".join(symbols)


def format_code(code: str) -> str:
    """The code as printed: two groups of four joined by a hyphen ("K7QM-4XPD")."""
    return f"{code[:_GROUP]}-{code[_GROUP:]}"


def parse_code(typed: str) -> str | None:
    """The canonical code a person typed, or None when it cannot be one."""
    if len(typed) > 4 * CODE_LENGTH:
        return None
    symbols = []
    for ch in typed.strip().upper():
        if ch in _IGNORED:
            continue
        ch = _READ_AS.get(ch, ch)
        if ch not in ALPHABET:
            return None
        symbols.append(ch)
    return "".join(symbols) if len(symbols) == CODE_LENGTH else None


def lookup_key(secret: str, code: str) -> str:
    """What the database stores for a canonical code: an HMAC of it, hex (64 chars)."""
    return hmac.new(_key(secret, _LOOKUP), code.encode("ascii"), hashlib.sha256).hexdigest()
