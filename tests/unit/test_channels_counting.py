"""The simulator's counting channel: it accepts what the sandbox accepts, writes nothing."""

from __future__ import annotations

import pytest

from creditflow.channels.base import CHANNELS, Attachment
from creditflow.channels.counting import CountingAdapter, counting_adapters
from creditflow.channels.sandbox import SandboxAdapter
from tests.support.outbound import outbound_message

PDF = b"%PDF-1.7\n% letter bytes\n"


message = outbound_message


@pytest.mark.parametrize("channel", CHANNELS)
def test_every_channel_is_sent_counted_and_no_file_is_written(tmp_path, monkeypatch, channel):
    monkeypatch.chdir(tmp_path)
    adapter = counting_adapters()[channel]
    result = adapter.send(message(channel))
    assert result.status == "sent"
    assert result.provider == "simulation"
    assert adapter.sent == 1
    assert list(tmp_path.iterdir()) == []


def test_sms_parts_are_counted_as_the_sandbox_counts_them(tmp_path):
    long_text = "Herinnering: " + "betaal uw factuur alstublieft. " * 12
    counted = CountingAdapter("sms").send(message("sms", text=long_text))
    sandbox = SandboxAdapter("sms", tmp_path).send(message("sms", text=long_text))
    assert counted.segments == sandbox.segments == 3


def test_a_letter_with_two_pdfs_is_refused_one_without_a_pdf_is_counted():
    two = (Attachment("a.pdf", "application/pdf", PDF), Attachment("b.pdf", "application/pdf", PDF))
    refused = CountingAdapter("letter").send(message("letter", attachments=two))
    assert refused.status == "permanent_failure"
    assert "2 PDFs" in (refused.error or "")
    assert CountingAdapter("letter").send(message("letter")).status == "sent"


def test_a_message_for_another_channel_is_refused():
    with pytest.raises(ValueError, match="this adapter sends email"):
        CountingAdapter("email").send(message("sms"))


def test_an_unknown_channel_has_no_adapter():
    with pytest.raises(ValueError, match="fax"):
        CountingAdapter("fax")  # type: ignore[arg-type]
