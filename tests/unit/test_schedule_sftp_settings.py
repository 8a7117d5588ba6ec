"""`[schedule.statements_sftp]`: checked at load, every error names the key and the reason."""

from __future__ import annotations

from datetime import timedelta

import pytest

from creditflow.config import ConfigError
from creditflow.config.operations import parse_schedule

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"


def inbox(**section: object):
    plan = parse_schedule({"schedule": {"statements_sftp": section}})
    assert plan is not None
    return plan.statements_sftp


def test_an_inbox_with_host_user_and_key_gets_the_defaults() -> None:
    config = inbox(host="sftp.bank.example", username="acme", host_key=KEY, password_env="PW")
    assert config is not None
    assert (config.port, config.remote_dir, config.after_import, config.move_to) == (
        22, ".", "keep", "imported",
    )  # fmt: skip
    assert config.every == timedelta(minutes=5)
    assert config.address() == "sftp://acme@sftp.bank.example:22/."
    assert "PW" in repr(config.password) and config.password.reveal({"PW": "x"}) == "x"


def test_without_the_section_there_is_no_inbox() -> None:
    plan = parse_schedule({"schedule": {}})
    assert plan is not None and plan.statements_sftp is None


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"username": "a", "host_key": KEY}, "host: needed"),
        ({"host": "h", "host_key": KEY}, "username: needed"),
        ({"host": "h", "username": "a"}, "host_key or known_hosts: needed"),
        ({"host": "h", "username": "a", "host_key": KEY, "port": 70000}, "port: expected"),
        ({"host": "h", "username": "a", "host_key": KEY, "after_import": "archive"},
         "after_import: expected one of keep, move, delete, got 'archive'"),
        ({"host": "h", "username": "a", "host_key": KEY, "every_seconds": 0},
         "every_seconds: expected a number from 1 to 86400"),
        ({"host": "h", "username": "a", "host_key": KEY, "folder": "/x"},
         "unknown setting(s) folder"),
    ],
)  # fmt: skip
def test_a_wrong_inbox_setting_is_refused_naming_the_key(
    section: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigError, match=r"\[schedule.statements_sftp\]") as caught:
        inbox(**section)
    assert message in str(caught.value)


def test_a_server_key_that_cannot_be_found_names_the_section_and_key(tmp_path) -> None:
    from creditflow.config.ssh import server_key

    with pytest.raises(ConfigError, match=r"\[handover\] host_key: not an SSH public key line"):
        server_key("ssh-ed25519", None, "h", 22, "handover")
    known = tmp_path / "known_hosts"
    known.write_text(f"other.example {KEY}\n", encoding="utf-8")
    where = r"\[schedule.statements_sftp\] known_hosts: no key for \[h\]:2222"
    with pytest.raises(ConfigError, match=where):
        server_key(None, str(known), "h", 2222, "schedule.statements_sftp")
    assert server_key(None, str(known), "other.example", 22, "x").get_name() == "ssh-ed25519"
