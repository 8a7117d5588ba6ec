"""The `[llm]` settings and when a message is (never) handed to a model."""

from __future__ import annotations

from typing import Any

import pytest

from creditflow.config import ConfigError, Settings, settings_from
from creditflow.messages.llm import (
    LEGAL_TEMPLATES,
    llm_client,
    personalise_message,
    phrase_reply,
)
from creditflow.messages.llm_check import message_facts
from creditflow.messages.llm_client import completions_url
from creditflow.messages.llm_prompt import system_prompt
from creditflow.messages.render import render_message
from creditflow.messages.sample import sample_context

ON = {"enabled": True, "base_url": "http://127.0.0.1:9", "model": "m"}


class RecordingModel:
    """Answers every request with a fixed text and keeps what it was asked."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.calls: list[dict[str, Any]] = []

    def complete(self, system: str, user: str, *, max_tokens: int) -> str:
        """The fixed answer."""
        self.calls.append({"system": system, "user": user, "max_tokens": max_tokens})
        return self.answer


def _settings(llm: dict[str, Any] | None) -> Settings:
    return settings_from({} if llm is None else {"llm": llm}, environ={})


def test_absent_section_means_disabled_with_defaults() -> None:
    config = _settings(None).llm
    assert not config.enabled
    assert config.timeout_seconds == 10
    assert config.channels == ("sms", "whatsapp", "push")
    assert config.max_chars["sms"] == 306


@pytest.mark.parametrize(
    ("section", "names"),
    [
        ({"enabled": "yes"}, "enabled"),
        ({"enabled": True, "model": "m"}, "base_url"),
        ({"enabled": True, "base_url": "http://x"}, "model"),
        ({**ON, "timeout_seconds": 0}, "timeout_seconds"),
        ({**ON, "temperature": 3}, "temperature"),
        ({**ON, "max_chars": {"fax": 100}}, "max_chars.fax"),
        ({**ON, "max_chars": {"sms": 5}}, "max_chars.sms"),
        ({**ON, "channels": ["letter"]}, "channels"),
        ({**ON, "api_key": "sk-inline"}, "api_key"),
    ],
)
def test_a_wrong_setting_is_named(section: dict[str, Any], names: str) -> None:
    with pytest.raises(ConfigError, match=names):
        _settings(section).llm


def test_disabled_returns_the_template_without_asking_the_model() -> None:
    ctx = sample_context("reminder")
    rendered = render_message("reminder", "sms", ctx)
    model = RecordingModel("Anders iets")
    for llm in (None, {"enabled": False, "base_url": "http://x", "model": "m"}):
        result = personalise_message(rendered, ctx, _settings(llm), client=model)
        assert result.text == rendered.text
        assert not result.personalised
        assert result.fallback_reason == "disabled"
    assert model.calls == []


@pytest.mark.parametrize("template", sorted(LEGAL_TEMPLATES))
@pytest.mark.parametrize("channel", ["sms", "whatsapp", "push"])
def test_legal_letters_are_never_sent_to_the_model(template: str, channel: str) -> None:
    ctx = sample_context(template, customer_kind="business")
    rendered = render_message(template, channel, ctx)
    model = RecordingModel(rendered.text)
    result = personalise_message(rendered, ctx, _settings(ON), client=model)
    assert model.calls == []
    assert result.text == rendered.text
    assert "fixed wording" in (result.fallback_reason or "")


def test_a_channel_not_listed_is_not_reworded() -> None:
    ctx = sample_context("reminder")
    rendered = render_message("reminder", "email", ctx)
    model = RecordingModel("x")
    result = personalise_message(rendered, ctx, _settings(ON), client=model)
    assert (result.text, result.html, model.calls) == (rendered.text, rendered.html, [])


def test_an_accepted_rewording_replaces_only_the_text() -> None:
    ctx = sample_context("reminder", "en", "friendly")
    rendered = render_message("reminder", "push", ctx)
    answer = (
        f"Hi! Your payment of €412.50 for 2 invoices hasn't reached us yet. "
        f"Pay at {ctx.pay_url} Questions? Call 020 123 4567."
    )
    model = RecordingModel(answer)
    result = personalise_message(rendered, ctx, _settings(ON), client=model)
    assert result.personalised and result.fallback_reason is None
    assert result.text == answer
    assert (result.subject, result.template, result.channel) == (
        rendered.subject,
        "reminder",
        "push",
    )
    assert model.calls[0]["user"] == rendered.text


def test_a_missing_api_key_falls_back_instead_of_failing_the_send(monkeypatch) -> None:
    monkeypatch.delenv("CF_TEST_UNSET_LLM_KEY", raising=False)
    ctx = sample_context("reminder")
    rendered = render_message("reminder", "sms", ctx)
    settings = _settings({**ON, "api_key_env": "CF_TEST_UNSET_LLM_KEY"})
    result = personalise_message(rendered, ctx, settings)
    assert result.text == rendered.text and not result.personalised
    assert "CF_TEST_UNSET_LLM_KEY is unset" in (result.fallback_reason or "")


def test_a_wrong_llm_section_is_refused_at_load_not_at_send() -> None:
    with pytest.raises(ConfigError, match=r"\[llm\] base_url"):
        _settings({"enabled": True})


def test_the_system_prompt_states_creditor_language_tone_facts_and_limits() -> None:
    ctx = sample_context("reminder", "nl", "firm")
    rendered = render_message("reminder", "sms", ctx)
    prompt = system_prompt(
        creditor=ctx.creditor.name,
        language="nl",
        tone="firm",
        channel="sms",
        facts=message_facts(ctx, rendered.text),
        max_chars=306,
    )
    for words in (ctx.creditor.name, "Dutch", "firm", "€ 412,50", ctx.pay_url, "threaten"):
        assert words in prompt
    assert "legal claims" in prompt and "306 characters" in prompt


def test_an_opt_out_confirmation_is_never_reworded() -> None:
    model = RecordingModel("x")
    text = "U bent afgemeld voor berichten via dit kanaal."
    result = phrase_reply(
        text,
        _settings(ON),
        intent="opt_out",
        language="nl",
        channel="sms",
        creditor="C",
        client=model,
    )
    assert (result.text, model.calls) == (text, [])


def test_the_key_comes_from_the_environment_and_is_not_in_any_repr() -> None:
    key = "sk-very-secret-0123456789"
    config = _settings({**ON, "api_key_env": "LLM_KEY"}).llm
    with llm_client(config, {"LLM_KEY": key}) as client:
        assert key not in repr(client) and key not in repr(config)
    with pytest.raises(ConfigError, match="LLM_KEY"):
        llm_client(config, {})


@pytest.mark.parametrize("base", ["http://h:1", "http://h:1/", "http://h:1/v1", "http://h:1/v1/"])
def test_the_completions_url(base: str) -> None:
    assert completions_url(base) == "http://h:1/v1/chat/completions"
