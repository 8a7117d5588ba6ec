"""JSON log lines: one object per record, with the fields a send line carries."""

from __future__ import annotations

import json
import logging

import pytest

from creditflow.observe.logs import JsonFormatter, configure_logging


def test_a_send_record_becomes_one_json_line_with_its_action_id() -> None:
    record = logging.LogRecord("creditflow.dispatch.batch", logging.INFO, "x", 1,
                               "send %s via %s: %s", ("A-1", "email", "sent"), None)  # fmt: skip
    record.__dict__.update(action_id="A-1", channel="email", seconds=0.25)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "send A-1 via email: sent"
    assert (line["level"], line["logger"]) == ("info", "creditflow.dispatch.batch")
    assert (line["action_id"], line["channel"], line["seconds"]) == ("A-1", "email", 0.25)
    assert line["time"].endswith("+00:00")
    assert "args" not in line and "msg" not in line


def test_an_unknown_log_format_is_refused() -> None:
    with pytest.raises(ValueError, match="expected text or json, got 'xml'"):
        configure_logging("xml")
