"""Roles, scopes, lockout arithmetic, session expiry and password rules, as tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from creditflow.staff.permissions import (
    PERMISSIONS,
    ROLE_PERMISSIONS,
    ROLES,
    AccessPolicy,
    locked_until,
    password_problem,
    permission_for_method,
    role_may,
    scope_may,
    session_expired,
)
from creditflow.staff.texts import language_from_header

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=15)

# role -> the permissions it holds, in PERMISSIONS order
EXPECTED = {
    "admin": {"read", "write", "work_customers", "decide", "manage_strategy", "manage_staff"},
    "manager": {"read", "write", "work_customers", "decide", "manage_strategy"},
    "collector": {"read", "write", "work_customers"},
    "viewer": {"read"},
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("permission", sorted(PERMISSIONS))
def test_each_role_holds_exactly_its_permissions(role, permission):
    assert role_may(role, permission) is (permission in EXPECTED[role])


def test_the_table_names_only_known_permissions_and_an_unknown_role_holds_none():
    assert all(held <= set(PERMISSIONS) for held in ROLE_PERMISSIONS.values())
    assert not any(role_may("boss", p) for p in PERMISSIONS)
    assert not role_may("viewer", "write")


@pytest.mark.parametrize(
    ("scope", "permission", "allowed"),
    [
        ("read", "read", True),
        ("read", "write", False),
        ("write", "read", True),
        ("write", "write", True),
        ("write", "manage_staff", False),
        ("write", "decide", False),
        ("admin", "read", False),
    ],
)
def test_an_api_key_scope_reads_or_writes_and_nothing_more(scope, permission, allowed):
    assert scope_may(scope, permission) is allowed


@pytest.mark.parametrize(
    ("method", "needed"),
    [("GET", "read"), ("head", "read"), ("OPTIONS", "read"), ("POST", "write"),
     ("PUT", "write"), ("PATCH", "write"), ("DELETE", "write")],
)  # fmt: skip
def test_get_reads_and_everything_else_writes(method, needed):
    assert permission_for_method(method) == needed


def _minutes(*offsets: float) -> list[datetime]:
    return [T0 + timedelta(minutes=m) for m in offsets]


@pytest.mark.parametrize(
    ("failures", "now_minutes", "limit", "ends_minutes"),
    [
        ([], 0, 5, None),  # nothing failed
        ([0, 1, 2, 3], 4, 5, None),  # one short of the limit
        ([0, 1, 2, 3, 4], 4, 5, 15),  # the fifth failure locks until the first + window
        ([0, 1, 2, 3, 4], 14.9, 5, 15),  # still locked just before
        ([0, 1, 2, 3, 4], 15, 5, None),  # the first failure left the window: open again
        ([0, 1, 2, 3, 4, 5], 15, 5, 16),  # ... unless a sixth keeps five in the window
        ([-30, -20, 0, 1, 2], 3, 5, None),  # old failures do not count
        ([0, 1, 2, 3, 4], 3, 5, None),  # failures after `now` are not counted yet
        ([0, 0, 0], 0, 3, 15),  # simultaneous failures
        ([0], 0, 0, None),  # a zero limit never locks
    ],
)
def test_lockout_ends_when_the_oldest_counted_failure_leaves_the_window(
    failures, now_minutes, limit, ends_minutes
):
    now = T0 + timedelta(minutes=now_minutes)
    expected = None if ends_minutes is None else T0 + timedelta(minutes=ends_minutes)
    assert locked_until(_minutes(*failures), now, limit, WINDOW) == expected


POLICY = AccessPolicy(idle_minutes=30, absolute_hours=12)


@pytest.mark.parametrize(
    ("created_hours_ago", "seen_minutes_ago", "expired"),
    [
        (0, 0, False),
        (1, 29, False),
        (1, 30, True),  # idle for the whole idle limit
        (11.9, 1, False),
        (12, 1, True),  # past the absolute limit although active
        (24, 0, True),
    ],
)
def test_a_session_ends_when_idle_or_too_old(created_hours_ago, seen_minutes_ago, expired):
    created = T0 - timedelta(hours=created_hours_ago)
    seen = T0 - timedelta(minutes=seen_minutes_ago)
    assert session_expired(created, seen, T0, POLICY) is expired


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("", "empty"),
        ("            ", "empty"),
        ("kort", "shorter than 12"),
        ("aaaaaaaaaaaaaaaa", "too few different"),
        ("abababab1212", "too few different"),
        ("Password1234", "well-known"),
        ("jan.jansen-2026!", "e-mail address"),
        ("Kaasschaaf-Fietsbel-42", None),
        ("correct horse battery", None),
    ],
)
def test_weak_passwords_are_refused_with_the_reason(password, problem):
    found = password_problem(password, "jan.jansen@example.nl")
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


@pytest.mark.parametrize(
    ("header", "default", "language"),
    [
        ("en-GB,en;q=0.9", "nl", "en"),
        ("nl-NL,nl;q=0.9,en;q=0.8", "en", "nl"),
        ("de-DE,de;q=0.9,en;q=0.5,nl;q=0.7", "en", "nl"),  # by q-value, not order
        ("fr-FR", "en", "en"),  # nothing supported: the organisation's language
        ("", "nl", "nl"),
        (None, "en", "en"),
        ("en;q=0, nl;q=0.1", "en", "nl"),  # q=0 means "not this one"
        ("en;q=abc", "nl", "nl"),
    ],
)
def test_the_page_language_follows_accept_language(header, default, language):
    assert language_from_header(header, default) == language
