"""Building adapters from channel configuration."""

from __future__ import annotations

import pytest

from creditflow.channels.email_smtp import SmtpAdapter
from creditflow.channels.push import PushWebhookAdapter
from creditflow.channels.registry import build_adapters
from creditflow.channels.sandbox import PrintFolderAdapter, SandboxAdapter
from creditflow.channels.twilio import TwilioMessagingAdapter, TwilioVoiceAdapter

TWILIO = {
    "provider": "twilio",
    "account_sid": "AC" + "2" * 32,
    "auth_token": "tok",
    "from_number": "+3197010000000",
}


def test_every_channel_defaults_to_the_sandbox(tmp_path):
    adapters = build_adapters({}, tmp_path)
    assert sorted(adapters) == ["email", "letter", "push", "sms", "voice", "whatsapp"]
    assert all(isinstance(a, SandboxAdapter) for a in adapters.values())


def test_configured_providers_are_built(tmp_path):
    adapters = build_adapters(
        {
            "email": {"provider": "smtp", "host": "smtp.example.nl", "from_addr": "r@example.nl",
                      "security": "ssl", "username": "u", "password": "p"},
            "sms": TWILIO,
            "whatsapp": TWILIO,
            "voice": {**TWILIO, "machine_detection": "Enable"},
            "push": {"provider": "webhook", "url": "https://app.example.nl/push", "secret": "s"},
            "letter": {"provider": "print_folder", "folder": str(tmp_path / "print")},
        },
        tmp_path,
    )  # fmt: skip
    email = adapters["email"]
    assert isinstance(email, SmtpAdapter) and (email.port, email.security) == (465, "ssl")
    sms, whatsapp = adapters["sms"], adapters["whatsapp"]
    assert isinstance(sms, TwilioMessagingAdapter) and not sms.whatsapp
    assert isinstance(whatsapp, TwilioMessagingAdapter) and whatsapp.whatsapp
    voice = adapters["voice"]
    assert isinstance(voice, TwilioVoiceAdapter) and voice.machine_detection == "Enable"
    assert isinstance(adapters["push"], PushWebhookAdapter)
    assert isinstance(adapters["letter"], PrintFolderAdapter)


def test_secrets_can_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CF_TEST_SMTP_PASSWORD", "from-env")
    adapters = build_adapters(
        {"email": {"provider": "smtp", "host": "h", "from_addr": "r@example.nl",
                   "username": "u", "password_env": "CF_TEST_SMTP_PASSWORD"}},
        tmp_path,
    )  # fmt: skip
    email = adapters["email"]
    assert isinstance(email, SmtpAdapter)
    assert email._password == "from-env"
    assert "from-env" not in repr(email)


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ({"sms": {"provider": "messagebird"}}, "channel 'sms': unknown provider 'messagebird'"),
        ({"letter": {"provider": "smtp"}}, "channel 'letter': unknown provider 'smtp'"),
        ({"fax": {"provider": "sandbox"}}, "unknown channel.*fax"),
        ({"sms": {**TWILIO, "auth_token": ""}}, "channel 'sms' \\(twilio\\): setting 'auth_token'"),
        ({"email": {"provider": "smtp", "host": "h"}}, "setting 'from_addr' is required"),
        ({"push": {"provider": "webhook", "url": "https://a", "secret": "s", "sekret": "x"}},
         "channel 'push' \\(webhook\\): unknown setting\\(s\\) sekret"),
        ({"sms": {**TWILIO, "machine_detection": "Enable"}}, "machine_detection applies to voice"),
        ({"email": {"provider": "smtp", "host": "h", "from_addr": "a@b.nl",
                    "password_env": "CF_TEST_UNSET_VARIABLE"}}, "CF_TEST_UNSET_VARIABLE"),
        ({"email": {"provider": "smtp", "host": "h", "from_addr": "a@b.nl",
                    "dkim_selector": "s"}}, "DKIM needs"),
        ({"email": {"provider": "smtp", "host": "h", "from_addr": "a@b.nl", "timeout": "soon"}},
         "timeout 'soon' is not a number"),
    ],
)  # fmt: skip
def test_bad_configuration_names_the_channel_and_reason(tmp_path, config, error):
    with pytest.raises(ValueError, match=error):
        build_adapters(config, tmp_path)
