"""Polling a real IMAP mailbox (pymap on loopback, STARTTLS) for e-mail replies.

Debtors answer reminders by e-mail; the replies land in the credit department's
mailbox. Each poll handles every unseen reply once through the conversation
pipeline, marks it \\Seen, and leaves every other message as it was.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from creditflow.config import ConfigError, Settings
from creditflow.db import transaction
from creditflow.inbound.imap import poll_mailbox
from creditflow.inbound.models import ConversationMessage
from creditflow.ledger.models import Customer, Event, PromiseToPay
from tests.support.imap_server import ImapTestServer, imap_server
from tests.support.portal_data import NOW, actions_of, add_customer, add_invoice

USER, PASSWORD = "debiteuren@example.nl", "s3cret-imap"


def mail(
    sender: str,
    body: str,
    *,
    subject: str = "Re: Herinnering factuur",
    message_id: str | None = "<default>",
    content_type: str = 'text/plain; charset="utf-8"',
) -> bytes:
    """An RFC 822 reply as a mail client would send it (CRLF line ends)."""
    headers = [
        f"From: {sender}",
        f"To: {USER}",
        f"Subject: {subject}",
        "Date: Mon, 2 Mar 2026 10:15:02 +0100",
        "MIME-Version: 1.0",
        f"Content-Type: {content_type}",
        "Content-Transfer-Encoding: 8bit",
    ]
    if message_id is not None:
        headers.insert(0, f"Message-ID: {message_id}")
    return ("\r\n".join(headers) + "\r\n\r\n" + body.replace("\n", "\r\n")).encode("utf-8")


JAN_PROMISES = mail(
    "Jan de Vries <Jan@Example.nl>",
    "Ik betaal vrijdag, excuses voor de vertraging.\n\nGroet, Jan\n\n"
    "Op 01-03-2026 om 09:00 schreef creditflow demo B.V.:\n"
    "> Beste Jan, factuur INV-1001 staat nog open.\n",
    message_id="<jan-promise-1@example.nl>",
)
ANN_STOPS = mail(
    '"Ann Smith" <ann@example.com>',
    "STOP\n",
    subject="RE: Payment reminder",
    message_id="<AM0PR01MB1234@eurprd01.prod.outlook.com>",
)
STRANGER_ASKS = mail(
    "Piet Onbekend <piet@elders.example>",
    "Waarom krijg ik deze mail? Ik ben geen klant van u.\n",
    message_id="<stranger-1@elders.example>",
)


@pytest.fixture
def ledger(engine: Engine) -> dict[str, int]:
    """A Dutch and an English customer, each with an overdue invoice and an e-mail address."""
    with transaction(engine) as session:
        jan = add_customer(session, "NL1", language="nl", email="jan@example.nl")
        ann = add_customer(session, "EN1", language="en", email="ann@example.com")
        add_invoice(session, jan, "INV-1001", 12_500, date(2026, 1, 20))
        add_invoice(session, ann, "INV-2001", 30_000, date(2026, 2, 5))
        return {"jan": jan.id, "ann": ann.id}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ImapTestServer]:
    """An empty mailbox on a real IMAP server on 127.0.0.1."""
    with imap_server(tmp_path / "imap", USER, PASSWORD) as running:
        yield running


def polling(settings: Settings, server: ImapTestServer, **overrides: Any) -> Settings:
    """Settings whose [providers.imap] section points at the test server."""
    providers = {**settings.providers, "imap": server.provider_settings(**overrides)}
    return replace(settings, providers=providers)


def poll(engine: Engine, settings: Settings) -> int:
    """One poll, as the scheduler runs it, with the clock at NOW."""
    return poll_mailbox(engine, settings, now=lambda: NOW)


def inbound_messages(engine: Engine) -> list[ConversationMessage]:
    """Every inbound conversation message, oldest first."""
    with transaction(engine) as session:
        rows = session.scalars(
            select(ConversationMessage)
            .where(ConversationMessage.direction == "in")
            .order_by(ConversationMessage.id)
        ).all()
        session.expunge_all()
        return list(rows)


def promises(engine: Engine, customer_pk: int) -> list[tuple[date, str]]:
    """The customer's promises to pay: (date, source)."""
    with transaction(engine) as session:
        rows = session.scalars(
            select(PromiseToPay).where(PromiseToPay.customer_id == customer_pk)
        ).all()
        return [(p.promised_date, p.source) for p in rows]


def test_each_unseen_reply_is_handled_once_and_marked_seen(engine, settings, ledger, server):
    settings = polling(settings, server)
    already_read = mail("jan@example.nl", "Ik wil iemand spreken", message_id="<read-1@x>")
    server.append(already_read, flags="\\Seen")
    for raw in (JAN_PROMISES, ANN_STOPS, STRANGER_ASKS):
        server.append(raw)

    assert poll(engine, settings) == 3

    messages = inbound_messages(engine)
    by_sender = {m.sender: m for m in messages}
    assert set(by_sender) == {"jan@example.nl", "ann@example.com", "piet@elders.example"}
    assert by_sender["jan@example.nl"].customer_id == ledger["jan"]
    assert by_sender["jan@example.nl"].text == (
        "Ik betaal vrijdag, excuses voor de vertraging.\n\nGroet, Jan"
    )
    assert by_sender["ann@example.com"].customer_id == ledger["ann"]
    assert promises(engine, ledger["jan"]) == [(date(2026, 3, 6), "email")]
    with transaction(engine) as session:
        ann = session.get(Customer, ledger["ann"])
        assert ann is not None and "email" in ann.opt_out
        timeline = session.scalars(
            select(Event.customer_id).where(Event.kind == "conversation.in")
        ).all()
        assert sorted(timeline) == sorted([ledger["jan"], ledger["ann"]])
    replies = [a for a in actions_of(engine, ledger["jan"]) if a["step"] == "conversation_reply"]
    assert len(replies) == 1 and "06-03-2026" in replies[0]["payload"]["text"]

    assert server.unseen() == []
    assert server.count() == 4, "the poller must not delete or move messages"

    assert poll(engine, settings) == 0
    assert len(inbound_messages(engine)) == 3
    assert len(promises(engine, ledger["jan"])) == 1


