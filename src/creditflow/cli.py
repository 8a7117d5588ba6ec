"""The `creditflow` command (DESIGN 4.2).

Exit codes: 0 success; 1 the command ran but rejected some input; 2 usage or
configuration error. This is the only place the wall clock is read for a run.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from creditflow.commandline import DbOption, command_day, command_engine, command_settings
from creditflow.config import (
    ConfigError,
    Settings,
    check_organisation_iban,
    check_sending_settings,
)
from creditflow.list_files import CsvOption, XlsxOption, save_list
from creditflow.terminal import actions_table, console, database_failure, show_config_error

app = typer.Typer(
    help="creditflow: decides, every day, the next contact with each customer who owes money.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,  # plain help: Rich's Markdown help costs a second of start-up
)
import_app = typer.Typer(
    help="Import customers, invoices, payments, a bank statement or UBL e-invoices."
)
strategy_app = typer.Typer(help="Validate and activate strategy files.")
app.add_typer(import_app, name="import")
app.add_typer(strategy_app, name="strategy")

err = console(stderr=True)
out = console()


@app.command()
def init(db: DbOption = None) -> None:
    """Create or upgrade the database and record the organisation."""
    from creditflow.ledger.service import ensure_organisation

    settings = command_settings(db)
    _configured(check_organisation_iban, settings)
    engine = command_engine(settings)
    ensure_organisation(engine, settings)
    out.print(f"database ready: {_safe_url(settings.database_url)}", soft_wrap=True)


def _configured(check: Any, settings: Settings) -> None:
    """Run a configuration check; a problem is exit 2 with the setting named."""
    try:
        check(settings)
    except ConfigError as exc:
        show_config_error(err, exc)
        raise typer.Exit(2) from exc


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


EncodingOption = Annotated[
    str,
    typer.Option("--encoding", help="CSV text encoding, e.g. cp1252."),
]
DecimalOption = Annotated[
    bool | None,
    typer.Option(
        "--decimal-comma/--decimal-dot",
        help="Amounts written 1.250,00 or 1250.00 (default: per column).",
        show_default=False,
    ),
]
DateFormatOption = Annotated[
    str | None,
    typer.Option(
        "--date-format",
        help="yyyy-mm-dd or dd-mm-yyyy (default: per column).",
        metavar="FORMAT",
    ),
]


def _run_import(kind: str, file: Path, db: str | None, **written: Any) -> None:
    if not file.is_file():
        err.print(f"no such file: {file}")
        raise typer.Exit(2)
    from creditflow.ledger.formats import FileFormat
    from creditflow.ledger.validation import ImportFileError

    try:
        file_format = FileFormat(**written)
    except ValueError as exc:
        err.print(f"{exc}", markup=False)
        raise typer.Exit(2) from exc
    settings = command_settings(db)
    engine = command_engine(settings)
    try:
        if kind == "customers":
            from creditflow.ledger.imports import import_customers

            summary = import_customers(engine, file, settings, file_format)
        elif kind == "invoices":
            from creditflow.ledger.imports import import_invoices

            summary = import_invoices(engine, file, settings, file_format)
        else:
            from creditflow.payments.payment_import import import_payment_file

            summary = import_payment_file(engine, file, settings, file_format)
    except ImportFileError as exc:
        err.print(f"cannot read {file}: {exc}; nothing imported", style="red", markup=False)
        raise typer.Exit(2) from exc
    for warning in summary.warnings:
        err.print(f"warning: {warning}", style="yellow", markup=False)
    print(summary.line())
    if summary.rejected:
        raise typer.Exit(1)


@import_app.command("customers")
def import_customers_cmd(
    file: Path, db: DbOption = None, encoding: EncodingOption = "utf-8"
) -> None:
    """Import customers (CSV or XLSX, DESIGN 4.3)."""
    _run_import("customers", file, db, encoding=encoding)


@import_app.command("invoices")
def import_invoices_cmd(
    file: Path,
    db: DbOption = None,
    encoding: EncodingOption = "utf-8",
    decimal_comma: DecimalOption = None,
    date_format: DateFormatOption = None,
) -> None:
    """Import invoices (CSV or XLSX, DESIGN 4.3)."""
    _run_import("invoices", file, db, encoding=encoding, decimal_comma=decimal_comma,
                date_format=date_format)  # fmt: skip


@import_app.command("payments")
def import_payments_cmd(
    file: Path,
    db: DbOption = None,
    encoding: EncodingOption = "utf-8",
    decimal_comma: DecimalOption = None,
    date_format: DateFormatOption = None,
) -> None:
    """Import payments and allocate them to invoices."""
    _run_import("payments", file, db, encoding=encoding, decimal_comma=decimal_comma,
                date_format=date_format)  # fmt: skip


@import_app.command("statement")
def import_statement_cmd(file: Path, db: DbOption = None) -> None:
    """Import a CAMT.053/054 or MT940 bank statement and match its payments."""
    from creditflow.payments.statement_import import import_statement_file

    settings = command_settings(db)
    engine = command_engine(settings)
    code = import_statement_file(engine, file, settings, out, err)
    raise typer.Exit(code)


@import_app.command("ubl")
def import_ubl_cmd(file: Path, db: DbOption = None) -> None:
    """Import UBL e-invoices and credit notes (a file or a folder).

    UBL 2.1 Invoice and CreditNote per Peppol BIS Billing 3.0 and NLCIUS.
    """
    from creditflow.ledger.ubl_import import import_ubl_path, ubl_files

    if not file.exists():
        err.print(f"no such file or folder: {file}", markup=False)
        raise typer.Exit(2)
    if file.is_dir() and not ubl_files(file):
        err.print(f"no .xml files in {file}", markup=False)
        raise typer.Exit(2)
    settings = command_settings(db)
    engine = command_engine(settings)
    summary = import_ubl_path(engine, file, settings)
    for warning in summary.warnings:
        err.print(f"warning: {warning}", style="yellow", markup=False)
    print(summary.line())
    if summary.rejected:
        raise typer.Exit(1)


def _message_templates(settings: Settings) -> list[str]:
    """The templates a strategy may name: shipped ones and the organisation's own."""
    from creditflow.messages.render import available_templates

    return available_templates(override_dir=settings.template_dir)


