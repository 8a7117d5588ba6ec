"""Sandbox and print-folder adapters: what lands in the outbox, and SMS segment counts."""

from __future__ import annotations

import email
import email.policy
import json
from datetime import UTC, datetime

import pytest

from creditflow.channels.base import Attachment
from creditflow.channels.sandbox import PrintFolderAdapter, SandboxAdapter, sms_segments
from tests.support.outbound import outbound_message

PDF = b"%PDF-1.7\n% letter bytes\n"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


message = outbound_message


def test_email_is_written_as_a_complete_eml(tmp_path):
    adapter = SandboxAdapter(
        "email", tmp_path, from_addr="Example <r@example.nl>", clock=lambda: NOW
    )
    result = adapter.send(
        message("email", to="jan@example.nl", subject="Herinnering", html="<p>Betaal</p>")
    )
    (eml,) = (tmp_path / "email").glob("*.eml")
    parsed = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "jan@example.nl"
    assert parsed["From"] == "Example <r@example.nl>"
    assert "https://pay.example.nl/p/1" in parsed.get_body(("plain",)).get_content()
    assert parsed.get_body(("html",)) is not None
    assert (result.status, result.provider) == ("sent", "sandbox")


@pytest.mark.parametrize("channel", ["sms", "whatsapp", "voice", "push"])
def test_other_channels_are_written_as_json(tmp_path, channel):
    result = SandboxAdapter(channel, tmp_path).send(message(channel))  # type: ignore[arg-type]
    (path,) = (tmp_path / channel).glob("*.json")
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["action_id"] == f"2026-03-02/C001/{channel}"
    assert record["to"] == "+31612345678"
    assert record["text"].startswith("Er staat € 412,50")
    assert record["metadata"] == {"template": "reminder", "language": "nl"}
    assert record["provider_message_id"] == result.provider_message_id
    assert "/" not in path.name


def test_sending_the_same_action_twice_leaves_one_file_and_the_same_id(tmp_path):
    adapter = SandboxAdapter("sms", tmp_path)
    first, second = adapter.send(message("sms")), adapter.send(message("sms"))
    assert first.provider_message_id == second.provider_message_id
    assert len(list((tmp_path / "sms").iterdir())) == 1
    other = adapter.send(message("sms", action_id="2026-03-02/C002/sms"))
    assert other.provider_message_id != first.provider_message_id


def test_sms_result_counts_segments(tmp_path):
    result = SandboxAdapter("sms", tmp_path).send(message("sms", text="x" * 161))
    assert result.segments == 2


def test_letter_writes_the_pdf_and_its_address_record(tmp_path):
    letter = message(
        "letter",
        to="J. de Vries\nDorpsstraat 1\n1234 AB  Ergens",
        attachments=(Attachment("brief.pdf", "application/pdf", PDF),),
    )
    result = SandboxAdapter("letter", tmp_path).send(letter)
    (pdf,) = (tmp_path / "letter").glob("*.pdf")
    record = json.loads(pdf.with_suffix(".json").read_text(encoding="utf-8"))
    assert pdf.read_bytes() == PDF
    assert record["address_lines"] == ["J. de Vries", "Dorpsstraat 1", "1234 AB  Ergens"]
    assert record["attachments"][0]["size"] == len(PDF)
    assert result.ok


def test_letter_without_pdf_fails_permanently(tmp_path):
    result = SandboxAdapter("letter", tmp_path).send(message("letter", to="J. de Vries"))
    assert result.status == "permanent_failure"
    assert "has no PDF attachment" in (result.error or "")


def test_print_folder_drops_letters_for_the_print_shop(tmp_path):
    letter = message(
        "letter", to="J. de Vries", attachments=(Attachment("b.pdf", "application/pdf", PDF),)
    )
    result = PrintFolderAdapter(tmp_path / "print").send(letter)
    assert [p.suffix for p in sorted((tmp_path / "print").iterdir())] == [".json", ".pdf"]
    assert (result.provider, result.ok) == ("print_folder", True)


def test_sandbox_refuses_a_message_of_another_channel(tmp_path):
    with pytest.raises(ValueError, match="this adapter sends sms"):
        SandboxAdapter("sms", tmp_path).send(message("email", to="jan@example.nl"))


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # € is a GSM-7 extension character: two septets each
        ("€" * 81, 2),
        ("ë" * 70, 1),  # ë is not GSM-7: UCS-2, 70 per single message
        ("ë" * 71, 2),
        ("ë" * 134, 2),
        ("ë" * 135, 3),
    ],
)
def test_sms_segments(text, segments):
    assert sms_segments(text) == segments
