"""Conversation answers reworded by a real local chat completions server, with the same checks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, select

from creditflow.config import Settings
from creditflow.config.sections import parse_llm
from creditflow.db import transaction
from creditflow.inbound.models import ConversationMessage
from creditflow.inbound.pipeline import Reply, handle_message
from tests.support.openai_emulator import OpenAIEmulator
from tests.support.portal_data import NOW, add_customer, add_invoice
from tests.support.serve_asgi import serving

KEY_ENV = "CREDITFLOW_TEST_LLM_KEY"
PHONE = "+31612345678"


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[OpenAIEmulator, str]]:
    """The emulated endpoint on loopback and its base URL; the key is in the environment."""
    fake = OpenAIEmulator()
    assert fake.api_key is not None
    monkeypatch.setenv(KEY_ENV, fake.api_key)
    with serving(fake.app) as url:
        yield fake, url


@pytest.fixture
def customer(engine: Engine) -> int:
    """A Dutch customer reachable by SMS with two overdue invoices."""
    with transaction(engine) as session:
        jan = add_customer(session, "NL1", language="nl", phone=PHONE)
        add_invoice(session, jan, "INV-1001", 10_000, date(2026, 1, 20))
        add_invoice(session, jan, "INV-1002", 20_000, date(2026, 2, 5))
        return jan.id


def _on(settings: Settings, url: str, **extra: Any) -> Settings:
    section = {"enabled": True, "base_url": url, "model": "m", "api_key_env": KEY_ENV, **extra}
    return replace(settings, llm=parse_llm({"llm": section}))


def _handle(engine: Engine, settings: Settings, text: str, provider_id: str) -> Reply:
    with transaction(engine) as session:
        return handle_message(
            session,
            settings,
            channel="sms",
            sender=PHONE,
            text=text,
            received_at=NOW,
            provider_id=provider_id,
        )


def _link(body: dict[str, Any]) -> str:
    found = re.search(r"https?://\S+", body["messages"][-1]["content"])
    assert found, "the answer to reword carries the pay link"
    return found.group(0)


def test_a_pay_link_answer_is_reworded_and_keeps_the_link(engine, settings, customer, emulator):
    fake, url = emulator
    fake.script(lambda body: f"Natuurlijk! Betaal meteen en veilig via {_link(body)}")
    reply = _handle(engine, _on(settings, url), "Stuur me een betaallink", "SM1")
    assert reply.intent == "pay_link"
    assert reply.text.startswith("Natuurlijk! Betaal meteen en veilig via http")
    assert _link(fake.requests[0]) in reply.text
    assert "Stuur me een betaallink" not in str(fake.requests[0])  # the debtor's words stay here
    with transaction(engine) as session:
        sent = session.scalars(
            select(ConversationMessage.text).where(ConversationMessage.direction == "out")
        ).all()
    assert sent == [reply.text]


def test_a_reworded_answer_that_drops_the_pay_link_is_not_used(
    engine, settings, customer, emulator
):
    fake, url = emulator
    fake.script("Natuurlijk! U ontvangt zo een betaallink.")
    reply = _handle(engine, _on(settings, url), "Stuur me een betaallink", "SM2")
    assert reply.text.startswith("We sturen u een betaallink. U kunt ook direct betalen: http")
    assert len(fake.requests) == 1


def test_a_promise_answer_keeps_its_date(engine, settings, customer, emulator) -> None:
    fake, url = emulator
    fake.script("Top, dank u! We rekenen op uw betaling op 17-03-2026.")
    reply = _handle(engine, _on(settings, url), "Ik betaal op 16 maart", "SM3")
    assert reply.intent == "promise"
    assert reply.text == "Dank u. We hebben genoteerd dat u uiterlijk 16-03-2026 betaalt."
    assert "16-03-2026" in fake.system_text()  # asked, refused by the check


def test_replies_off_or_llm_off_make_no_request(engine, settings, customer, emulator) -> None:
    fake, url = emulator
    _handle(engine, settings, "Stuur me een betaallink", "SM4")
    _handle(engine, _on(settings, url, replies=False), "Stuur me een betaallink", "SM5")
    _handle(engine, _on(settings, url), "STOP", "SM6")  # an opt-out keeps its fixed words
    assert fake.requests == []
