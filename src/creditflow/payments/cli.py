"""`creditflow payments ...`: the unmatched queue of bank statement entries.

Exit codes: 0 success; 1 the resolution was refused (the message says why); 2 usage or
configuration error.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from creditflow.commandline import DbOption, command_engine, command_settings
from creditflow.list_files import CsvOption, XlsxOption, save_list
from creditflow.terminal import console

if TYPE_CHECKING:
    pass

app = typer.Typer(help="Bank statement payments: the unmatched queue.", no_args_is_help=True)


@app.callback()
def payments() -> None:
    """Bank statement payments: the unmatched queue."""


def _short(text: str | None, width: int) -> str:
    text = text or ""
    return text if len(text) <= width else text[: width - 1] + "…"


@app.command()
def unmatched(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per entry.")] = False,
    wide: Annotated[
        bool, typer.Option("--wide", help="Also the description and suggestions.")
    ] = False,
    csv_file: CsvOption = None,
    xlsx_file: XlsxOption = None,
    db: DbOption = None,
) -> None:
    """List the statement entries waiting in the unmatched queue, with suggestions."""
    from creditflow.payments.unmatched import list_unmatched

    out = console()
    engine = command_engine(command_settings(db))
    entries = list_unmatched(engine)
    if csv_file or xlsx_file:
        header = ["entry_id", "booking_date", "amount", "currency", "direction",
                  "counterparty_name", "counterparty_iban", "structured_reference",
                  "remittance_text", "reason", "source_file", "suggested_invoices"]  # fmt: skip
        rows = [
            [*(e.as_json()[c] for c in header[:-1]),
             " ".join(str(s.get("invoice", "")) for s in e.suggestions)]
            for e in entries
        ]  # fmt: skip
        for line in save_list(engine, "unmatched", (header, rows), (csv_file, xlsx_file), {}):
            out.print(line)
        return
    if as_json:
        for entry in entries:
            typer.echo(json.dumps(entry.as_json(), ensure_ascii=False))
        return
    if not entries:
        out.print("the unmatched queue is empty")
        return
    from rich.console import Console
    from rich.table import Column, Table

    columns = [
        Column("id", justify="right", no_wrap=True),
        Column("booked", no_wrap=True),
        Column("amount", justify="right", no_wrap=True),
        Column("counterparty", overflow="fold"),
        Column("reason", overflow="fold"),
    ]
    if wide:
        columns += [Column("description", overflow="fold"), Column("suggestions", no_wrap=True)]
    title = f"unmatched statement entries ({len(entries)})"
    table = Table(*columns, title=title, box=None, header_style="bold underline")
    for entry in entries:
        data = entry.as_json()
        cells = [
            str(entry.entry_id),
            data["booking_date"],
            f"{data['currency']} {data['amount']}",
            _short(" ".join(filter(None, (entry.counterparty_name, entry.counterparty_iban))), 40),
            entry.reason or "",
        ]
        if wide:
            cells += [
                _short(entry.structured_reference or entry.remittance_text, 40),
                "\n".join(
                    f"{s['invoice']} ({s['customer']}, {s['currency']} {s['open_amount']}) "
                    f"{s['score']}"
                    for s in entry.suggestions[:3]
                ),
            ]
        table.add_row(*cells)
    if wide:  # the table's natural width, however narrow the terminal: nothing cropped
        Console(width=1000).print(table)
        return
    out.print(table)


@app.command()
def resolve(
    entry_id: Annotated[int, typer.Argument(help="The entry's id (see `payments unmatched`).")],
    invoice: Annotated[
        list[str] | None, typer.Option("--invoice", help="Invoice number it pays (repeatable).")
    ] = None,
    customer: Annotated[
        str | None, typer.Option("--customer", help="Customer id: pays their oldest invoices.")
    ] = None,
    ignore: Annotated[bool, typer.Option("--ignore", help="Not a customer payment.")] = False,
    reason: Annotated[str | None, typer.Option("--reason", help="Why it is ignored.")] = None,
    by: Annotated[str, typer.Option("--by", help="Who resolves it (audit log).")] = "cli",
    db: DbOption = None,
) -> None:
    """Resolve a queued entry: record it as payment of invoices or a customer, or ignore it."""
    from creditflow.models import utcnow
    from creditflow.payments.unmatched import ResolveError, resolve_entry

    out, err = console(), console(stderr=True)
    chosen = sum((bool(invoice), customer is not None, ignore))
    if chosen != 1:
        err.print("give exactly one of --invoice INV (repeatable), --customer ID or --ignore")
        raise typer.Exit(2)
    if ignore and not (reason or "").strip():
        err.print("--ignore needs --reason TEXT")
        raise typer.Exit(2)
    if reason is not None and not ignore:
        err.print("--reason goes with --ignore")
        raise typer.Exit(2)
    try:
        done = resolve_entry(
            command_engine(command_settings(db)),
            entry_id,
            invoices=invoice,
            customer_id=customer,
            ignore_reason=reason if ignore else None,
            actor=by,
            now=utcnow(),
        )
    except ResolveError as exc:
        err.print(f"refused: {exc}", markup=False)
        raise typer.Exit(1) from exc
    if done.status == "ignored":
        out.print(f"statement entry {entry_id} ignored: {reason}", markup=False)
        return
    paid = f"invoices {', '.join(done.invoices)}" if done.invoices else "oldest open invoices"
    line = f"statement entry {entry_id} recorded as payment of customer {done.customer_id} ({paid})"
    if done.credit:
        line += f"; {done.credit} left as customer credit"
    out.print(line, markup=False)
