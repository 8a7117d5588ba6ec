"""Staff users, API keys and sessions in the database; every change goes to the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from creditflow.config import Settings
from creditflow.ledger.service import audit
from creditflow.staff.credentials import (
    api_key_id,
    digest,
    dummy_hash,
    hash_password,
    needs_rehash,
    new_api_key,
    new_token,
    new_totp_secret,
    same_digest,
    totp_step,
    totp_uri,
    verify_password,
)
from creditflow.staff.models import ApiKey, SignInAttempt, StaffSession, StaffUser
from creditflow.staff.permissions import (
    ROLES,
    SCOPES,
    AccessPolicy,
    locked_until,
    password_problem,
    role_may,
    scope_may,
    session_expired,
)
from creditflow.staff.setup_links import setup_token, token_user_id, token_valid

LAST_SEEN_EVERY = timedelta(seconds=60)  # how often a session's last_seen_at is written
TWO_STEP_ON = "two-step sign-in is on for this user"  # an OIDC sign-in cannot give the code


class StaffError(ValueError):
    """A staff change was refused; the message says why."""


@dataclass(frozen=True)
class Staff:
    """Who a request acts for: a signed-in user (role) or an API key (scope)."""

    kind: str  # "user" or "key"
    name: str  # the e-mail address or the key's name
    role: str | None = None
    scope: str | None = None
    csrf: str | None = None
    user_id: int | None = None  # the staff_user row of a signed-in user

    def may(self, permission: str) -> bool:
        """True when this user's role or this key's scope holds the permission."""
        if self.kind == "user":
            return role_may(self.role or "", permission)
        return scope_may(self.scope or "", permission)

    @property
    def actor(self) -> str:
        """How the audit log names this staff member."""
        return f"{self.kind}:{self.name}"


def staff_policy(settings: Settings) -> AccessPolicy:
    """Session lifetimes and lockout limits from `[staff]` (checked at load)."""
    return settings.staff


def normal_email(email: str) -> str:
    """The e-mail address as stored: checked, trimmed, lower case."""
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise StaffError(f"{email!r} is not an e-mail address: {exc}") from exc


def add_user(session: Session, email: str, role: str, password: str, actor: str) -> StaffUser:
    """Add a staff user with a checked role and a strong enough password (audited)."""
    address = normal_email(email)
    if role not in ROLES:
        raise StaffError(f"role {role!r} is not one of {', '.join(ROLES)}")
    problem = password_problem(password, address)
    if problem:
        raise StaffError(problem)
    if session.scalar(select(StaffUser.id).where(StaffUser.email == address)) is not None:
        raise StaffError(f"a user {address} already exists")
    user = StaffUser(
        email=address, role=role, password_hash=hash_password(password), created_by=actor
    )
    session.add(user)
    session.flush()
    audit(session, actor, "staff_user_added", "staff_user", address, {"role": role})
    return user


def set_active(session: Session, email: str, active: bool, actor: str) -> StaffUser:
    """Disable a user (their sessions end at once) or enable them again (audited)."""
    address = email.strip().lower()
    user = session.scalar(select(StaffUser).where(StaffUser.email == address))
    if user is None:
        raise StaffError(f"no user {address}")
    if user.active != active:
        user.active = active
        if not active:
            session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
        verb = "staff_user_enabled" if active else "staff_user_disabled"
        audit(session, actor, verb, "staff_user", address)
    return user


def invite_user(
    session: Session, email: str, role: str, actor: str, secret: str, now: datetime
) -> tuple[StaffUser, str]:
    """Add a user who sets their own password through a one-time link (audited); returns
    the user and the link's token. Until then no password works for them."""
    user = add_user(session, email, role, new_token(), actor)
    token = setup_token(secret, user.id, user.email, user.password_hash, now)
    audit(session, actor, "staff_setup_link_made", "staff_user", user.email)
    return user, token


def setup_user(session: Session, secret: str, token: str, now: datetime) -> StaffUser | None:
    """The active user a set-up token is for, None when it is forged, used or expired."""
    user_id = token_user_id(token)
    user = session.get(StaffUser, user_id) if user_id is not None else None
    if user is None or not user.active:
        return None
    if not token_valid(secret, token, user.id, user.email, user.password_hash, now):
        return None
    return user


def set_password(session: Session, user: StaffUser, password: str, actor: str) -> None:
    """Give a user a new password (checked like any other); their sessions end (audited)."""
    problem = password_problem(password, user.email)
    if problem:
        raise StaffError(problem)
    user.password_hash = hash_password(password)
    session.execute(delete(StaffSession).where(StaffSession.user_id == user.id))
    audit(session, actor, "staff_password_set", "staff_user", user.email)


def set_role(session: Session, email: str, role: str, actor: str) -> StaffUser:
    """Give a user another role; it applies to their next request (audited)."""
    address = email.strip().lower()
    if role not in ROLES:
        raise StaffError(f"role {role!r} is not one of {', '.join(ROLES)}")
    user = session.scalar(select(StaffUser).where(StaffUser.email == address))
    if user is None:
        raise StaffError(f"no user {address}")
    if user.role != role:
        audit(
            session,
            actor,
            "staff_role_changed",
            "staff_user",
            address,
            {"from": user.role, "to": role},
        )
        user.role = role
    return user


