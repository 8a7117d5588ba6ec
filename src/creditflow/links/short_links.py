"""Short links: one per action and purpose, made when dispatch re-checks the action.

SMS, WhatsApp and letters carry `{short_base_url}/l/K7QM-4XPD` instead of a 130-
character signed link. A short link row names the customer, the action and the
purpose ("pay": the pay page, "portal": the portal); it keeps no code in clear (see
`short_codes`) and no token. Opening it makes the signed link again, issued at the
row's `created_at`, so the short link and what it opens expire together and the
signed link stays the one proof of the customer (DESIGN invariant 8).

    codes = ensure_short_links(session, secret, [(customer_pk, action_id)], now=now,
                               lifetimes=link_lifetimes(settings))
    url = short_url(short_base_url(settings), codes[action_id]["pay"])
    target = open_short_link(session, secret, "k7qm4xpd", now)   # "/p/<token>" or None
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from creditflow.config import Settings
from creditflow.ledger.models import Customer
from creditflow.ledger.service import add_event
from creditflow.links.models import ShortLink
from creditflow.links.short_codes import derive_code, format_code, lookup_key, parse_code
from creditflow.links.tokens import make_customer_token

__all__ = [
    "PURPOSES",
    "SHORT_LINK_CHANNELS",
    "ensure_short_links",
    "link_lifetimes",
    "open_short_link",
    "short_base_url",
    "short_url",
]

SHORT_LINK_CHANNELS = frozenset({"sms", "whatsapp", "letter"})
PURPOSES = ("pay", "portal")
_TARGET_PATH = {"pay": "/p/", "portal": "/portal/"}


def short_base_url(settings: Settings) -> str:
    """Where short links start: `[portal] short_base_url`, else the portal's base URL."""
    return settings.portal.short_base_url or settings.portal_base_url.rstrip("/")


def short_url(base_url: str, code: str) -> str:
    """The short link as printed: "pay.example.nl/l/K7QM-4XPD" ("https://" left out).

    Phones turn it into a link and browsers open it over https; a plain http base
    keeps its scheme.
    """
    base = base_url.rstrip("/")
    base = base.removeprefix("https://")
    return f"{base}/l/{format_code(code)}"


def link_lifetimes(settings: Settings) -> dict[str, timedelta]:
    """How long each purpose's link is valid: as long as the page it opens accepts it."""
    pay_days = settings.payments.link_days
    portal_days = settings.portal.link_max_age_days
    return {"pay": timedelta(days=pay_days), "portal": timedelta(days=portal_days)}


def ensure_short_links(
    session: Session,
    secret: str,
    actions: Iterable[tuple[int, str]],
    *,
    now: datetime,
    lifetimes: Mapping[str, timedelta],
) -> dict[str, dict[str, str]]:
    """The codes of these (customer pk, action id) pairs per purpose, made where missing.

    Idempotent per action: an action that has its links keeps them (same codes, same
    expiry). A derived code already taken by another action is derived again with
    the next `seq`.
    """
    owners = dict((action_id, customer_pk) for customer_pk, action_id in actions)
    if not owners:
        return {}
    codes: dict[str, dict[str, str]] = {action_id: {} for action_id in owners}
    existing = session.execute(
        select(ShortLink.action_id, ShortLink.purpose, ShortLink.seq).where(
            ShortLink.action_id.in_(list(owners))
        )
    ).all()
    for action_id, purpose, seq in existing:
        if purpose in lifetimes:
            codes[action_id][purpose] = derive_code(secret, action_id, purpose, seq)
    missing = {
        (action_id, purpose): 0
        for action_id in owners
        for purpose in lifetimes
        if purpose not in codes[action_id]
    }
    while missing:
        candidates = {key: derive_code(secret, *key, seq) for key, seq in missing.items()}
        hashes = {key: lookup_key(secret, code) for key, code in candidates.items()}
        taken = set(
            session.scalars(
                select(ShortLink.code_hash).where(ShortLink.code_hash.in_(list(hashes.values())))
            )
        )
        rows, again = [], {}
        for key, seq in missing.items():
            if hashes[key] in taken:
                again[key] = seq + 1
                continue
            taken.add(hashes[key])
            action_id, purpose = key
            codes[action_id][purpose] = candidates[key]
            rows.append(
                {
                    "code_hash": hashes[key],
                    "seq": seq,
                    "customer_id": owners[action_id],
                    "action_id": action_id,
                    "purpose": purpose,
                    "created_at": now,
                    "expires_at": now + lifetimes[purpose],
                }
            )
        if rows:
            session.execute(insert(ShortLink), rows)
        missing = again
    return codes


def open_short_link(session: Session, secret: str, typed: str, now: datetime) -> str | None:
    """The path a typed code opens ("/p/<token>", "/portal/<token>"), None if none valid.

    Unknown, mistyped and expired codes all answer None: a caller cannot tell them apart.
    The first visit is put on the customer's timeline.
    """
    code = parse_code(typed)
    if code is None:
        return None
    link = session.scalars(
        select(ShortLink).where(ShortLink.code_hash == lookup_key(secret, code))
    ).first()
    if link is None or link.expires_at <= now or link.purpose not in _TARGET_PATH:
        return None
    customer = session.get(Customer, link.customer_id)
    if customer is None or customer.pseudonymised_at is not None:
        return None
    if link.opened_at is None:
        link.opened_at = now
        add_event(
            session,
            customer.id,
            "portal.short_link_opened",
            f"Opened the short link to the {'pay page' if link.purpose == 'pay' else 'portal'}",
            direction="in",
            action_id=link.action_id,
        )
    token = make_customer_token(
        secret, customer.customer_id, link.purpose, link.action_id, now=link.created_at
    )
    return _TARGET_PATH[link.purpose] + token