@strategy_app.command("check")
def strategy_check(file: Path) -> None:
    """Validate a strategy file; every error names its line."""
    from creditflow.strategy.schema import StrategyError
    from creditflow.strategy.service import check_strategy_file

    templates = _message_templates(command_settings(None))
    try:
        strategy = check_strategy_file(file, templates)
    except FileNotFoundError as exc:
        err.print(f"no such file: {file}")
        raise typer.Exit(2) from exc
    except StrategyError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        raise typer.Exit(1) from exc
    names = sorted({s.strategy for s in strategy.steps})
    out.print(f"{file}: valid ({len(strategy.segments)} segments, strategies {', '.join(names)})")


@strategy_app.command("load")
def strategy_load(file: Path, db: DbOption = None) -> None:
    """Validate a strategy file and make it the active strategy."""
    from creditflow.db import transaction
    from creditflow.strategy.schema import StrategyError
    from creditflow.strategy.service import activate_strategy

    if not file.is_file():
        err.print(f"no such file: {file}")
        raise typer.Exit(2)
    settings = command_settings(db)
    engine = command_engine(settings)
    try:
        with transaction(engine) as session:
            version = activate_strategy(
                session, file.read_text(encoding="utf-8"), str(file), _message_templates(settings)
            )
            version_id = version.id
    except StrategyError as exc:
        for line in exc.lines():
            print(line, file=sys.stderr)
        raise typer.Exit(1) from exc
    out.print(f"strategy {file} active (version {version_id})")


