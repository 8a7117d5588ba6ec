"""`creditflow webhook ...`: subscribe a URL to events, list, log, remove, replay, deliver."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import typer

from creditflow.commandline import (
    ActorOption,
    DbOption,
    command_actor,
    command_engine,
    command_settings,
)
from creditflow.terminal import console

webhook_app = typer.Typer(help="Events out to your CRM or ERP.", no_args_is_help=True)
out = console()
err = console(stderr=True)
T = TypeVar("T")


def _in_transaction(db: str | None, work: Callable[[Any], T]) -> T:
    from creditflow.db import transaction

    engine = command_engine(command_settings(db))
    try:
        with transaction(engine) as session:
            return work(session)
    except ValueError as exc:
        err.print(str(exc), markup=False, highlight=False)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()


@webhook_app.command("add")
def webhook_add(
    url: str,
    events: Annotated[
        list[str],
        typer.Option("--events", help="Event types, comma-separated or repeated (docs/api.md)."),
    ],
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Subscribe URL to events; prints the signing secret once (on stdout)."""
    from creditflow.webhooks.service import add_subscription

    wanted = [e for value in events for e in value.split(",")]
    sub_id, secret, chosen = _in_transaction(
        db,
        lambda session: (lambda made: (made[0].sub_id, made[1], made[0].events))(
            add_subscription(session, url, wanted, command_actor(actor))
        ),
    )
    err.print(
        f"webhook {sub_id} -> {url} ({', '.join(chosen)}); signing secret shown once:",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    print(secret)


@webhook_app.command("list")
def webhook_list(db: DbOption = None) -> None:
    """The subscriptions and how their deliveries stand (never the secrets)."""
    from rich.table import Table
    from sqlalchemy import func, select

    from creditflow.webhooks.models import WebhookDelivery, WebhookSubscription

    def rows(session: Any) -> list[tuple[str, ...]]:
        counts: dict[tuple[int, str], int] = {
            (s, st): n
            for s, st, n in session.execute(
                select(
                    WebhookDelivery.subscription_id, WebhookDelivery.status, func.count()
                ).group_by(WebhookDelivery.subscription_id, WebhookDelivery.status)
            )
        }
        return [
            (
                sub.sub_id,
                sub.url,
                ",".join(sub.events),
                "yes" if sub.active else "no",
                *(str(counts.get((sub.id, st), 0)) for st in ("pending", "delivered", "failed")),
            )
            for sub in session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id))
        ]

    found = _in_transaction(db, rows)
    if not found:
        out.print("no webhooks yet: add one with `creditflow webhook add URL --events ...`")
        return
    table = Table("id", "url", "events", "active", "pending", "delivered", "failed")
    for row in found:
        table.add_row(*row)
    out.print(table)


@webhook_app.command("log")
def webhook_log(
    sub_id: str,
    status: Annotated[
        str | None, typer.Option("--status", help="pending, delivered or failed.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Newest deliveries shown.")] = 50,
    db: DbOption = None,
) -> None:
    """The deliveries of one subscription, newest first: event, tries, last answer."""
    from rich.table import Table
    from sqlalchemy import select

    from creditflow.webhooks.models import WebhookDelivery, WebhookSubscription

    def rows(session: Any) -> list[tuple[str, ...]]:
        sub = session.scalars(
            select(WebhookSubscription).where(WebhookSubscription.sub_id == sub_id)
        ).first()
        if sub is None:
            raise ValueError(f"no webhook subscription {sub_id}")
        query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)
        if status:
            query = query.where(WebhookDelivery.status == status)
        found = session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit))
        return [
            (
                d.event_id,
                d.event_type,
                d.status,
                str(d.attempts),
                str(d.last_status or "-") if not d.last_error else d.last_error[:40],
            )
            for d in found
        ]

    found = _in_transaction(db, rows)
    if not found:
        out.print(f"no deliveries for {sub_id}", markup=False, highlight=False)
        return
    table = Table("event", "type", "status", "tries", "last answer")
    for row in found:
        table.add_row(*row)
    out.print(table)


@webhook_app.command("remove")
def webhook_remove(sub_id: str, db: DbOption = None, actor: ActorOption = None) -> None:
    """Stop sending to a subscription."""
    from creditflow.webhooks.service import remove_subscription

    url = _in_transaction(
        db, lambda session: remove_subscription(session, sub_id, command_actor(actor)).url
    )
    out.print(f"webhook {sub_id} ({url}) removed", markup=False, highlight=False)


@webhook_app.command("replay")
def webhook_replay(
    sub_id: str, event_id: str, db: DbOption = None, actor: ActorOption = None
) -> None:
    """Send one event to a subscription again (at the next delivery pass)."""
    from creditflow.webhooks.service import replay

    now = datetime.now(UTC)
    _in_transaction(
        db, lambda session: replay(session, sub_id, event_id, now, command_actor(actor))
    )
    out.print(f"{event_id} queued again for {sub_id}", markup=False, highlight=False)


@webhook_app.command("deliver")
def webhook_deliver(db: DbOption = None) -> None:
    """One delivery pass now (the worker runs one before each dispatch pass)."""
    from creditflow.webhooks.service import deliver_due

    engine = command_engine(command_settings(db))
    try:
        report = deliver_due(engine, lambda: datetime.now(UTC))
    finally:
        engine.dispose()
    out.print(report.line(), markup=False, highlight=False)