def set_totp(session: Session, email: str, on: bool, actor: str) -> str | None:
    """Turn two-step sign-in on (returns the otpauth:// address, once) or off (audited)."""
    address = email.strip().lower()
    user = session.scalar(select(StaffUser).where(StaffUser.email == address))
    if user is None:
        raise StaffError(f"no user {address}")
    user.totp_secret = new_totp_secret() if on else None
    user.totp_last_step = None
    audit(session, actor, "staff_totp_on" if on else "staff_totp_off", "staff_user", address)
    return totp_uri(user.totp_secret, address) if user.totp_secret else None


def list_users(session: Session) -> list[StaffUser]:
    """Every staff user, by e-mail address."""
    return list(session.scalars(select(StaffUser).order_by(StaffUser.email)))


def create_api_key(session: Session, name: str, scope: str, actor: str) -> tuple[ApiKey, str]:
    """A new API key: the row (digest only) and the key itself, to show once (audited)."""
    if scope not in SCOPES:
        raise StaffError(f"scope {scope!r} is not one of {', '.join(SCOPES)}")
    if not name.strip() or len(name) > 100:
        raise StaffError("the key needs a name of 1 to 100 characters")
    key, key_id = new_api_key()
    row = ApiKey(
        key_id=key_id, name=name.strip(), scope=scope, key_hash=digest(key), created_by=actor
    )
    session.add(row)
    session.flush()
    audit(session, actor, "api_key_created", "api_key", key_id, {"name": row.name, "scope": scope})
    return row, key


