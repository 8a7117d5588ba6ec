"""Rewording against a real local chat completions server: used when sound, else the template."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from creditflow.config import Settings
from creditflow.config.sections import parse_llm
from creditflow.messages.llm import llm_client, personalise_message
from creditflow.messages.render import RenderedMessage, render_message
from creditflow.messages.sample import sample_context
from tests.support.openai_emulator import Completion, OpenAIEmulator
from tests.support.serve_asgi import serving

KEY_ENV = "CREDITFLOW_TEST_LLM_KEY"


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[OpenAIEmulator, str]]:
    """The emulated endpoint on loopback and its base URL; the key is in the environment."""
    fake = OpenAIEmulator()
    assert fake.api_key is not None
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    with serving(fake.app) as url:
        yield fake, url


def _settings(url: str, **llm: Any) -> Settings:
    section = {
        "enabled": True,
        "base_url": url,
        "model": "test-model",
        "api_key_env": KEY_ENV,
        "timeout_seconds": 2,
        **llm,
    }
    return replace(Settings(), llm=parse_llm({"llm": section}))


def _sms(language: str = "nl") -> tuple[Any, RenderedMessage]:
    ctx = sample_context("reminder", language, "friendly")
    return ctx, render_message("reminder", "sms", ctx)


def _good(ctx: Any) -> str:
    return (
        f"{ctx.creditor.name}: Beste klant, we missen nog uw betaling van € 412,50 voor "
        f"2 facturen. Betaal eenvoudig via {ctx.pay_url} Antwoord STOP om af te melden."
    )


def test_an_accepted_rewording_is_sent_and_the_request_is_openai_shaped(emulator) -> None:
    fake, url = emulator
    ctx, rendered = _sms()
    fake.script(_good(ctx))
    result = personalise_message(rendered, ctx, _settings(url, temperature=0.2))
    assert result.personalised and result.text == _good(ctx)
    request = fake.requests[0]
    assert request["model"] == "test-model" and request["temperature"] == 0.2
    assert [m["role"] for m in request["messages"]] == ["system", "user"]
    assert fake.user_text() == rendered.text
    assert "Dutch" in fake.system_text() and "€ 412,50" in fake.system_text()
    assert isinstance(request["max_tokens"], int) and request["max_tokens"] > 0
    assert fake.authorizations == [f"Bearer {fake.api_key}"]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda t, c: t.replace(c.pay_url, "de link"), "pay link"),
        (lambda t, c: t.replace("€ 412,50", "€ 41,25"), "amount"),
        (lambda t, c: t + " Anders sturen we de deurwaarder.", "deurwaarder"),
        (lambda t, c: t + " Dank u wel voor uw begrip en een hele fijne dag!" * 3, "length"),
        (lambda t, c: t + " Of betaal via https://betaal-hier.example.com/x", "link"),
    ],
)
def test_a_bad_rewording_falls_back_to_the_template(emulator, change, why) -> None:
    fake, url = emulator
    ctx, rendered = _sms()
    fake.script(change(_good(ctx), ctx))
    result = personalise_message(rendered, ctx, _settings(url))
    assert result.text == rendered.text and not result.personalised
    assert why in (result.fallback_reason or ""), result.fallback_reason
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        (Completion(status=500), "http"),
        (Completion(status=429), "http"),
        (Completion(raw='{"choices": [ not json'), "malformed"),
        (Completion(raw='{"id": "x", "choices": []}'), "malformed"),
        (Completion("half a sent", finish_reason="length"), "truncated"),
        (Completion("too late", delay_seconds=1.5), "timeout"),
    ],
)
def test_a_failing_endpoint_falls_back_to_the_template(emulator, answer, why) -> None:
    fake, url = emulator
    ctx, rendered = _sms()
    fake.script(answer)
    result = personalise_message(rendered, ctx, _settings(url, timeout_seconds=0.4))
    assert result.text == rendered.text and not result.personalised
    assert (result.fallback_reason or "").startswith(why), result.fallback_reason


def test_a_wrong_key_is_refused_by_the_server_and_the_template_is_sent(emulator, monkeypatch):
    fake, url = emulator
    monkeypatch.setenv(KEY_ENV, "sk-wrong")
    ctx, rendered = _sms()
    fake.script(_good(ctx))
    result = personalise_message(rendered, ctx, _settings(url))
    assert result.text == rendered.text
    assert "401" in (result.fallback_reason or "")


def test_disabled_makes_no_request_at_all(emulator) -> None:
    fake, url = emulator
    ctx, rendered = _sms()
    fake.script(_good(ctx))
    for settings in (_settings(url, enabled=False), Settings()):
        assert personalise_message(rendered, ctx, settings).text == rendered.text
    assert fake.requests == [] and fake.authorizations == []


@pytest.mark.parametrize(
    ("template", "kind"),
    [("fourteen_day_letter", "consumer"), ("final_notice_business", "business")],
)
def test_legal_letters_never_reach_the_endpoint(emulator, template: str, kind: str) -> None:
    fake, url = emulator
    ctx = sample_context(template, "nl", "firm", customer_kind=kind)
    for channel in ("sms", "whatsapp", "push", "email", "letter"):
        rendered = render_message(template, channel, ctx)
        fake.script(rendered.text)
        result = personalise_message(rendered, ctx, _settings(url))
        assert result.text == rendered.text
    assert fake.authorizations == []


def test_the_key_is_never_logged_nor_in_a_repr(emulator, caplog) -> None:
    fake, url = emulator
    assert fake.api_key is not None
    settings = _settings(url)
    ctx, rendered = _sms()
    fake.script(Completion(status=500), _good(ctx) + " deurwaarder", _good(ctx))
    with caplog.at_level(logging.DEBUG):
        results = [personalise_message(rendered, ctx, settings) for _ in range(3)]
    assert [r.personalised for r in results] == [False, False, True]
    assert "LLM phrasing" in caplog.text  # the two fallbacks were logged
    assert fake.api_key not in caplog.text
    assert ctx.pay_url not in caplog.text and "€ 412,50" not in caplog.text
    config = settings.llm
    with llm_client(config) as client:
        for text in (repr(client), repr(config), repr(settings), repr(results[0])):
            assert fake.api_key not in text


def test_a_shared_client_is_reused(emulator) -> None:
    fake, url = emulator
    settings = _settings(url)
    ctx, rendered = _sms()
    fake.script(_good(ctx), _good(ctx))
    with llm_client(settings.llm) as client:
        first = personalise_message(rendered, ctx, settings, client=client)
        second = personalise_message(rendered, ctx, settings, client=client)
    assert first.personalised and second.personalised and len(fake.requests) == 2
