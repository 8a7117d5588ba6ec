"""`creditflow template preview`: a credit manager looks at a template."""

from __future__ import annotations

from typer.testing import CliRunner

from creditflow.messages.cli import app

runner = CliRunner()


def test_preview_sms_prints_the_text():
    result = runner.invoke(app, ["preview", "reminder", "--channel", "sms", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "€412.50" in result.output
    assert "Opt out? Reply STOP" in result.output


def test_preview_email_prints_subject_and_html_on_request():
    args = ["preview", "pre_due_nudge", "-c", "email", "-l", "nl", "-t", "friendly", "--html"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Subject: Vriendelijke herinnering:")
    assert "<!DOCTYPE html>" in result.output


def test_preview_letter_writes_a_pdf(tmp_path):
    out = tmp_path / "brief.pdf"
    args = ["preview", "fourteen_day_letter", "--channel", "letter", "--lang", "nl"]
    result = runner.invoke(app, [*args, "--out", str(out), "--as-of", "2026-03-02"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out)
    assert out.read_bytes().startswith(b"%PDF")


def test_preview_of_unknown_template_exits_with_usage_error():
    result = runner.invoke(app, ["preview", "nope", "--channel", "sms"])
    assert result.exit_code == 2
    assert "unknown message template 'nope'" in result.output


def test_list_shows_the_templates():
    result = runner.invoke(app, ["list"])
    assert result.exit_code == 0
    assert "fourteen_day_letter" in result.output
