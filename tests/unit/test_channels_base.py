"""OutboundMessage validation, HTTP status classification, safe file names."""

from __future__ import annotations

import pytest

from creditflow.channels.base import (
    OutboundMessage,
    SendResult,
    classify_http_status,
    require_channel,
    safe_file_stem,
)


def sms(**overrides: object) -> OutboundMessage:
    fields: dict[str, object] = {
        "action_id": "A-1",
        "customer_id": "C001",
        "channel": "sms",
        "to": "+31612345678",
        "text": "Herinnering",
    }
    fields.update(overrides)
    return OutboundMessage(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"action_id": ""}, "action_id is empty"),
        ({"channel": "fax"}, "channel 'fax' is not one of"),
        ({"to": "  "}, "to is empty for action A-1"),
    ],
)
def test_a_message_that_cannot_be_sent_is_refused_naming_the_field(overrides, error):
    with pytest.raises(ValueError, match=error):
        sms(**overrides)


def test_message_mappings_cannot_be_changed_after_creation():
    metadata = {"template": "reminder"}
    message = sms(metadata=metadata)
    metadata["template"] = "changed"
    assert message.metadata["template"] == "reminder"
    with pytest.raises(TypeError):
        message.metadata["template"] = "x"  # type: ignore[index]


def test_message_fields_are_keyword_only():
    with pytest.raises(TypeError):
        OutboundMessage("A-1", "C001", "sms", "+31612345678", None, "x")  # type: ignore[misc]


@pytest.mark.parametrize(
    ("status_code", "expected"),
    [
        (200, "sent"),
        (201, "sent"),
        (204, "sent"),
        (400, "permanent_failure"),
        (401, "permanent_failure"),
        (404, "permanent_failure"),
        (408, "transient_failure"),
        (410, "permanent_failure"),
        (429, "transient_failure"),
        (500, "transient_failure"),
        (503, "transient_failure"),
    ],
)
def test_http_status_classification(status_code, expected):
    assert classify_http_status(status_code) == expected


@pytest.mark.parametrize(
    ("action_id", "expected"),
    [
        ("run-2026-03-02-C001-reminder1", "run-2026-03-02-C001-reminder1"),
        ("a_b.c", "a_b.c"),
    ],
)
def test_safe_action_ids_are_kept_as_file_names(action_id, expected):
    assert safe_file_stem(action_id) == expected


@pytest.mark.parametrize(
    "action_id", ["../../etc/passwd", "C001/reminder 1", "ünïcode:id", ".hidden", "x" * 200]
)
def test_unsafe_action_ids_become_safe_distinct_names(action_id):
    stem = safe_file_stem(action_id)
    assert stem.replace("-", "").replace("_", "").replace(".", "").isalnum()
    assert not stem.startswith(".")
    assert len(stem) <= 80
    assert safe_file_stem(action_id) == stem


def test_ids_differing_only_in_unsafe_characters_get_different_names():
    assert safe_file_stem("C001/x") != safe_file_stem("C001:x")
    assert safe_file_stem("C001/x") != safe_file_stem("C001_x")


def test_send_result_constructors_classify():
    assert SendResult.sent("p", "id-1").ok
    failure = SendResult.permanent("p", "bad number", contact_invalid=True)
    assert (failure.status, failure.contact_invalid, failure.ok) == (
        "permanent_failure",
        True,
        False,
    )
    assert SendResult.transient("p", "timeout").status == "transient_failure"


def test_an_adapter_refuses_a_message_for_another_channel():
    with pytest.raises(ValueError, match="action A-1 is a sms message; this adapter sends email"):
        require_channel(sms(), "email")
