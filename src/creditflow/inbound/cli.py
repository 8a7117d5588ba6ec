"""`creditflow inbound ...`: classify debtor replies from standard input, report model quality."""

from __future__ import annotations

import json
from datetime import datetime

import typer

from creditflow.inbound.dataset import LANGUAGES
from creditflow.terminal import console as lazy_console

app = typer.Typer(
    help="Understand debtor replies (SMS, WhatsApp, e-mail, chat): intent, date and amount.",
    no_args_is_help=True,
)


def _message_time(value: str | None) -> datetime:
    if value is None:
        return datetime.now().astimezone()  # the one place the clock is read
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(
            f"{value!r} is not an ISO date-time such as 2026-03-04T10:00:00+01:00",
            param_hint="--now",
        ) from exc


@app.command("classify")
def classify_command(
    lang: str | None = typer.Option(
        None, "--lang", help="Language of the messages (nl or en); detected per message if absent."
    ),
    now: str | None = typer.Option(
        None, "--now", help="When the messages arrived (ISO date-time); default: now."
    ),
) -> None:
    """Read one message per line on standard input; print one JSON object per message.

    Each line is {"text", "intent", "date", "amount"}: date YYYY-MM-DD or null, amount
    a EUR amount with 2 decimals or null. Blank lines are skipped.
    """
    from creditflow.inbound.classify import classify

    if lang is not None and lang not in LANGUAGES:
        choices = ", ".join(LANGUAGES)
        raise typer.BadParameter(f"{lang!r} is not one of {choices}", param_hint="--lang")
    moment = _message_time(now)
    for line in typer.get_text_stream("stdin"):
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        result = classify(text, lang=lang, now=moment)
        typer.echo(json.dumps(result.as_json(), ensure_ascii=False))


@app.command("evaluate")
def evaluate_command() -> None:
    """Print the intent accuracy per language on the held-out messages."""
    from creditflow.inbound.evaluate import evaluate

    report = evaluate()
    from rich.table import Table

    table = Table(title="Intent accuracy on the held-out split of inbound/data/intents.csv")
    table.add_column("language")
    table.add_column("messages", justify="right")
    table.add_column("correct", justify="right")
    table.add_column("accuracy", justify="right")
    table.add_column("language detected", justify="right")
    for lang, scores in report["languages"].items():
        table.add_row(
            lang,
            str(scores["examples"]),
            str(scores["correct"]),
            f"{scores['accuracy']:.1%}",
            f"{scores['language_detection']:.1%}",
        )
    table.add_row("all", str(report["examples"]), "", f"{report['accuracy']:.1%}", "")
    console = lazy_console()
    console.print(table)
    confusions = report["confusions"][:5]
    if confusions:
        console.print("Most frequent mistakes (language, intent -> predicted, count):")
        for c in confusions:
            console.print(f"  {c['lang']}  {c['intent']} -> {c['predicted']}  {c['count']}")
