"""`creditflow inbound classify|evaluate` as a user runs them."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from creditflow.inbound.cli import app

runner = CliRunner()
NOW = "2026-03-04T10:00:00+01:00"  # a Wednesday


def _lines(output: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_classify_prints_one_json_object_per_message() -> None:
    messages = "ik betaal vrijdag 200 euro\n\nheb al betaald hoor\nSTOP\nI will pay on the 15th\n"
    result = runner.invoke(app, ["classify", "--now", NOW], input=messages)
    assert result.exit_code == 0, result.output
    assert _lines(result.output) == [
        {"text": "ik betaal vrijdag 200 euro", "intent": "promise", "date": "2026-03-06",
         "amount": "200.00"},
        {"text": "heb al betaald hoor", "intent": "already_paid", "date": None, "amount": None},
        {"text": "STOP", "intent": "opt_out", "date": None, "amount": None},
        {"text": "I will pay on the 15th", "intent": "promise", "date": "2026-03-15",
         "amount": None},
    ]  # fmt: skip


def test_classify_keys_are_exactly_the_contract_in_order() -> None:
    result = runner.invoke(app, ["classify", "--now", NOW, "--lang", "nl"], input="bel me maar\n")
    assert result.exit_code == 0, result.output
    (line,) = result.output.splitlines()
    assert list(json.loads(line)) == ["text", "intent", "date", "amount"]


def test_classify_keeps_non_ascii_text_readable() -> None:
    result = runner.invoke(app, ["classify", "--now", NOW], input="ik betaal € 50,00 morgen 🙏\n")
    assert result.exit_code == 0, result.output
    assert "€ 50,00" in result.output
    assert _lines(result.output)[0]["amount"] == "50.00"


def test_classify_without_now_uses_the_clock() -> None:
    result = runner.invoke(app, ["classify"], input="ik betaal morgen\n")
    assert result.exit_code == 0, result.output
    assert _lines(result.output)[0]["date"] is not None


def test_a_bad_now_is_a_usage_error() -> None:
    result = runner.invoke(app, ["classify", "--now", "vrijdag"], input="ok\n")
    assert result.exit_code == 2
    assert "--now" in result.output


def test_a_bad_language_is_a_usage_error() -> None:
    result = runner.invoke(app, ["classify", "--lang", "de", "--now", NOW], input="ok\n")
    assert result.exit_code == 2
    assert "--lang" in result.output


def test_evaluate_prints_accuracy_per_language() -> None:
    result = runner.invoke(app, ["evaluate"])
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if "│" in line}
    assert {"nl", "en", "all"} <= set(rows)
    assert "%" in rows["nl"] and "%" in rows["en"]
