"""`creditflow model train` and `creditflow risk` (DESIGN 4.7)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Annotated, Any

import typer

from creditflow.commandline import DbOption, command_day, command_engine, command_settings
from creditflow.terminal import console

model_app = typer.Typer(help="Train and inspect the late-payment model.", no_args_is_help=True)
out = console()
err = console(stderr=True)

AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Day the ledger is known at (YYYY-MM-DD; default today)."),
]


@model_app.callback()
def model() -> None:
    """Train and inspect the late-payment model."""


@model_app.command()
def train(as_of: AsOfOption = None, db: DbOption = None) -> None:
    """Learn from the history known at as-of: risk model, channel outcomes, send times."""
    from creditflow.intelligence.learning import learn_channels_and_hours
    from creditflow.intelligence.service import NotEnoughHistory, train_model

    day = command_day(as_of) or datetime.now(UTC).date()
    engine = command_engine(command_settings(db))
    learned = learn_channels_and_hours(engine, day)
    out.print(
        f"channels: {learned.judged_sends} sent messages judged over {learned.steps} "
        f"strategy steps; send times: {learned.customers_with_habit} customers with a usual hour",
        markup=False,
        soft_wrap=True,
    )
    try:
        result = train_model(engine, day, now=datetime.now(UTC))
    except NotEnoughHistory as exc:
        err.print(f"nothing trained: {exc}; `creditflow risk` keeps its current model",
                  markup=False, soft_wrap=True)  # fmt: skip
        raise typer.Exit(1) from exc
    metrics = result.metrics
    out.print(
        f"model version {result.version} trained on the history known at {day}:\n"
        f"  {metrics['training_invoices']} invoices, {metrics['training_rows']} invoice-days",
        markup=False,
        soft_wrap=True,
    )
    _print_holdout(metrics["holdout"], metrics["holdout_from"])


def _print_holdout(holdout: dict[str, Any], since: str) -> None:
    if "skipped" in holdout:
        out.print(f"no hold-out figures: {holdout['skipped']}", markup=False, soft_wrap=True)
        return
    auc = "n/a" if holdout["auc"] is None else f"{holdout['auc']:.3f}"
    at_issue = holdout.get("auc_at_issue")
    issue = "n/a" if at_issue is None else f"{at_issue:.3f}"
    out.print(
        f"hold-out: invoices due from {since}, {holdout['rows']} invoice-days, "
        f"{holdout['late_share']:.0%} late\n"
        f"  AUC {auc} (on the issue day {issue}), Brier {holdout['brier']:.3f}",
        markup=False,
        soft_wrap=True,
    )
    from rich.table import Column, Table

    table = Table(
        Column("p_late band"),
        Column("rows", justify="right"),
        Column("predicted", justify="right"),
        Column("observed", justify="right"),
        title="reliability",
        box=None,
        header_style="bold underline",
    )
    for band in holdout["reliability"]:

        def cell(value: float | None) -> str:
            return "" if value is None else f"{value:.3f}"

        table.add_row(band["band"], str(band["rows"]), cell(band["predicted"]),
                      cell(band["observed"]))  # fmt: skip
    out.print(table)


def risk_command(
    as_of: AsOfOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per open invoice.")
    ] = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Rows in the table.")] = 20,
    customers: Annotated[
        bool,
        typer.Option("--customers", help="Who to call first: customers by expected recovery."),
    ] = False,
    explain: Annotated[
        bool,
        typer.Option("--explain", help="With --json: add each invoice's top 3 factors."),
    ] = False,
    db: DbOption = None,
) -> None:
    """Late-payment risk of every invoice open at as-of (works without a trained model)."""
    from creditflow.intelligence.model import ModelFormatError
    from creditflow.intelligence.service import latest_model, score_open_invoices

    day = command_day(as_of) or datetime.now(UTC).date()
    engine = command_engine(command_settings(db))
    with engine.connect() as conn:
        try:
            model, version = latest_model(conn)
        except ModelFormatError as exc:
            err.print(f"{exc}: run `creditflow model train` to store a new version",
                      markup=False, soft_wrap=True)  # fmt: skip
            raise typer.Exit(2) from exc
        scored = score_open_invoices(conn, day, model)
    if customers:
        _print_call_order(scored, as_json=as_json, limit=limit)
        return
    if as_json:
        _write_json(scored, model if explain else None)
        return
    source = "the shipped prior" if version is None else f"model version {version}"
    out.print(f"{scored.height} open invoices on {day}, scored by {source}", markup=False)
    if scored.height:
        _print_risk_table(scored, limit)


def _write_json(scored: Any, model: Any | None) -> None:
    """One object per invoice (DESIGN 4.7); with a model, its top factors added (explain.py)."""
    from creditflow.intelligence.explain import top_factors
    from creditflow.intelligence.scoring import values_at_due

    rows = scored.select(
        "invoice_number", "customer_id", "p_late", "expected_days_late", "expected_pay_date"
    ).iter_rows()
    write = sys.stdout.write
    if model is None:
        for row in rows:
            write(json.dumps(risk_json(row)) + "\n")
        return
    factors = top_factors(model, values_at_due(scored, model).to_numpy())
    for row, top in zip(rows, factors, strict=True):
        found = risk_json(row)
        found["factors"] = [{"feature": f, "contribution": c} for f, c in top]
        write(json.dumps(found) + "\n")


def risk_json(row: tuple[Any, ...]) -> dict[str, Any]:
    """One scored invoice in the shape of DESIGN 4.7."""
    number, customer, p_late, days, pay_date = row
    return {
        "invoice_number": number,
        "customer_id": customer,
        "p_late": round(float(p_late), 4),
        "expected_days_late": round(float(days), 1),
        "expected_pay_date": pay_date.isoformat(),
    }


def _print_risk_table(scored: Any, limit: int) -> None:
    from rich.table import Column, Table

    top = scored.sort(["p_late", "expected_days_late"], descending=True).head(limit)
    table = Table(
        Column("invoice", overflow="fold"),
        Column("customer", overflow="fold"),
        Column("p_late", justify="right", no_wrap=True),
        Column("days late", justify="right", no_wrap=True),
        Column("pay date", no_wrap=True),
        box=None,
        header_style="bold underline",
        title=f"highest risk first (top {top.height})",
    )
    for number, customer, p_late, days, pay_date in top.select(
        "invoice_number", "customer_id", "p_late", "expected_days_late", "expected_pay_date"
    ).iter_rows():
        table.add_row(number, customer, f"{p_late:.2f}", f"{days:.1f}", pay_date.isoformat())
    out.print(table)


def _print_call_order(scored: Any, *, as_json: bool, limit: int) -> None:
    """Customers by expected recovery from a call (call_order.py), best first."""
    from creditflow.intelligence.call_order import call_priority
    from creditflow.money import from_minor

    names = scored.select("customer_pk", "customer_id").unique()
    order = call_priority(scored).join(names, on="customer_pk", how="left", maintain_order="left")
    rows = [
        {
            "customer_id": r["customer_id"],
            "currency": r["currency"],
            "open_amount": str(from_minor(int(r["open_minor"]), r["currency"])),
            "risk": round(float(r["risk"]), 4),
            "days_overdue": int(r["days_overdue"]),
            "expected_recovery": str(
                from_minor(round(r["expected_recovery_minor"]), r["currency"])
            ),
        }
        for r in order.iter_rows(named=True)
    ]
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row) + "\n")
        return
    if not rows:
        out.print("no customer has open invoices")
        return
    from rich.table import Column, Table

    table = Table(
        Column("customer", overflow="fold"),
        Column("open", justify="right", no_wrap=True),
        Column("risk", justify="right", no_wrap=True),
        Column("overdue", justify="right", no_wrap=True),
        Column("recovery", justify="right", no_wrap=True),
        box=None,
        header_style="bold underline",
        title=f"who to call first (top {min(limit, len(rows))} of {len(rows)})",
    )
    for row in rows[:limit]:
        cur = row["currency"]
        table.add_row(row["customer_id"], f"{cur} {row['open_amount']}", f"{row['risk']:.2f}",
                      f"{row['days_overdue']} d", f"{cur} {row['expected_recovery']}")  # fmt: skip
    out.print(table)
