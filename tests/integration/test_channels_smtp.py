"""The SMTP adapter against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import sys
from pathlib import Path

import dkim
import pytest

from creditflow.channels.base import Attachment, OutboundMessage
from creditflow.channels.email_smtp import DkimConfig, SmtpAdapter

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # for tests.support

from tests.support.keys import (  # noqa: E402
    client_tls_context,
    dkim_dns_record,
    rsa_private_key_pem,
    self_signed_localhost,
    server_tls_context,
)
from tests.support.smtp_server import SmtpTestServer, free_port, running_smtp_server  # noqa: E402

PAY_LINK = "https://pay.example.nl/p/INV-1001-9f3a"


@pytest.fixture
def smtp_server():
    with running_smtp_server() as server:
        yield server


def adapter_for(server: SmtpTestServer, **kwargs: object) -> SmtpAdapter:
    options: dict[str, object] = {
        "security": "none",
        "from_addr": "Example BV <reminders@example.nl>",
        "timeout": 5.0,
    }
    options.update(kwargs)
    return SmtpAdapter(server.host, server.port, **options)  # type: ignore[arg-type]


def reminder(to: str = "jan@example.nl", action_id: str = "A-1") -> OutboundMessage:
    return OutboundMessage(
        action_id=action_id,
        customer_id="C001",
        channel="email",
        to=to,
        subject="Herinnering: factuur INV-1001 staat open",
        text=f"Beste Jan,\n\nEr staat € 412,50 open. Betaal via {PAY_LINK}\n",
        html=f'<p>Er staat &euro; 412,50 open.</p><p><a href="{PAY_LINK}">Betaal nu</a></p>',
        attachments=(Attachment("INV-1001.pdf", "application/pdf", b"%PDF-1.4 invoice"),),
        metadata={
            "unsubscribe_url": "https://portal.example.nl/unsubscribe/tok123",
            "unsubscribe_mailto": "unsubscribe@example.nl",
        },
    )


def test_reminder_arrives_with_both_parts_pay_link_and_unsubscribe_headers(smtp_server):
    adapter = adapter_for(smtp_server)
    result = adapter.send(reminder())
    adapter.close()

    assert result.ok, result.error
    (received,) = smtp_server.messages
    assert received.mail_from == "reminders@example.nl"
    assert received.rcpt_tos == ("jan@example.nl",)
    msg = received.message()
    assert msg["Message-ID"] == result.provider_message_id
    assert msg["Subject"] == "Herinnering: factuur INV-1001 staat open"
    assert PAY_LINK in msg.get_body(("plain",)).get_content()
    assert f'href="{PAY_LINK}"' in msg.get_body(("html",)).get_content()
    assert "<https://portal.example.nl/unsubscribe/tok123>" in msg["List-Unsubscribe"]
    assert "<mailto:unsubscribe@example.nl>" in msg["List-Unsubscribe"]
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (invoice,) = list(msg.iter_attachments())
    assert invoice.get_content() == b"%PDF-1.4 invoice"


def test_dkim_signature_verifies_on_what_the_server_received(smtp_server):
    key = rsa_private_key_pem()
    record = dkim_dns_record(key)
    adapter = adapter_for(
        smtp_server,
        dkim=DkimConfig(selector="cf", domain="example.nl", private_key_pem=key),
    )
    assert adapter.send(reminder()).ok
    adapter.close()

    (received,) = smtp_server.messages
    assert dkim.verify(received.data, dnsfunc=lambda name, timeout=5: record)
    parsed = email.message_from_bytes(received.data, policy=email.policy.default)
    assert "d=example.nl" in str(parsed["DKIM-Signature"])


def test_unknown_mailbox_550_is_permanent_and_marks_the_address_invalid(smtp_server):
    smtp_server.refuse("gone@example.nl", "550 5.1.1 <gone@example.nl>: user unknown")
    adapter = adapter_for(smtp_server)
    result = adapter.send(reminder(to="gone@example.nl"))
    follow_up = adapter.send(reminder(action_id="A-2"))
    adapter.close()

    assert result.status == "permanent_failure"
    assert result.contact_invalid
    assert "550" in (result.error or "")
    assert follow_up.ok  # the connection survives a refused recipient
    assert smtp_server.connections == 1


def test_greylisting_451_is_transient(smtp_server):
    smtp_server.refuse("busy@example.nl", "451 4.7.1 greylisted, try again later")
    adapter = adapter_for(smtp_server)
    result = adapter.send(reminder(to="busy@example.nl"))
    adapter.close()
    assert (result.status, result.contact_invalid) == ("transient_failure", False)
    assert "451" in (result.error or "")


def test_rejected_content_554_is_permanent_but_the_address_is_fine(smtp_server):
    smtp_server.handler.data_reply = "554 5.7.1 message rejected as spam"
    adapter = adapter_for(smtp_server)
    result = adapter.send(reminder())
    adapter.close()
    assert (result.status, result.contact_invalid) == ("permanent_failure", False)


def test_many_sends_share_one_connection(smtp_server):
    adapter = adapter_for(smtp_server)
    results = [adapter.send(reminder(action_id=f"A-{n}")) for n in range(25)]
    adapter.close()
    assert all(result.ok for result in results)
    assert len(smtp_server.messages) == 25
    assert smtp_server.connections == 1
    assert adapter.connections_opened == 1


def test_a_batch_goes_over_several_reused_connections_with_results_in_order(smtp_server):
    smtp_server.refuse("gone@example.nl", "550 5.1.1 no such user")
    adapter = adapter_for(smtp_server, max_connections=3)
    batch = [
        reminder(to="gone@example.nl" if n == 7 else f"debtor{n}@example.nl", action_id=f"B-{n}")
        for n in range(30)
    ]
    first = adapter.send_batch(batch, concurrency=8)
    second = adapter.send_batch([reminder(action_id="B-30")], concurrency=8)
    adapter.close()

    assert [r.status for r in first] == ["sent"] * 7 + ["permanent_failure"] + ["sent"] * 22
    assert first[7].contact_invalid
    assert [r.provider_message_id for r in first if r.ok] == [
        f"<B-{n}@example.nl>" for n in range(30) if n != 7
    ]
    assert second[0].ok
    delivered = sorted(m.message()["Message-ID"] for m in smtp_server.messages)
    assert delivered == sorted(f"<B-{n}@example.nl>" for n in range(31) if n != 7)  # each once
    assert smtp_server.connections == adapter.connections_opened == 3  # then reused


def test_max_connections_must_be_positive():
    with pytest.raises(ValueError, match="max_connections"):
        SmtpAdapter("127.0.0.1", 25, "none", from_addr="a@example.nl", max_connections=0)


def test_reconnects_after_the_server_dropped_the_connection(smtp_server):
    adapter = adapter_for(smtp_server)
    assert adapter.send(reminder(action_id="A-1")).ok
    smtp_server.stop()
    smtp_server.start()  # same port; the adapter's connection is now dead
    assert adapter.send(reminder(action_id="A-2")).ok
    adapter.close()
    assert adapter.connections_opened == 2
    delivered = [m.message()["Message-ID"].split("@")[0] for m in smtp_server.messages]
    assert delivered == ["<A-1", "<A-2"]  # each once: no lost and no doubled message


def test_unreachable_server_is_transient():
    adapter = SmtpAdapter("127.0.0.1", free_port(), "none", from_addr="r@example.nl", timeout=2)
    result = adapter.send(reminder())
    assert result.status == "transient_failure"
    assert "unreachable" in (result.error or "")


def test_starttls_and_login_over_tls(tmp_path):
    cert, key = self_signed_localhost(tmp_path)
    with running_smtp_server(
        credentials=("mailer", "correct horse"), tls_context=server_tls_context(cert, key)
    ) as server:
        adapter = SmtpAdapter(
            server.host,
            server.port,
            "starttls",
            "mailer",
            "correct horse",
            from_addr="r@example.nl",
            timeout=5,
            ssl_context=client_tls_context(cert),
        )
        assert adapter.send(reminder()).ok
        adapter.close()
        assert server.logins == ["mailer"]
        assert len(server.messages) == 1


def test_wrong_password_fails_permanently_and_is_never_shown(tmp_path):
    with running_smtp_server(credentials=("mailer", "right")) as server:
        adapter = SmtpAdapter(
            server.host, server.port, "none", "mailer", "wrong-pw-123",
            from_addr="r@example.nl", timeout=5,
        )  # fmt: skip
        result = adapter.send(reminder())
        assert result.status == "permanent_failure"
        assert "535" in (result.error or "")
        assert "wrong-pw-123" not in (result.error or "")
        assert "wrong-pw-123" not in repr(adapter)
        assert server.messages == []
