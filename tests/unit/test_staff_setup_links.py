"""One-time set-up links: bound to the user, their password hash and an expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from creditflow.staff.setup_links import SETUP_LINK_HOURS, setup_token, token_valid

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)
SECRET = "installation-secret"


def test_a_set_up_link_is_good_for_its_user_until_it_expires():
    token = setup_token(SECRET, 7, "cor@example.nl", "hash-1", NOW)
    assert token_valid(SECRET, token, 7, "cor@example.nl", "hash-1", NOW)
    later = NOW + timedelta(hours=SETUP_LINK_HOURS) - timedelta(seconds=1)
    assert token_valid(SECRET, token, 7, "cor@example.nl", "hash-1", later)
    expired = NOW + timedelta(hours=SETUP_LINK_HOURS)
    assert not token_valid(SECRET, token, 7, "cor@example.nl", "hash-1", expired)


def test_a_set_up_link_stops_working_once_the_password_changed_and_cannot_be_moved():
    token = setup_token(SECRET, 7, "cor@example.nl", "hash-1", NOW)
    assert not token_valid(SECRET, token, 7, "cor@example.nl", "hash-2", NOW)  # used
    assert not token_valid(SECRET, token, 8, "cor@example.nl", "hash-1", NOW)  # other user
    assert not token_valid("other-secret", token, 7, "cor@example.nl", "hash-1", NOW)
    user_id, expires, mac = token.split(".")
    stretched = f"{user_id}.{int(expires) + 86400}.{mac}"
    assert not token_valid(SECRET, stretched, 7, "cor@example.nl", "hash-1", NOW)
    assert not token_valid(SECRET, "7.x.y", 7, "cor@example.nl", "hash-1", NOW)
