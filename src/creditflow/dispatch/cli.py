"""Dispatch commands: the long-running worker, the daily letters batch, closing tasks.

Mounted by the main CLI as `creditflow worker`, `creditflow letters batch --date D`
`creditflow tasks list` and `creditflow tasks complete ACTION_ID --outcome ...`; also runnable on its own as
`python -m creditflow.dispatch.cli worker|letters|tasks ...`.
Exit codes as DESIGN 4.2: 0 success, 1 input refused, 2 configuration error.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from creditflow.commandline import DbOption, command_engine, command_settings
from creditflow.config import ConfigError, check_sending_settings
from creditflow.list_files import CsvOption, XlsxOption, save_list
from creditflow.terminal import console, show_config_error

app = typer.Typer(help="Dispatch: worker, letters batch, tasks.", no_args_is_help=True)
letters_app = typer.Typer(help="The daily print run of letters.", no_args_is_help=True)
tasks_app = typer.Typer(help="Work items for collectors: calls, reviews.", no_args_is_help=True)
app.add_typer(letters_app, name="letters")
app.add_typer(tasks_app, name="tasks")
out = console()
err = console(stderr=True)


@app.command("worker")
def worker_command(
    poll_seconds: Annotated[
        float, typer.Option("--poll-seconds", help="Seconds to wait when nothing is due.")
    ] = 5.0,
    batch: Annotated[int | None, typer.Option("--batch", help="Actions claimed at once.")] = None,
    worker_id: Annotated[
        str | None, typer.Option("--worker-id", help="Name of this worker (default host:pid).")
    ] = None,
    schedule: Annotated[
        bool,
        typer.Option(
            "--schedule/--no-schedule",
            help="Also run the jobs of creditflow.toml's [schedule] (when it has one).",
        ),
    ] = True,
    log_format: Annotated[
        str | None,
        typer.Option(
            "--log-format",
            envvar="CREDITFLOW_LOG_FORMAT",
            help="text or json: log lines (sends with their action id) on stderr.",
        ),
    ] = None,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            "--metrics-port", min=1, max=65535, help="Serve this worker's /metrics on this port."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Send what is due, continuously, until stopped (SIGTERM/Ctrl-C finish the send)."""
    import logging
    import threading

    from creditflow.dispatch.loop import run_worker
    from creditflow.dispatch.worker import DispatchReport, default_worker_id

    settings = command_settings(db)
    try:
        check_sending_settings(settings)
    except ConfigError as exc:
        show_config_error(err, exc)
        raise typer.Exit(2) from exc
    if log_format is not None:
        from creditflow.observe.logs import configure_logging

        try:
            configure_logging(log_format)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
    engine = command_engine(settings)
    if metrics_port is not None:
        from prometheus_client import start_http_server

        from creditflow.observe.metrics import PROCESS

        start_http_server(metrics_port, addr="0.0.0.0", registry=PROCESS)  # noqa: S104
    log = logging.getLogger("creditflow.worker")

    def show(report: DispatchReport) -> None:
        if log_format == "json":
            log.info(report.line(), extra={"event": "dispatch"})
            return
        out.print(f"{datetime.now(UTC).isoformat(timespec='seconds')} {report.line()}")

    stop = threading.Event()
    worker = worker_id or default_worker_id()
    try:
        scheduler = (
            _scheduler_tick(engine, settings, worker, stop, as_json=log_format == "json")
            if schedule
            else None
        )
        tick = _with_webhooks(engine, scheduler, log, as_json=log_format == "json")
        run_worker(
            engine,
            settings,
            poll_seconds=poll_seconds,
            batch_size=batch,
            worker_id=worker,
            stop=stop,
            on_report=show,
            tick=tick,
        )
    except (ConfigError, ValueError) as exc:
        show_config_error(err, exc)
        raise typer.Exit(2) from exc


def _with_webhooks(
    engine: Any, scheduler: Callable[[], None] | None, log: Any, *, as_json: bool = False
) -> Callable[[], None]:
    """The worker's tick: the scheduler's (if any), then one webhook delivery pass."""
    from creditflow.webhooks.service import deliver_due

    def tick() -> None:
        if scheduler is not None:
            scheduler()
        try:
            report = deliver_due(engine, lambda: datetime.now(UTC))
        except Exception:  # a receiver or database hiccup must not stop sending
            log.exception("webhook delivery pass failed")
            return
        if not (report.queued or report.delivered or report.retrying or report.failed):
            return
        if as_json:
            log.info(report.line(), extra={"event": "webhooks"})
        else:
            out.print(f"{datetime.now(UTC).isoformat(timespec='seconds')} {report.line()}")

    return tick