def list_api_keys(session: Session) -> list[ApiKey]:
    """Every API key (revoked ones too), oldest first."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke_api_key(session: Session, key_id: str, actor: str, now: datetime) -> ApiKey:
    """Revoke a key by its public id; it stops working at once (audited)."""
    row = session.scalar(select(ApiKey).where(ApiKey.key_id == key_id.strip().lower()))
    if row is None:
        raise StaffError(f"no API key with id {key_id!r}")
    if row.revoked_at is None:
        row.revoked_at = now
        audit(session, actor, "api_key_revoked", "api_key", row.key_id, {"name": row.name})
    return row


def key_staff(session: Session, presented: str, now: datetime) -> Staff | None:
    """The API key a bearer token stands for: by public id, then a constant-time compare."""
    key_id = api_key_id(presented)
    if key_id is None:
        return None
    row = session.scalar(select(ApiKey).where(ApiKey.key_id == key_id))
    if row is None or row.revoked_at is not None or not same_digest(row.key_hash, presented):
        return None
    if row.last_used_at is None or now - row.last_used_at >= LAST_SEEN_EVERY:
        row.last_used_at = now
    return Staff(kind="key", name=row.name, scope=row.scope)


@dataclass(frozen=True)
class SignInOutcome:
    """The result of a sign-in: the user, or why not (wrong password or locked)."""

    user: StaffUser | None
    locked_until: datetime | None = None
    reason: str = ""  # why an external sign-in was refused (for the audit log)


def _failures(
    session: Session, column: InstrumentedAttribute[str], value: str, since: datetime
) -> list[datetime]:
    query = select(SignInAttempt.at).where(
        column == value, SignInAttempt.at > since, SignInAttempt.succeeded.is_(False)
    )
    return list(session.scalars(query))


def address_lockout(
    session: Session, ip: str, now: datetime, policy: AccessPolicy
) -> datetime | None:
    """When the lockout of this client address ends, None when it is not locked."""
    window = timedelta(minutes=policy.lockout_minutes)
    failures = _failures(session, SignInAttempt.ip, ip, now - window)
    return locked_until(failures, now, policy.ip_failures, window)


def lockout(
    session: Session, email: str, ip: str, now: datetime, policy: AccessPolicy
) -> datetime | None:
    """When the lockout of this account or address ends, None when neither is locked."""
    window = timedelta(minutes=policy.lockout_minutes)
    last_success = session.scalar(
        select(func.max(SignInAttempt.at)).where(
            SignInAttempt.email == email, SignInAttempt.succeeded.is_(True)
        )
    )
    since = max(now - window, last_success) if last_success else now - window
    ends = [
        locked_until(
            _failures(session, SignInAttempt.email, email, since),
            now,
            policy.account_failures,
            window,
        ),
        address_lockout(session, ip, now, policy),
    ]
    found = [end for end in ends if end is not None]
    return max(found) if found else None


def sign_in(
    session: Session,
    email: str,
    password: str,
    ip: str,
    now: datetime,
    policy: AccessPolicy,
    code: str = "",
) -> SignInOutcome:
    """Check a password (and the TOTP code when it is on), unless the account or address
    is locked; every try is recorded."""
    address = email.strip().lower()[:254]
    ends = lockout(session, address, ip, now, policy)
    if ends is not None:
        return SignInOutcome(None, ends)
    user = session.scalar(select(StaffUser).where(StaffUser.email == address))
    stored = user.password_hash if user is not None and user.active else dummy_hash()
    good = verify_password(stored, password) and user is not None and user.active
    if good and user is not None and user.totp_secret:
        step = totp_step(user.totp_secret, code, now, user.totp_last_step)
        good = step is not None
        if step is not None:
            user.totp_last_step = step
    session.add(SignInAttempt(email=address, ip=ip[:64], at=now, succeeded=good))
    if not good or user is None:
        audit(
            session,
            f"user:{address}"[:128],
            "staff_sign_in_failed",
            "staff_user",
            address,
            {"ip": ip},
        )
        return SignInOutcome(None)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    audit(session, f"user:{address}", "staff_signed_in", "staff_user", address, {"ip": ip})
    return SignInOutcome(user)


def failed_attempt(
    session: Session, email: str, ip: str, now: datetime, via: str, reason: str
) -> None:
    """Record a refused sign-in (it counts toward the lockouts) in the attempts and audit."""
    address = email.strip().lower()[:254]
    session.add(SignInAttempt(email=address, ip=ip[:64], at=now, succeeded=False))
    details = {"ip": ip, "via": via, "reason": reason[:200]}
    actor = f"user:{address}" if address else f"oidc:{via}"
    audit(session, actor[:128], "staff_sign_in_failed", "staff_user", address or via, details)


def external_sign_in(
    session: Session, email: str, ip: str, now: datetime, policy: AccessPolicy, via: str
) -> SignInOutcome:
    """Sign in an existing, active user whose address an OIDC provider vouched for.

    No self-registration: an unknown or disabled address is refused, and so is a user
    with two-step sign-in on (the provider cannot give creditflow's code). Locks apply
    as for passwords, and every try is recorded and audited with the provider's name.
    """
    address = email.strip().lower()[:254]
    ends = lockout(session, address, ip, now, policy)
    if ends is not None:
        return SignInOutcome(None, ends, "locked")
    user = session.scalar(select(StaffUser).where(StaffUser.email == address))
    reason = ""
    if user is None:
        reason = "no staff user with this address"
    elif not user.active:
        reason = "the user is disabled"
    elif user.totp_secret:
        reason = TWO_STEP_ON
    if reason or user is None:
        failed_attempt(session, address, ip, now, via, reason)
        return SignInOutcome(None, None, reason)
    session.add(SignInAttempt(email=address, ip=ip[:64], at=now, succeeded=True))
    audit(
        session, f"user:{address}", "staff_signed_in", "staff_user", address,
        {"ip": ip, "via": via},
    )  # fmt: skip
    return SignInOutcome(user)


def start_session(
    session: Session,
    user: StaffUser,
    ip: str,
    now: datetime,
    previous: str | None,
    policy: AccessPolicy,
) -> str:
    """A new session for the user with a new token (never the one presented before).

    Sessions past their limits and sign-in attempts older than a day (or twice the
    lockout window) are removed here, so neither table grows without end.
    """
    if previous:
        session.execute(delete(StaffSession).where(StaffSession.token_hash == digest(previous)))
    session.execute(
        delete(StaffSession).where(
            (StaffSession.last_seen_at <= now - timedelta(minutes=policy.idle_minutes))
            | (StaffSession.created_at <= now - timedelta(hours=policy.absolute_hours))
        )
    )
    keep = max(timedelta(days=1), 2 * timedelta(minutes=policy.lockout_minutes))
    session.execute(delete(SignInAttempt).where(SignInAttempt.at < now - keep))
    token = new_token()
    session.add(
        StaffSession(
            token_hash=digest(token),
            user_id=user.id,
            csrf_token=new_token(),
            created_at=now,
            last_seen_at=now,
            ip=ip[:64],
        )
    )
    return token


def session_staff(
    session: Session, token: str, now: datetime, policy: AccessPolicy
) -> Staff | None:
    """The signed-in user of a session token; expired sessions are removed."""
    row = session.scalar(select(StaffSession).where(StaffSession.token_hash == digest(token)))
    if row is None:
        return None
    user = session.get(StaffUser, row.user_id)
    if (
        user is None
        or not user.active
        or session_expired(row.created_at, row.last_seen_at, now, policy)
    ):
        session.delete(row)
        return None
    if now - row.last_seen_at >= LAST_SEEN_EVERY:
        row.last_seen_at = now
    return Staff(kind="user", name=user.email, role=user.role, csrf=row.csrf_token, user_id=user.id)


def end_session(session: Session, token: str, actor: str) -> None:
    """Sign out: the session is deleted, its token is worthless from now on (audited)."""
    deleted = session.execute(delete(StaffSession).where(StaffSession.token_hash == digest(token)))
    if getattr(deleted, "rowcount", 0):
        audit(session, actor, "staff_signed_out", "staff_user", actor.split(":", 1)[-1])
