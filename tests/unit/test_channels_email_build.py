"""The MIME builder: parts, headers (RFC 8058 unsubscribe), attachments, DKIM."""

from __future__ import annotations

import email
import email.policy
import sys
from datetime import UTC, datetime
from pathlib import Path

import dkim
import pytest

from creditflow.channels.base import Attachment, OutboundMessage
from creditflow.channels.mime import DkimConfig, build_email, email_bytes

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # for tests.support

from tests.support.keys import dkim_dns_record, rsa_private_key_pem  # noqa: E402

NOW = datetime(2026, 3, 2, 17, 45, tzinfo=UTC)
PAY_LINK = "https://pay.example.nl/p/abc123"


def reminder(**overrides: object) -> OutboundMessage:
    fields: dict[str, object] = {
        "action_id": "run-2026-03-02:C001:reminder1",
        "customer_id": "C001",
        "channel": "email",
        "to": "Jan de Vries <jan@example.nl>",
        "subject": "Herinnering factuur INV-1001 (€ 412,50)",
        "text": f"Beste Jan,\n\nBetaal via {PAY_LINK}\n",
        "html": f'<p>Beste Jan,</p><p><a href="{PAY_LINK}">Betaal nu</a></p>',
        "metadata": {
            "unsubscribe_url": "https://portal.example.nl/u/tok",
            "unsubscribe_mailto": "unsubscribe@example.nl",
        },
    }
    fields.update(overrides)
    return OutboundMessage(**fields)  # type: ignore[arg-type]


def parsed(message: OutboundMessage, **kwargs: object) -> email.message.EmailMessage:
    built = build_email(message, from_addr="Example BV <reminders@example.nl>", now=NOW, **kwargs)  # type: ignore[arg-type]
    return email.message_from_bytes(email_bytes(built), policy=email.policy.default)  # type: ignore[return-value]


def test_reminder_email_has_text_and_html_with_the_pay_link():
    msg = parsed(reminder())
    assert msg.get_content_type() == "multipart/alternative"
    assert PAY_LINK in msg.get_body(("plain",)).get_content()
    assert f'href="{PAY_LINK}"' in msg.get_body(("html",)).get_content()
    assert msg["Subject"] == "Herinnering factuur INV-1001 (€ 412,50)"


def test_headers_identify_sender_date_and_a_stable_message_id():
    msg = parsed(reminder(), reply_to="debiteuren@example.nl")
    assert msg["From"] == "Example BV <reminders@example.nl>"
    assert msg["To"] == "Jan de Vries <jan@example.nl>"
    assert msg["Reply-To"] == "debiteuren@example.nl"
    assert msg["Date"].datetime == NOW
    assert msg["Message-ID"].endswith("@example.nl>")
    assert parsed(reminder())["Message-ID"] == msg["Message-ID"]
    assert parsed(reminder(action_id="other"))["Message-ID"] != msg["Message-ID"]


def test_one_click_unsubscribe_headers_follow_rfc_8058():
    msg = parsed(reminder())
    assert msg["List-Unsubscribe"].strip() == (
        "<https://portal.example.nl/u/tok>, <mailto:unsubscribe@example.nl>"
    )
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_mailto_only_unsubscribe_has_no_one_click_header():
    msg = parsed(reminder(metadata={"unsubscribe_mailto": "mailto:stop@example.nl"}))
    assert msg["List-Unsubscribe"] == "<mailto:stop@example.nl>"
    assert msg["List-Unsubscribe-Post"] is None


def test_unsubscribe_link_must_be_https():
    with pytest.raises(ValueError, match=r"unsubscribe_url.*https"):
        parsed(reminder(metadata={"unsubscribe_url": "http://portal.example.nl/u"}))


def test_text_only_message_is_a_single_part():
    msg = parsed(reminder(html=None))
    assert msg.get_content_type() == "text/plain"


def test_attachments_arrive_intact_next_to_both_bodies():
    pdf = b"%PDF-1.4 fake but bytes are bytes \x00\xff"
    msg = parsed(reminder(attachments=(Attachment("INV-1001.pdf", "application/pdf", pdf),)))
    assert msg.get_content_type() == "multipart/mixed"
    (part,) = list(msg.iter_attachments())
    assert part.get_filename() == "INV-1001.pdf"
    assert part.get_content_type() == "application/pdf"
    assert part.get_content() == pdf
    assert PAY_LINK in msg.get_body(("plain",)).get_content()


def test_extra_headers_are_added_but_core_headers_cannot_be_overridden():
    msg = parsed(reminder(headers={"X-Creditflow-Action": "A-1"}))
    assert msg["X-Creditflow-Action"] == "A-1"
    with pytest.raises(ValueError, match="'From'.*set by creditflow"):
        parsed(reminder(headers={"From": "spoof@example.com"}))


def test_dkim_signature_covers_the_unsubscribe_headers_and_verifies():
    key = rsa_private_key_pem()
    config = DkimConfig(selector="cf2026", domain="example.nl", private_key_pem=key)
    built = build_email(reminder(), from_addr="reminders@example.nl", dkim=config, now=NOW)
    raw = email_bytes(built)
    record = dkim_dns_record(key)

    def dns(name: bytes, timeout: int = 5) -> bytes:
        assert name == b"cf2026._domainkey.example.nl."
        return record

    assert raw.startswith(b"DKIM-Signature:")
    signature = str(built["DKIM-Signature"]).replace(" ", "")
    assert "list-unsubscribe:list-unsubscribe-post" in signature.replace("\r\n", "").lower()
    assert dkim.verify(raw, dnsfunc=dns)
    tampered = raw.replace(PAY_LINK.encode(), b"https://evil.example.com/p/abc123")
    assert not dkim.verify(tampered, dnsfunc=dns)


def test_dkim_private_key_is_not_in_the_repr():
    config = DkimConfig(selector="s", domain="example.nl", private_key_pem=b"SECRET-KEY")
    assert "SECRET-KEY" not in repr(config)