def test_a_reply_from_an_unknown_sender_is_kept_not_lost(engine, settings, ledger, server):
    settings = polling(settings, server)
    server.append(STRANGER_ASKS)

    assert poll(engine, settings) == 1

    [kept] = inbound_messages(engine)
    assert (kept.customer_id, kept.sender) == (None, "piet@elders.example")
    assert kept.text == "Waarom krijg ik deze mail? Ik ben geen klant van u."
    assert kept.provider_id == "<stranger-1@elders.example>"
    for customer_pk in ledger.values():
        assert actions_of(engine, customer_pk) == []
    assert server.unseen() == []


@pytest.mark.parametrize(
    "message_id",
    [
        "<jan-promise-1@example.nl>",
        None,  # some gateways and scripts send no Message-ID at all
        "<" + "x" * 200 + "@very-long-ids.example>",  # longer than the column
    ],
    ids=["with-message-id", "without-message-id", "overlong-message-id"],
)
def test_a_reply_seen_again_after_a_crash_is_not_acted_on_twice(
    engine, settings, ledger, server, message_id
):
    """The poller died after committing but before STORE \\Seen: the next poll sees it again."""
    settings = polling(settings, server)
    server.append(mail("jan@example.nl", "Ik betaal vrijdag", message_id=message_id))
    assert poll(engine, settings) == 1
    with server.client() as imap:
        imap.select('"INBOX"')
        imap.uid("STORE", "1:*", "-FLAGS", "(\\Seen)")
    assert len(server.unseen()) == 1

    poll(engine, settings)

    assert server.unseen() == []
    assert len(inbound_messages(engine)) == 1
    assert promises(engine, ledger["jan"]) == [(date(2026, 3, 6), "email")]
    steps = [a["step"] for a in actions_of(engine, ledger["jan"])]
    assert steps.count("conversation_reply") == 1


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("Ik betaal vrijdag", 'text/plain; charset="x-unknown-charset"'),
        ("Ik betaal vrijdag\x00", 'text/plain; charset="utf-8"'),  # PostgreSQL refuses NUL
    ],
    ids=["unknown-charset", "nul-byte"],
)
def test_a_malformed_reply_is_still_read_and_does_not_block_the_mailbox(
    engine, settings, ledger, server, body, content_type
):
    settings = polling(settings, server)
    server.append(mail("jan@example.nl", body, content_type=content_type, message_id="<odd@x>"))
    server.append(ANN_STOPS)

    assert poll(engine, settings) == 2

    texts = [m.text for m in inbound_messages(engine)]
    assert texts == ["Ik betaal vrijdag", "STOP"]
    assert promises(engine, ledger["jan"]) == [(date(2026, 3, 6), "email")]
    assert server.unseen() == []


def test_a_folder_with_spaces_and_accents_is_polled_and_inbox_left_alone(
    engine, settings, ledger, server
):
    folder = "Débiteuren antwoorden"
    server.create_folder(folder)
    server.append(ANN_STOPS, folder=folder)
    server.append(JAN_PROMISES)
    settings = polling(settings, server, folder=folder)

    assert poll(engine, settings) == 1

    assert [m.sender for m in inbound_messages(engine)] == ["ann@example.com"]
    assert server.unseen(folder) == []
    assert server.unseen() == [JAN_PROMISES]


def test_a_missing_folder_is_a_configuration_error_naming_it(engine, settings, server):
    server.append(JAN_PROMISES)
    settings = polling(settings, server, folder="Replies")

    with pytest.raises(ConfigError, match=r"folder: cannot open 'Replies'"):
        poll(engine, settings)

    assert server.unseen() == [JAN_PROMISES]


def test_a_wrong_password_is_a_configuration_error_naming_the_user(engine, settings, server):
    settings = polling(settings, server, password="not-the-password")

    with pytest.raises(ConfigError, match=r"refused the login of 'debiteuren@example.nl'"):
        poll(engine, settings)


def test_the_password_can_come_from_the_environment(engine, settings, ledger, server, monkeypatch):
    monkeypatch.setenv("TEST_IMAP_PASSWORD", PASSWORD)
    settings = polling(settings, server, password=None, password_env="TEST_IMAP_PASSWORD")
    server.append(JAN_PROMISES)

    assert poll(engine, settings) == 1


def test_a_server_with_an_untrusted_certificate_gets_no_password(engine, settings, server):
    settings = polling(settings, server, cafile=None)

    with pytest.raises(ssl.SSLCertVerificationError):
        poll(engine, settings)
    with transaction(engine) as session:
        assert session.scalar(select(func.count(ConversationMessage.id))) == 0


def test_a_server_that_never_answers_times_out(engine, settings):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(1)  # the kernel completes the handshake; nobody ever greets
    try:
        section = {
            "host": "127.0.0.1",
            "port": silent.getsockname()[1],
            "security": "starttls",
            "username": USER,
            "password": PASSWORD,
            "timeout": 0.5,
        }
        settings = replace(settings, providers={**settings.providers, "imap": section})
        with pytest.raises(TimeoutError):
            poll(engine, settings)
    finally:
        silent.close()
