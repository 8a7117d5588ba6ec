"""`creditflow report`: the receivables figures at a date (DESIGN 4.6)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from creditflow.commandline import DbOption, command_day, command_engine, command_settings
from creditflow.terminal import console

if TYPE_CHECKING:
    from rich.console import Console

    from creditflow.analytics.service import Report

out = console()
err = console(stderr=True)


def report_command(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date of the figures (YYYY-MM-DD; default today).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per currency (DESIGN 4.6).")
    ] = False,
    csv_file: Annotated[
        Path | None,
        typer.Option("--csv", help="Write the tables as CSV (others beside it).", dir_okay=False),
    ] = None,
    xlsx_file: Annotated[
        Path | None,
        typer.Option("--xlsx", help="Write the tables as one XLSX workbook.", dir_okay=False),
    ] = None,
    pdf_file: Annotated[
        Path | None,
        typer.Option(
            "--pdf", help="Write the monthly report (figures and charts) as PDF.", dir_okay=False
        ),
    ] = None,
    store: Annotated[
        bool,
        typer.Option(
            "--store",
            help="Store the figures at the 12 month-ends before the date and at the date, "
            "and the forecast made on it, for the dashboard (what the worker's figures job does).",
        ),
    ] = False,
    db: DbOption = None,
) -> None:
    """Open, overdue, aging, DSO, CEI and more, per currency, as of any date."""
    if store:
        store_command(command_day(as_of) or datetime.now(UTC).date(), db)
        return
    from creditflow.analytics.effect import channel_prices
    from creditflow.analytics.service import build_report
    from creditflow.analytics.tables import write_csv, write_xlsx

    day = command_day(as_of) or datetime.now(UTC).date()
    settings = command_settings(db)
    try:
        prices = channel_prices(dict(settings.analytics.prices))
    except ValueError as exc:
        err.print(f"configuration error: {exc}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from exc
    engine = command_engine(settings, migrate=False)
    try:
        report = build_report(engine, day, prices)
    finally:
        engine.dispose()
    if csv_file is not None:
        for path in write_csv(report, csv_file):
            err.print(f"wrote {path}", markup=False, highlight=False, soft_wrap=True)
    if xlsx_file is not None:
        path = write_xlsx(report, xlsx_file)
        err.print(f"wrote {path}", markup=False, highlight=False, soft_wrap=True)
    if pdf_file is not None:
        from creditflow.analytics.pdf import build_pdf

        engine = command_engine(settings, migrate=False)
        try:
            pdf_file.write_bytes(build_pdf(engine, day, prices, settings.organisation.name))
        finally:
            engine.dispose()
        err.print(f"wrote {pdf_file}", markup=False, highlight=False, soft_wrap=True)
    if as_json:
        for fig in report.currencies:
            line = {**fig.as_json(), "cash_forecast": forecast_json(report, fig.currency)}
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        return
    show_report(out, report)


def forecast_json(report: Report, currency: str) -> dict[str, Any]:
    """The cash forecast of one currency for `--json`: its method and weeks (after the contract)."""
    from creditflow.money import from_minor

    rows = report.forecast.filter(report.forecast["currency"] == currency)
    return {
        "method": report.forecast_method,
        "weeks": [
            {"week_from": start.isoformat(), "expected": str(from_minor(minor, currency)),
             "invoices": n}
            for _c, week, start, minor, n in rows.iter_rows() if week <= 8
        ],
        "later": str(from_minor(sum(m for _c, w, _s, m, _n in rows.iter_rows() if w > 8),
                                currency)),
    }  # fmt: skip


def store_command(day: date, db: str | None) -> None:
    """Fill in the stored figures up to `day`, with a progress bar on a terminal."""
    from rich.progress import Progress

    from creditflow.analytics.stored import store_figures
    from creditflow.strategy.lease import RunInProgress, run_lease

    settings = command_settings(db)
    engine = command_engine(settings, migrate=False)
    try:
        # the worker's figures job holds the same lease: one of them writes at a time
        with (
            run_lease(engine, day, name="schedule:figures"),
            Progress(console=err, transient=True, disable=not err.is_terminal) as bar,
        ):
            task = bar.add_task("figures", total=None)

            def step(name: str, done: int, total: int) -> None:
                bar.update(task, description=name, completed=done, total=total)

            summary = store_figures(engine, day, now=datetime.now(UTC), progress=step)
    except RunInProgress as exc:
        err.print(
            f"not stored: the figures are being stored by another process "
            f"({exc.holder.describe()}); run again when it has finished",
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()
    out.print(summary.line(), markup=False, highlight=False, soft_wrap=True)


def _days(value: object, unit: str = " days") -> str:
    return "n/a" if value is None else f"{value}{unit}"


def show_report(target: Console, report: Report) -> None:
    """The report as a few narrow tables (fits 80 columns)."""
    from rich.table import Table

    from creditflow.analytics.core import AGING_BUCKETS

    target.print(f"[bold]receivables as of {report.as_of}[/bold]")
    if not report.currencies:
        target.print("no invoices issued on or before this date")
    for fig in report.currencies:
        data = fig.as_json()
        table = Table(
            "figure", "value", "aging", "amount",
            title=f"{fig.currency}", title_justify="left", box=None, pad_edge=False,
            header_style="bold underline",
        )  # fmt: skip
        countback = report.countback.get(fig.currency)
        left = [
            ("open", data["open"]),
            ("overdue", data["overdue"]),
            ("DSO (90 days)", _days(data["dso_days"])),
            ("countback DSO", _days(countback)),
            ("best possible DSO", _days(data["best_possible_dso_days"])),
            ("avg days delinquent", _days(data["add_days"])),
            ("CEI (30 days)", _days(data["cei_percent"], " %")),
        ]
        right = [(f"{b} days" if b != "current" else b, data["aging"][b]) for b in AGING_BUCKETS]
        for k in range(max(len(left), len(right))):
            figure = left[k] if k < len(left) else ("", "")
            bucket = right[k] if k < len(right) else ("", "")
            table.add_row(figure[0], str(figure[1]), bucket[0], str(bucket[1]))
        table.columns[1].justify = "right"
        table.columns[3].justify = "right"
        target.print(table)
    if report.habits.height:
        habits = Table(
            "currency", "segment", "paid", "days to pay", "days late",
            title="payment habits (invoices paid in 90 days)", title_justify="left",
            box=None, pad_edge=False, header_style="bold underline",
        )  # fmt: skip
        for row in report.habits.iter_rows():
            habits.add_row(*(str(c) for c in row))
        target.print(habits)
    if report.weeks.height:
        weeks = Table(
            "currency", "week from", "collected", "payments",
            title="collected per week", title_justify="left", box=None, pad_edge=False,
            header_style="bold underline",
        )  # fmt: skip
        for cur, week, minor, n in report.weeks.iter_rows():
            from creditflow.money import from_minor

            weeks.add_row(cur, week.isoformat(), str(from_minor(minor, cur)), str(n))
        weeks.columns[2].justify = "right"
        weeks.columns[3].justify = "right"
        target.print(weeks)
    _show_effectiveness(target, report)
    _show_forecast(target, report)
    _show_experiment(target, report)
    a: dict[str, Any] = report.arrangements
    target.print(
        f"promises: {a['promises_made']} made in 90 days, kept "
        f"{_days(a['promises_kept_percent'], ' %')}; plans: {a['plans_active']} active, "
        f"on track {_days(a['plans_on_track_percent'], ' %')}; disputes: "
        f"{a['disputes_open']} open, resolved in {_days(a['days_to_resolve'])}",
        highlight=False,
    )
    outs = ", ".join(f"{ch} {n}" for ch, n in report.opt_outs.iter_rows()) or "none"
    target.print(f"opted out: {outs}", highlight=False)
    if report.portal is not None:
        use = ", ".join(f"{kind} {n} ({c} customers)" for kind, n, c in report.portal.iter_rows())
        target.print(f"portal use in 30 days: {use}", markup=False, highlight=False)
    if report.engagement is not None and report.engagement.height:
        engaged = "; ".join(
            f"{r['channel']} {r['currency']} {r['contacts']} contacts, clicked {r['clicked']}, "
            f"replied {r['replied']}"
            for r in report.engagement.iter_rows(named=True)
        )
        target.print(f"contacts 14-104 days ago: {engaged}", markup=False, highlight=False)


def _show_effectiveness(target: Console, report: Report) -> None:
    """Per channel, and the not-contacted baseline: what a contact brought in 14 days."""
    from rich.table import Table

    from creditflow.money import from_minor

    rows = report.effectiveness.filter(
        report.effectiveness["dimension"].is_in(["channel", "baseline"])
    )
    if rows.height == 0:
        return
    table = Table(
        "channel", "cur", "contacts", "paid 7d", "paid 14d", "per 100", "cost/unit",
        title="contacts 14-104 days ago: paid within 7 / 14 days",
        title_justify="left", box=None, pad_edge=False, header_style="bold underline",
    )  # fmt: skip
    for r in rows.iter_rows(named=True):
        table.add_row(
            r["value"], r["currency"], str(r["contacts"]), f"{r['paid_7_percent']} %",
            f"{r['paid_14_percent']} %", str(from_minor(r["collected_per_100_minor"],
                                                         r["currency"])),
            r["cost_per_unit_collected"] or "n/a",
        )  # fmt: skip
    for index in range(2, 7):
        table.columns[index].justify = "right"
    target.print(table)


def _show_experiment(target: Console, report: Report) -> None:
    """Champion and challenger side by side, and the difference with its 95% interval."""
    from rich.table import Table

    from creditflow.money import from_minor

    found = report.experiment
    if not found:
        return
    table = Table(
        "arm", "cur", "customers", "collected", "contacts", "cost", "DSO",
        title=f"experiment {found['name']} since {found['since']}",
        title_justify="left", box=None, pad_edge=False, header_style="bold underline",
    )  # fmt: skip
    for r in found["arms"]:
        cur = r["currency"]
        table.add_row(
            r["arm"], cur, str(r["customers"]), str(from_minor(r["collected_minor"], cur)),
            str(r["contacts"]), str(from_minor(r["cost_minor"], cur)), _days(r["dso_days"]),
        )  # fmt: skip
    for index in range(2, 7):
        table.columns[index].justify = "right"
    target.print(
        f"challenger: version {found['challenger_version']} on {found['share']:.0%} of the "
        f"customers; champion: version {found['champion_version']}",
        markup=False, highlight=False,
    )  # fmt: skip
    target.print(table)
    for d in found["differences"]:
        verdict = "a real difference" if d["clear"] else "not distinguishable from chance"
        target.print(
            f"challenger - champion, collected per customer ({d['currency']}): "
            f"{d['collected_per_customer_difference']}\n  95% interval {d['low']} to "
            f"{d['high']}: {verdict}",
            markup=False, highlight=False,
        )  # fmt: skip


def _show_forecast(target: Console, report: Report) -> None:
    """Expected receipts per week, by the method the report says (own days late or risk model)."""
    from rich.table import Table

    from creditflow.money import from_minor

    if report.forecast.height == 0:
        return
    table = Table(
        "currency", "week from", "expected", "invoices",
        title=f"cash forecast ({report.forecast_method})",
        title_justify="left", box=None, pad_edge=False, header_style="bold underline",
    )  # fmt: skip
    for cur, week, start, minor, n in report.forecast.iter_rows():
        label = "later" if week > 8 else start.isoformat()
        table.add_row(cur, label, str(from_minor(minor, cur)), str(n))
    table.columns[2].justify = "right"
    table.columns[3].justify = "right"
    target.print(table)