def _scheduler_tick(
    engine: Any, settings: Any, worker: str, stop: Any, *, as_json: bool = False
) -> Callable[[], None] | None:
    """The scheduler's tick for the worker loop, or None without a [schedule] section."""
    import os

    from creditflow.schedule.clock import TEST_CLOCK_ENV, schedule_clock
    from creditflow.schedule.service import Scheduler
    from creditflow.schedule.settings import schedule_settings

    plan = schedule_settings(settings)
    if plan is None:
        return None
    clock, clock_file = schedule_clock(os.environ)
    if clock_file is not None:
        err.print(f"test hook: the schedule reads the time from {clock_file} ({TEST_CLOCK_ENV})")

    def say(line: str) -> None:
        if as_json:
            import logging

            logging.getLogger("creditflow.schedule").info(line, extra={"event": "schedule"})
            return
        out.print(
            f"{datetime.now(UTC).isoformat(timespec='seconds')} {line}",
            markup=False,
            soft_wrap=True,
        )

    return Scheduler(engine, settings, plan, clock=clock, worker=worker, report=say, stop=stop).tick


@letters_app.command("batch")
def letters_batch_command(
    day: Annotated[str | None, typer.Option("--date", help="Day the letters were sent.")] = None,
    duplex: Annotated[bool, typer.Option(help="Start every letter on a new sheet.")] = False,
    zip_file: Annotated[
        Path | None,
        typer.Option(
            "--zip", help="Also write the print shop's ZIP: every PDF, manifest.csv and .json."
        ),
    ] = None,
    db: DbOption = None,
) -> None:
    """Merge the day's letters into one PDF with a CSV manifest for the print shop."""
    from creditflow.dispatch.letters import letters_batch

    try:
        when = date.fromisoformat(day) if day else datetime.now(UTC).date()
    except ValueError as exc:
        raise typer.BadParameter(f"--date {day!r} is not YYYY-MM-DD") from exc
    settings = command_settings(db)
    batch = letters_batch(
        command_engine(settings), settings.outbox_dir, when, duplex=duplex, zip_path=zip_file
    )
    out.print(batch.line())
    if batch.missing:
        raise typer.Exit(1)


@tasks_app.command("list")
def list_tasks_command(
    include_closed: Annotated[
        bool, typer.Option("--all", help="Also tasks that are done, failed or cancelled.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    csv_file: CsvOption = None,
    xlsx_file: XlsxOption = None,
    db: DbOption = None,
) -> None:
    """Open work items: calls to make, reviews (e.g. a 14-day letter that failed its check)."""
    import json

    from rich import box
    from rich.table import Table

    from creditflow.db import transaction
    from creditflow.dispatch.tasks import list_tasks

    settings = command_settings(db)
    engine = command_engine(settings)
    with transaction(engine) as session:
        tasks = list_tasks(session, include_closed=include_closed)
    if csv_file or xlsx_file:
        header = ["action_id", "customer_id", "task", "step", "status", "scheduled_at", "reason"]
        rows = [[task[column] for column in header] for task in tasks]
        files = (csv_file, xlsx_file)
        for line in save_list(engine, "tasks", (header, rows), files, {"all": include_closed}):
            out.print(line)
        return
    if as_json:
        for task in tasks:
            print(json.dumps(task, ensure_ascii=False))
        return
    if not tasks:
        out.print("no open tasks")
        return
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("task (action id)", no_wrap=True, min_width=32)
    table.add_column("customer", no_wrap=True)
    table.add_column("what", overflow="fold")
    for task in tasks:
        what = f"{task['task']}: {task['step']} ({task['status']})"
        if task["reason"]:
            what += f"\n{task['reason']}"
        table.add_row(task["action_id"], task["customer_id"], what)
    out.print(table)


@tasks_app.command("complete")
def complete_task_command(
    action_id: Annotated[str, typer.Argument(help="The task's action id.")],
    outcome: Annotated[
        str,
        typer.Option(
            "--outcome",
            help="What came of it. A call: reached, no_answer, promise, dispute, "
            "wrong_number; a review: done, approved, rejected.",
        ),
    ],
    note: Annotated[str | None, typer.Option("--note", help="Free text.")] = None,
    actor: Annotated[str, typer.Option("--actor", help="Who did the task.")] = "collector",
    db: DbOption = None,
) -> None:
    """Mark a call task done with its outcome."""
    from creditflow.db import transaction
    from creditflow.dispatch.tasks import complete_task

    settings = command_settings(db)
    engine = command_engine(settings)
    try:
        with transaction(engine) as session:
            task = complete_task(session, action_id, outcome, note, datetime.now(UTC), actor=actor)
            stored = task.payload["outcome"]
    except (LookupError, ValueError) as exc:
        err.print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(1) from exc
    out.print(f"task {action_id} done: {stored}")


if __name__ == "__main__":
    app()
