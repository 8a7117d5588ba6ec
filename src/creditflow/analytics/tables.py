"""The report as named tables of text cells: for CSV and XLSX exports and the terminal."""

from __future__ import annotations

import csv
from pathlib import Path

from creditflow.analytics.core import AGING_BUCKETS
from creditflow.analytics.service import Report
from creditflow.money import from_minor
from creditflow.spreadsheet import safe_cell

Table = tuple[list[str], list[list[object]]]


def _days(value: object) -> object:
    return "" if value is None else value


def report_tables(report: Report) -> dict[str, Table]:
    """Every table of the report by name: header and rows (amounts as exact text)."""
    figures_rows: list[list[object]] = []
    for fig in report.currencies:
        data = fig.as_json()
        figures_rows.append(
            [
                data["as_of"],
                fig.currency,
                data["open"],
                data["overdue"],
                *(data["aging"][b] for b in AGING_BUCKETS),
                str(from_minor(fig.invoiced_90_minor, fig.currency)),
                _days(data["dso_days"]),
                _days(
                    None
                    if report.countback.get(fig.currency) is None
                    else float(report.countback[fig.currency])
                ),  # fmt: skip
                _days(data["best_possible_dso_days"]),
                _days(data["add_days"]),
                _days(data["cei_percent"]),
            ]
        )
    figures: Table = (
        [
            "as_of",
            "currency",
            "open",
            "overdue",
            *AGING_BUCKETS,
            "invoiced_90_days",
            "dso_days",
            "countback_dso_days",
            "best_possible_dso_days",
            "add_days",
            "cei_percent",
        ],  # fmt: skip
        figures_rows,
    )
    habits: Table = (
        ["currency", "segment", "invoices_paid", "days_to_pay", "days_late"],
        [list(row) for row in report.habits.iter_rows()],
    )
    weeks: Table = (
        ["currency", "week", "collected", "payments"],
        [
            [cur, week.isoformat(), str(from_minor(minor, cur)), n]
            for cur, week, minor, n in report.weeks.select(
                "currency", "week", "collected_minor", "payments"
            ).iter_rows()
        ],
    )
    arrangements: Table = (
        ["figure", "value"],
        [[k, _days(v)] for k, v in report.arrangements.items()],
    )
    opt_outs: Table = (["channel", "customers"], [list(r) for r in report.opt_outs.iter_rows()])
    effectiveness: Table = (
        [
            "dimension",
            "value",
            "currency",
            "contacts",
            "sent",
            "delivered",
            "paid_7",
            "paid_7_percent",
            "paid_14",
            "paid_14_percent",
            "collected_14_days",
            "collected_per_100_contacts",
            "cost",
            "cost_per_unit_collected",
        ],  # fmt: skip
        [
            [
                r["dimension"],
                r["value"],
                r["currency"],
                r["contacts"],
                r["sent"],
                r["delivered"],
                r["paid_7"],
                r["paid_7_percent"],
                r["paid_14"],
                r["paid_14_percent"],
                str(from_minor(r["collected_14_minor"], r["currency"])),
                str(from_minor(r["collected_per_100_minor"], r["currency"])),
                str(from_minor(r["cost_minor"], r["currency"])),
                _days(r["cost_per_unit_collected"]),
            ]  # fmt: skip
            for r in report.effectiveness.iter_rows(named=True)
        ],
    )
    cash: Table = (
        ["currency", "week", "week_from", "expected", "invoices"],
        [
            [cur, "later" if week > 8 else week, start.isoformat(), str(from_minor(m, cur)), n]
            for cur, week, start, m, n in report.forecast.iter_rows()
        ],
    )
    tables = {
        "figures": figures,
        "payment_habits": habits,
        "collected_per_week": weeks,
        "arrangements": arrangements,
        "opt_outs": opt_outs,
        "effectiveness": effectiveness,
        "cash_forecast": cash,
    }
    if report.portal is not None:
        tables["portal_use"] = (["kind", "events", "customers"],
                                [list(r) for r in report.portal.iter_rows()])  # fmt: skip
    if report.engagement is not None:
        tables["engagement"] = (
            ["channel", "currency", "contacts", "clicked", "replied", "clicked_percent",
             "replied_percent"],
            [list(r) for r in report.engagement.iter_rows()],
        )  # fmt: skip
    if report.experiment:
        tables["experiment"] = (
            ["experiment", "arm", "currency", "customers", "collected", "contacts", "cost",
             "dso_days"],
            [
                [report.experiment["name"], r["arm"], r["currency"], r["customers"],
                 str(from_minor(r["collected_minor"], r["currency"])), r["contacts"],
                 str(from_minor(r["cost_minor"], r["currency"])), r["dso_days"]]
                for r in report.experiment["arms"]
            ],
        )  # fmt: skip
    return tables


def write_csv(report: Report, path: Path) -> list[Path]:
    """The figures table to `path`, every other table beside it as `<stem>.<table>.csv`."""
    written = []
    for name, (header, rows) in report_tables(report).items():
        target = path if name == "figures" else path.with_name(f"{path.stem}.{name}.csv")
        with target.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows([[safe_cell(cell) for cell in row] for row in rows])
        written.append(target)
    return written


def write_xlsx(report: Report, path: Path) -> Path:
    """Every table of the report as one sheet of a workbook (text cells made safe)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, (header, rows) in report_tables(report).items():
        sheet = book.create_sheet(name)
        sheet.append(header)
        for row in rows:
            sheet.append(
                [cell if isinstance(cell, int | float) else safe_cell(cell) for cell in row]
            )
    book.save(path)
    return path
