"""The typed sections of creditflow.toml, read from a real file by `load_settings`.

`[dispatch]`, `[llm]`, `[handover]`, `[payments]`, `[portal]`, `[serve]`, `[email]`:
defaults when absent, good values, and every bad value refused with its section, key
and reason.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from creditflow.config import ConfigError, Settings, load_settings
from creditflow.config.sections import (
    DEFAULT_MAX_CHARS,
    DispatchPolicy,
    EmailSettings,
    HandoverSettings,
    LlmSettings,
    PaymentsSettings,
    PortalPolicy,
    Secret,
    ServeSettings,
)


def load(tmp_path: Path, toml: str, **env: str) -> Settings:
    path = tmp_path / "creditflow.toml"
    path.write_text(toml, encoding="utf-8")
    return load_settings({"CREDITFLOW_CONFIG": str(path), **env})


def test_without_the_sections_every_default_is_the_documented_one(tmp_path) -> None:
    settings = load(tmp_path, "")
    assert settings.dispatch == DispatchPolicy()
    assert (settings.dispatch.max_attempts, settings.dispatch.batch_size) == (5, 100)
    assert settings.llm == LlmSettings() and not settings.llm.enabled
    assert settings.llm.channels == ("sms", "whatsapp", "push")
    assert settings.handover == HandoverSettings() and settings.handover.sftp_host is None
    assert settings.payments == PaymentsSettings(provider=None, link_days=30.0)
    assert settings.portal == PortalPolicy()
    assert (settings.portal.max_promise_days, settings.portal.plan_min_installment) == (
        14,
        Decimal("25.00"),
    )
    assert settings.serve == ServeSettings(send_at_once=True)
    assert settings.email.bounce_token.reveal({}) == ""
    assert not settings.portal_base_url_configured
    assert settings.portal_base_url == "http://127.0.0.1:8000"


GOOD = """
[dispatch]
retry_base_seconds = "30"
max_attempts = 3
send_concurrency = 2

[llm]
enabled = true
base_url = "http://127.0.0.1:8080/"
model = "m"
api_key_env = "LLM_KEY"
channels = ["sms"]
[llm.max_chars]
sms = 160

[handover]
sftp_host = "sftp.agency.nl"
sftp_port = 2222
username = "creditor"
password_env = "AGENCY_PASSWORD"
remote_dir = "/inbox/"
host_key = "ssh-ed25519 AAAA"

[payments]
provider = "mollie"
link_days = 14

[providers.mollie]
api_key_env = "MOLLIE_API_KEY"

[portal]
base_url = "https://pay.example.nl/"
max_promise_days = 10
plan_min_installment = "30.00"
short_base_url = "https://k.example.nl/"
invoice_pdf_dir = "/srv/pdf"
link_max_age_days = 7.5

[serve]
send_at_once = false

