"""`creditflow template ...`: look at message templates as a customer would get them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from creditflow.terminal import console as terminal_console

# The command line starts without Jinja and Babel: rendering imports them when used.
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
CHANNEL_HELP = "email, sms, whatsapp, voice, push, letter"
TONE_HELP = "friendly, neutral, firm"

app = typer.Typer(help="Message templates: list and preview.", no_args_is_help=True)
console = terminal_console()


@app.callback()
def main() -> None:
    """Message templates per channel, language and tone."""


@app.command("list")
def list_templates(
    override_dir: Path | None = typer.Option(None, "--override-dir", help="organisation templates"),
) -> None:
    """List the message templates and the channels they render for."""
    from creditflow.messages.render import CHANNELS, available_templates

    for name in available_templates(override_dir=override_dir):
        console.print(f"{name}  [dim]({', '.join(CHANNELS)})[/dim]")


@app.command()
def preview(
    name: str = typer.Argument(..., help="template name, e.g. reminder"),
    channel: str = typer.Option("email", "--channel", "-c", help=CHANNEL_HELP),
    lang: str = typer.Option("nl", "--lang", "-l", help="nl or en (those with wording)"),
    tone: str = typer.Option("neutral", "--tone", "-t", help=TONE_HELP),
    override_dir: Path | None = typer.Option(None, "--override-dir", help="organisation templates"),
    out: Path | None = typer.Option(None, "--out", "-o", help="PDF path for a letter"),
    as_of: str | None = typer.Option(None, "--as-of", help="the letter date, YYYY-MM-DD"),
    html: bool = typer.Option(False, "--html", help="print the HTML part of an email"),
) -> None:
    """Render a template for the built-in sample customer and print it (letter: write a PDF)."""
    try:
        today = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        console.print(f"[red]--as-of {as_of!r} is not a date (YYYY-MM-DD)[/red]")
        raise typer.Exit(2) from None
    languages = template_languages(override_dir)
    if lang not in languages:
        console.print(
            f"[red]--lang {lang}: not a supported language; use one of {', '.join(languages)}[/red]"
        )
        raise typer.Exit(2)
    from creditflow.messages.render import MessageTemplateError, render_message
    from creditflow.messages.sample import sample_context

    try:
        ctx = sample_context(name, lang, tone, today=today)
        rendered = render_message(name, channel, ctx, override_dir=override_dir)
    except MessageTemplateError as exc:
        console.print(str(exc), style="red", markup=False)
        raise typer.Exit(2) from None
    if channel == "letter":
        from creditflow.messages.letter import render_letter_pdf

        path = out or Path(f"preview-{name}-{rendered.language}-{tone}.pdf")
        path.write_bytes(render_letter_pdf(ctx, rendered))
        typer.echo(str(path))
        return
    if rendered.subject is not None:
        typer.echo(f"Subject: {rendered.subject}\n")
    typer.echo(rendered.html if html and rendered.html else rendered.text)


def template_languages(override_dir: Path | None = None) -> list[str]:
    """The languages that have wording: a folder with `_common.j2`, shipped or overridden."""
    folders = [TEMPLATES_DIR, *([override_dir] if override_dir else [])]
    found = {p.parent.name for folder in folders for p in folder.glob("*/_common.j2")}
    return sorted(found, key=lambda lang: (lang != "nl", lang))