@app.command()
def run(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Day to decide for (YYYY-MM-DD).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Decide but write nothing.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per action.")] = False,
    wait: Annotated[
        float,
        typer.Option(
            "--wait", min=0, help="Seconds to wait for a run already under way (default: none)."
        ),
    ] = 0.0,
    db: DbOption = None,
) -> None:
    """The daily collection run: decide and queue today's actions."""
    from creditflow.outbox.shape import action_json
    from creditflow.strategy.lease import RunInProgress
    from creditflow.strategy.run import collection_run

    settings = command_settings(db)
    engine = command_engine(settings)
    now = datetime.now(UTC)
    day = command_day(as_of) or now.date()
    if day != now.date():
        now = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    try:
        result = collection_run(engine, settings, day, now=now, dry_run=dry_run, wait=wait)
    except RunInProgress as exc:
        err.print(str(exc), markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    if as_json:
        for row in result.actions.iter_rows(named=True):
            sys.stdout.write(json.dumps(action_json(row), ensure_ascii=False) + "\n")
        return
    _print_run_summary(result)


def _print_run_summary(result: Any) -> None:
    from rich.table import Table

    summary = result.summary
    label = "dry run" if result.dry_run else f"run {result.run_id}"
    out.print(
        f"[bold]{label} for {result.as_of}[/bold]: {summary['actions']} actions, "
        f"{summary['superseded']} superseded, {summary['invoices_covered']} invoices covered"
    )
    if summary["by_step"]:
        table = Table("step", "actions")
        for step, n in summary["by_step"].items():
            table.add_row(str(step), str(n))
        out.print(table)
    if summary["held_back"]:
        for reason, n in summary["held_back"].items():
            out.print(f"held back: {n} ({reason})")


@app.command()
def actions(
    as_json: Annotated[bool, typer.Option("--json")] = False,
    customer: Annotated[str | None, typer.Option("--customer", help="Customer id.")] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="planned, queued, sent, delivered, failed, cancelled, done"),
    ] = None,
    wide: Annotated[
        bool, typer.Option("--wide", help="All columns (needs a wide terminal).")
    ] = False,
    csv_file: CsvOption = None,
    xlsx_file: XlsxOption = None,
    db: DbOption = None,
) -> None:
    """List actions from the outbox."""
    from creditflow.dispatch.service import list_actions
    from creditflow.outbox.models import ACTION_STATUSES

    if status is not None and status not in ACTION_STATUSES:
        err.print(
            f"--status {status}: not an action status; use one of {', '.join(ACTION_STATUSES)}",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    settings = command_settings(db)
    engine = command_engine(settings, migrate=False)
    rows = list_actions(engine, customer=customer, status=status)
    if csv_file or xlsx_file:
        header = ["action_id", "customer_id", "kind", "channel", "step", "template", "language",
                  "tone", "invoices", "amount_due", "currency", "amount", "scheduled_at",
                  "status"]  # fmt: skip
        cells = [
            [" ".join(r["invoices"]) if c == "invoices" else r.get(c) for c in header] for r in rows
        ]
        filters = {"customer": customer, "status": status}
        for line in save_list(engine, "actions", (header, cells), (csv_file, xlsx_file), filters):
            out.print(line)
        return
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    table = actions_table(rows, wide=wide)
    if wide:  # the table's natural width, however narrow the terminal: nothing cropped
        from rich.console import Console

        Console(width=1000).print(table)
        return
    out.print(table)


@app.command()
def dispatch(
    until: Annotated[
        str | None, typer.Option("--until", help="Send what is due until (ISO).")
    ] = None,
    db: DbOption = None,
) -> None:
    """Send what is due through the channels."""
    from creditflow.dispatch.worker import dispatch_due

    settings = command_settings(db)
    _configured(check_sending_settings, settings)
    engine = command_engine(settings)
    moment = datetime.now(UTC)
    if until:
        try:
            moment = datetime.fromisoformat(until)
        except ValueError as exc:
            raise typer.BadParameter(f"{until!r} is not an ISO date-time") from exc
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
    try:
        report = dispatch_due(engine, settings, until=moment)
    except ConfigError as exc:
        show_config_error(err, exc)
        raise typer.Exit(2) from exc
    out.print(report.line(), soft_wrap=True)


@app.command()
def demo(
    customers: Annotated[int, typer.Option(min=1, help="Number of sample customers.")] = 200,
    days: Annotated[
        int, typer.Option(min=1, max=730, help="Days to simulate, ending yesterday.")
    ] = 90,
    folder: Annotated[
        Path, typer.Option(help="The demo's own folder: files, outbox and database.")
    ] = Path("demo"),
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="An empty database for the demo (default: its own FOLDER/demo.db; "
            "CREDITFLOW_DATABASE_URL is not used).",
        ),
    ] = None,
) -> None:
    """The whole loop on a sample Dutch company, in its own folder and database."""
    from creditflow.simulation.demo import DemoRefused, run_demo

    settings = command_settings(None)
    try:
        run_demo(
            settings, customers=customers, days=days, folder=folder, console=out, database_url=db
        )
    except DemoRefused as exc:
        err.print(f"demo: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(2) from exc


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port (1-65535).")] = 8000,
    log_format: Annotated[
        str | None,
        typer.Option(
            "--log-format", envvar="CREDITFLOW_LOG_FORMAT", help="text or json log lines."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """API, portal and workbench."""
    import uvicorn

    from creditflow.api.app import create_app, serve_settings
    from creditflow.config.oidc import check_oidc_secrets
    from creditflow.payments.providers import sandbox_enabled

    settings = serve_settings(command_settings(db), host, port)
    _configured(check_oidc_secrets, settings)
    command_engine(settings).dispose()  # create or upgrade the schema before the first request
    provider = settings.payments.provider
    if sandbox_enabled(settings):
        err.print(
            "[bold red]WARNING: the sandbox payment provider is ON.[/bold red] Anyone with a "
            "pay link can mark invoices paid on its checkout page. Use it for tests and "
            "demos only, never with real debtors.",
            highlight=False,
        )
    elif provider is None:
        err.print(
            "no payment provider is configured: the pay page shows the bank transfer "
            "details only (see docs/payments.md)."
        )
    err.print(f"serving on {settings.portal_base_url}", highlight=False)
    if log_format is None:
        uvicorn.run(create_app(settings), host=host, port=port)
        return
    from creditflow.observe.logs import configure_logging

    try:
        configure_logging(log_format)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None)


def _mount_areas() -> None:
    """Each area's own command group."""
    from creditflow.analytics.cli import report_command
    from creditflow.compliance.cli import app as customer_app
    from creditflow.inbound.cli import app as inbound_app
    from creditflow.messages.cli import app as template_app
    from creditflow.payments.cli import app as payments_app
    from creditflow.simulation.cli import app as simulate_app

    app.add_typer(customer_app, name="customer", help="One debtor: export, forget, states.")
    app.add_typer(inbound_app, name="inbound", help="Understand debtor replies.")
    app.add_typer(template_app, name="template", help="Preview message templates.")
    app.add_typer(payments_app, name="payments", help="The unmatched payments queue.")
    app.add_typer(
        simulate_app, name="simulate", help="Sample ledgers; strategies tried on simulated debtors."
    )
    app.command("report", help="Receivables figures per currency as of a date.")(report_command)
    from creditflow.dispatch.cli import letters_app, tasks_app, worker_command

    app.command("worker", help="Long-running worker: send what comes due, run the [schedule].")(
        worker_command
    )
    app.add_typer(letters_app, name="letters", help="The day's letters for the print shop.")
    app.add_typer(tasks_app, name="tasks", help="Collector work items.")
    from creditflow.staff.cli import apikey_app, user_app

    app.add_typer(user_app, name="user", help="Staff users and their roles.")
    app.add_typer(apikey_app, name="apikey", help="API keys for integrations.")
    from creditflow.webhooks.cli import webhook_app

    app.add_typer(webhook_app, name="webhook", help="Events out to your CRM or ERP (signed).")

    from creditflow.intelligence.cli import model_app, risk_command

    app.add_typer(model_app, name="model", help="Train the late-payment model.")
    app.command("risk", help="Late-payment risk of every open invoice.")(risk_command)

    from creditflow.connectors.cli import app as sync_app
    from creditflow.schedule.cli import status_command

    app.add_typer(sync_app, name="sync", help="Sync with an accounting system (Moneybird).")

    app.command("status", help="Each scheduled job's last run and outcome.")(status_command)


_mount_areas()


def main() -> None:
    """Entry point of the console script: database failures are reported, not traced."""
    try:
        app()
    except ConfigError as exc:
        show_config_error(err, exc)
        sys.exit(2)
    except Exception as exc:
        message = database_failure(exc)
        if message is None:
            raise
        err.print(message, markup=False, soft_wrap=True)
        sys.exit(2)