[email]
bounce_token_env = "BOUNCE_TOKEN"
"""


def test_good_values_are_read_into_their_types(tmp_path) -> None:
    settings = load(tmp_path, GOOD)
    assert settings.dispatch == DispatchPolicy(
        retry_base_seconds=30.0, max_attempts=3, send_concurrency=2
    )
    assert (settings.llm.enabled, settings.llm.base_url, settings.llm.channels) == (
        True,
        "http://127.0.0.1:8080",
        ("sms",),
    )
    assert settings.llm.max_chars == {**DEFAULT_MAX_CHARS, "sms": 160}
    handover = settings.handover
    assert (handover.sftp_host, handover.sftp_port, handover.remote_dir) == (
        "sftp.agency.nl",
        2222,
        "/inbox",
    )
    assert handover.password.reveal({"AGENCY_PASSWORD": "pw"}) == "pw"
    assert settings.payments == PaymentsSettings(provider="mollie", link_days=14.0)
    assert settings.portal.max_promise_days == 10
    assert settings.portal.plan_min_installment == Decimal("30.00")
    assert settings.portal.short_base_url == "https://k.example.nl"
    assert settings.portal.invoice_pdf_dir == Path("/srv/pdf")
    assert settings.portal.link_max_age_days == 7.5
    assert settings.portal_base_url_configured
    assert settings.portal_base_url == "https://pay.example.nl"
    assert not settings.serve.send_at_once
    assert settings.email.bounce_token.reveal({"BOUNCE_TOKEN": "t0k"}) == "t0k"


def test_the_payment_provider_can_come_from_the_environment_alone(tmp_path) -> None:
    settings = load(tmp_path, "", CREDITFLOW_PAYMENT_PROVIDER="sandbox")
    assert settings.payments.provider == "sandbox"


SFTP = '[handover]\nsftp_host = "h"\nusername = "u"\nhost_key = "ssh-ed25519 AAAA"\n'
LLM_ON = '[llm]\nenabled = true\nbase_url = "http://h"\nmodel = "m"\n'


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[dispatch]\nretries = 3\n", "[dispatch]: unknown setting(s) retries"),
        ('[dispatch]\nmax_attempts = "many"\n', "[dispatch] max_attempts: 'many' is not a number"),
        ("[dispatch]\nmax_attempts = true\n", "[dispatch] max_attempts: True is not a number"),
        ("[dispatch]\nmax_attempts = 0\n", "[dispatch] max_attempts: must be at least 1"),
        ("[dispatch]\nretry_jitter = 1.5\n", "[dispatch] retry_jitter: must be in [0, 1)"),
        ("[dispatch]\nretry_factor = 0.5\n", "[dispatch] retry_factor: must be at least 1"),
        ("[dispatch]\nbatch_size = 0\n", "[dispatch] batch_size: must be at least 1"),
        ("[dispatch]\nclaim_timeout_seconds = 0\n", "[dispatch] claim_timeout_seconds: must be"),
        ('dispatch = "fast"\n', "[dispatch]: expected a table of settings, got 'fast'"),
        ('[llm]\nenabled = "yes"\n', "[llm] enabled: expected true or false, got 'yes'"),
        ('[llm]\nenabled = true\nmodel = "m"\n', "[llm] base_url: expected an http(s) URL"),
        ('[llm]\nenabled = true\nbase_url = "http://h"\n', "[llm] model: required"),
        (LLM_ON + "timeout_seconds = 0\n", "[llm] timeout_seconds: expected a number from"),
        (LLM_ON + "temperature = 3\n", "[llm] temperature: expected a number from 0.0 to 2.0"),
        (LLM_ON + "[llm.max_chars]\nfax = 100\n", "[llm] max_chars.fax: unknown channel"),
        (LLM_ON + "[llm.max_chars]\nsms = 5\n", "[llm] max_chars.sms: expected a number >= 20"),
        (LLM_ON + 'channels = ["letter"]\n', "[llm] channels: letter cannot be reworded"),
        (LLM_ON + 'channels = "sms"\n', "[llm] channels: expected a list"),
        (LLM_ON + 'api_key = "sk-inline"\n', "[llm]: unknown setting(s) api_key"),
        ('[handover]\nsftp_host = "h"\n', "[handover] username: needed with sftp_host"),
        ('[handover]\nsftp_host = "h"\nusername = "u"\n', "[handover] host_key or known_hosts"),
        (SFTP + 'sftp_port = "ssh"\n', "[handover] sftp_port: not a port number: 'ssh'"),
        (SFTP + "sftp_port = 70000\n", "[handover] sftp_port: not a port number: 70000"),
        ("[handover]\nfolder = 3\n", "[handover] folder: expected text in quotes, got 3"),
        ('[handover]\nfoldr = "x"\n', "[handover]: unknown setting(s) foldr"),
        ('[payments]\nprovider = "paypal"\n', "[payments] provider: 'paypal' is not one of"),
        ('[payments]\nprovider = "tikkie"\n', "[payments] provider: 'tikkie' has no [providers"),
        ("[payments]\nlink_days = 0\n", "[payments] link_days: expected a positive number, got 0"),
        ('[payments]\nlink_days = "30"\n', "[payments] link_days: expected a positive number"),
        ("[payments]\ndays = 3\n", "[payments]: unknown setting(s) days"),
        ("[staff]\nidle_minutes = 0\n", "[staff] idle_minutes: expected a whole number >= 1"),
        ('[staff]\nlockout_minutes = "15"\n', "[staff] lockout_minutes: expected a whole number"),
        ("[staff]\nsession_minutes = 5\n", "[staff]: unknown setting(s) session_minutes"),
        ("[portal]\nmax_promise_days = 0\n", "[portal] max_promise_days: expected a whole number"),
        ("[portal]\nplan_max_months = 2.5\n", "[portal] plan_max_months: expected a whole number"),
        ("[portal]\nrate_per_minute = -1\n", "[portal] rate_per_minute: expected a positive"),
        ('[portal]\nplan_min_installment = "25,00"\n', "[portal] plan_min_installment: amount"),
        ('[portal]\nshort_base_url = "k.nl"\n', "[portal] short_base_url: expected an http(s)"),
        ('[portal]\nbase_url = "pay.example.nl"\n', "[portal] base_url: expected an http(s)"),
        ("[portal]\nmax_promise_dayz = 3\n", "[portal]: unknown setting(s) max_promise_dayz"),
        ('[serve]\nsend_at_once = "no"\n', "[serve] send_at_once: expected true or false"),
        ("[serve]\nworkers = 4\n", "[serve]: unknown setting(s) workers"),
        ("[email]\nbounce_token = 1234\n", "[email] bounce_token: expected text in quotes"),
        ('[email]\nfrom = "x"\n', "[email]: unknown setting(s) from"),
    ],
)
def test_a_bad_value_is_refused_with_section_key_and_reason(tmp_path, toml, message) -> None:
    with pytest.raises(ConfigError) as refused:
        load(tmp_path, toml)
    assert message in str(refused.value)


def test_secrets_are_in_no_repr(tmp_path) -> None:
    toml = '[email]\nbounce_token = "bt-very-secret"\n'
    toml += '[handover]\nsftp_host = "h"\nusername = "u"\npassword = "pw-very-secret"\n'
    toml += 'host_key = "ssh-ed25519 AAAA"\n'
    settings = load(tmp_path, toml)
    assert settings.email.bounce_token.reveal() == "bt-very-secret"
    for shown in (repr(settings), repr(settings.email), repr(settings.handover)):
        assert "very-secret" not in shown
    assert repr(Secret("password", env="AGENCY_PW")) == "Secret('password', env='AGENCY_PW')"
    assert repr(EmailSettings()) == "EmailSettings(bounce_token=Secret('bounce_token', unset))"


def test_a_secret_named_by_an_unset_variable_is_refused_when_used() -> None:
    secret = Secret("password", env="AGENCY_PW")
    with pytest.raises(ConfigError, match="password_env: environment variable AGENCY_PW is unset"):
        secret.reveal({})
    assert secret.reveal({"AGENCY_PW": "x"}) == "x"


def test_directly_built_dispatch_policies_are_checked_too() -> None:
    with pytest.raises(ConfigError, match=r"\[dispatch\] send_concurrency: must be at least 1"):
        DispatchPolicy(send_concurrency=0)
