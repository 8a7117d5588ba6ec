"""`creditflow customer ...`: staff commands on one debtor's personal data and contact rules.

Every command that reads or changes personal data is written to the audit log, with
the actor from `--actor` or the OS user. Exit codes as DESIGN 4.2: 0 success, 1 the
input was refused (unknown customer, unknown state), 2 configuration error.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from creditflow.commandline import (
    ActorOption,
    DbOption,
    command_actor,
    command_engine,
    command_settings,
)
from creditflow.config import ConfigError, Settings
from creditflow.terminal import console, show_config_error

if TYPE_CHECKING:
    pass

app = typer.Typer(help="One debtor: export, forget, do-not-contact, opt-out.", no_args_is_help=True)
err = console(stderr=True)
out = console()
T = TypeVar("T")


@app.callback()
def main() -> None:
    """Staff commands on one debtor; every access is audited."""


def _in_transaction(db: str | None, work: Callable[[Any, Settings, int], T], customer_id: str) -> T:
    """Run `work(session, settings, customer_pk)` in one transaction; refusals exit 1."""
    from creditflow.compliance.service import customer_by_external_id
    from creditflow.db import transaction

    settings = command_settings(db)
    engine = command_engine(settings)
    try:
        with transaction(engine) as session:
            customer = customer_by_external_id(session, customer_id)
            return work(session, settings, customer.id)
    except (LookupError, ValueError) as exc:
        err.print(f"[red]refused:[/red] {exc}", highlight=False)
        raise typer.Exit(1) from exc
    except ConfigError as exc:
        show_config_error(err, exc)
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()


@app.command("export")
def export_cmd(customer_id: str, actor: ActorOption = None, db: DbOption = None) -> None:
    """Print everything held about one customer as JSON (GDPR access request)."""
    from creditflow.compliance.gdpr import export_customer

    who = command_actor(actor)
    data = _in_transaction(db, lambda s, _st, pk: export_customer(s, pk, who), customer_id)
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


@app.command("forget")
def forget_cmd(
    customer_id: str,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    actor: ActorOption = None,
    db: DbOption = None,
) -> None:
    """Pseudonymise one customer's personal data; the bookkeeping is kept (7 years)."""
    from creditflow.compliance.gdpr import forget_customer
    from creditflow.compliance.stored_copies import remove_stored_copies

    if not yes and not typer.confirm(
        f"Pseudonymise customer {customer_id}? This cannot be undone.", default=False
    ):
        raise typer.Exit(1)
    who = command_actor(actor)
    now = datetime.now(UTC)
    report = _in_transaction(
        db, lambda s, st, pk: forget_customer(s, st, pk, who, now), customer_id
    )
    files = remove_stored_copies(report.files)
    counts = {**report.removed, "stored_files": files.removed}
    removed = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if v) or "nothing"
    out.print(
        f"customer {customer_id} is now {report.pseudonym}; removed: {removed}; "
        f"kept: {', '.join(report.kept)}",
        highlight=False,
    )
    for place, why in files.kept:
        out.print(f"kept {place}: {why}", highlight=False, soft_wrap=True)


@app.command("do-not-contact")
def do_not_contact_cmd(
    customer_id: str,
    state: Annotated[
        str | None,
        typer.Argument(help="deceased, bankruptcy, wsnp, debt_counselling or legal"),
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Lift the do-not-contact state.")] = False,
    note: Annotated[str | None, typer.Option("--note", help="Why (kept in the audit log).")] = None,
    actor: ActorOption = None,
    db: DbOption = None,
) -> None:
    """Put a customer in a do-not-contact state (queues a review task), or --clear it."""
    from creditflow.compliance.service import set_do_not_contact

    if clear == (state is not None):
        err.print("give a STATE or --clear (one of them)")
        raise typer.Exit(2)
    who = command_actor(actor)
    now = datetime.now(UTC)
    task = _in_transaction(
        db, lambda s, _st, pk: set_do_not_contact(s, pk, state, note, who, now=now), customer_id
    )
    if task is None:
        out.print(f"customer {customer_id}: do-not-contact cleared", highlight=False)
    else:
        out.print(
            f"customer {customer_id}: do not contact ({state}); review task {task.action_id}",
            highlight=False,
        )


@app.command("opt-out")
def opt_out_cmd(
    customer_id: str,
    channel: str,
    evidence: Annotated[
        str | None, typer.Option("--evidence", help="What the customer said.")
    ] = None,
    actor: ActorOption = None,
    db: DbOption = None,
) -> None:
    """Record that a customer wants no more contact on CHANNEL (cancels queued messages)."""
    from creditflow.compliance.consent import record_opt_out

    who = command_actor(actor)
    now = datetime.now(UTC)
    change = _in_transaction(
        db,
        lambda s, _st, pk: record_opt_out(s, pk, channel, "staff", evidence, now, actor=who),
        customer_id,
    )
    state = "opted out" if change.changed else "was already opted out"
    out.print(
        f"customer {customer_id} {state} of {channel}; "
        f"{len(change.cancelled)} queued message(s) cancelled",
        highlight=False,
    )


@app.command("opt-in")
def opt_in_cmd(
    customer_id: str,
    channel: str,
    evidence: Annotated[str, typer.Option("--evidence", help="How the consent was given.")],
    actor: ActorOption = None,
    db: DbOption = None,
) -> None:
    """Record a customer's consent to contact on CHANNEL again (evidence required)."""
    from creditflow.compliance.consent import record_consent

    who = command_actor(actor)
    now = datetime.now(UTC)
    _in_transaction(
        db,
        lambda s, _st, pk: record_consent(s, pk, channel, "staff", evidence, now, actor=who),
        customer_id,
    )
    out.print(f"customer {customer_id} may be contacted on {channel} again", highlight=False)


@app.command("hand-over")
def hand_over_cmd(
    customer_id: str,
    target: Annotated[str, typer.Option("--target", help="The collection agency.")] = "agency",
    actor: ActorOption = None,
    db: DbOption = None,
) -> None:
    """Hand all open invoices of a customer to a collection agency (dossier JSON + PDF)."""
    from creditflow.compliance.dossier_delivery import deliver_pending_dossiers
    from creditflow.compliance.handover import hand_over

    who = command_actor(actor)
    now = datetime.now(UTC)
    handover = _in_transaction(
        db, lambda s, st, pk: hand_over(s, st, pk, target, now, actor=who), customer_id
    )
    settings = command_settings(db)
    engine = command_engine(settings)
    try:
        delivery = deliver_pending_dossiers(engine, settings, now, handover_ids=[handover.id])
    finally:
        engine.dispose()
    if handover.id in delivery.pending:
        err.print(
            f"customer {customer_id} handed over to {handover.target}; the dossier is not "
            f"delivered yet ({delivery.pending[handover.id]}): `creditflow dispatch` tries "
            "again",
            style="yellow",
            markup=False,
        )
        raise typer.Exit(1)
    location = delivery.locations.get(handover.id, handover.dossier_path)
    out.print(
        f"customer {customer_id} handed over to {handover.target}: {location}",
        highlight=False,
    )
