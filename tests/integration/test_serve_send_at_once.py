"""A portal login code goes out as soon as it is asked for, over a real SMTP server.

The web app sends the message its request queued right after the request's
transaction commits, through the dispatch path (attempt row, outcome, timeline).
When the mail server is down the request still succeeds and the code stays queued
for the worker, which sends it once the server is back.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from creditflow.api.app import create_app
from creditflow.config import Settings
from creditflow.db import transaction
from creditflow.dispatch.worker import dispatch_due
from tests.support.portal_data import add_customer
from tests.support.smtp_server import free_port, running_smtp_server


def _smtp(settings: Settings, port: int) -> Settings:
    channel = {
        "provider": "smtp",
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "from_addr": "debiteuren@example.nl",
        "timeout": 2,
    }
    organisation = replace(settings.organisation, iban="NL91ABNA0417164300")
    return replace(settings, channels={"email": channel}, organisation=organisation)


def _ask_for_a_code(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        form = client.get("/portal/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf, form.text
        asked = client.post(
            "/portal/login",
            data={"customer_id": "C001", "contact": "jan@example.nl", "csrf_token": csrf[1]},
        )
        assert asked.status_code == 200, asked.text


def _code_action(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        (row,) = conn.execute(
            text(
                "SELECT status, attempts, next_attempt_at, error FROM action "
                "WHERE step = 'access_code'"
            )
        ).mappings()
        return dict(row)


def _jan(engine: Engine) -> None:
    with transaction(engine) as session:
        add_customer(session, "C001", email="jan@example.nl")


def test_the_login_code_is_sent_before_the_page_is_answered(engine, settings):
    _jan(engine)
    with running_smtp_server() as server:
        _ask_for_a_code(_smtp(settings, server.port))
        (mail,) = server.messages
    assert mail.rcpt_tos == ("jan@example.nl",)
    assert re.search(r"\b\d{6}\b", mail.message().get_body().get_content())  # type: ignore[union-attr]
    action = _code_action(engine)
    assert (action["status"], action["attempts"]) == ("sent", 1)


def test_with_the_mail_server_down_the_code_stays_queued_for_the_worker(engine, settings):
    _jan(engine)
    down = _smtp(settings, free_port())
    _ask_for_a_code(down)
    action = _code_action(engine)
    assert (action["status"], action["attempts"]) == ("queued", 1)
    assert action["next_attempt_at"] is not None and "unreachable" in action["error"]

    with running_smtp_server() as server:
        later = datetime.now(UTC) + timedelta(hours=1)
        report = dispatch_due(engine, _smtp(settings, server.port), until=later, now=later)
        assert report.sent == 1
        assert len(server.messages) == 1
    assert _code_action(engine)["status"] == "sent"
