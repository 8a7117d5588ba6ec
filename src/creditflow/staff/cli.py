"""`creditflow user ...` and `creditflow apikey ...`: staff accounts and API keys.

Every change is written to the audit log with the actor from `--actor` or the OS user.
Exit codes as DESIGN 4.2: 0 success, 1 the input was refused (weak password, known
user, unknown key), 2 usage or configuration error.
"""

from __future__ import annotations

import getpass
import sys
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

user_app = typer.Typer(help="Staff users and their roles.", no_args_is_help=True)
apikey_app = typer.Typer(help="API keys for integrations.", no_args_is_help=True)
err = console(stderr=True)
out = console()
T = TypeVar("T")


def _in_transaction(db: str | None, work: Callable[[Any], T]) -> T:
    """Run `work(session)` in one transaction; a refused change exits 1 with the reason."""
    from creditflow.db import transaction
    from creditflow.staff.service import StaffError

    engine = command_engine(command_settings(db))
    try:
        with transaction(engine) as session:
            return work(session)
    except StaffError as exc:
        err.print(f"refused: {exc}", markup=False, soft_wrap=True)
        raise typer.Exit(1) from exc
    finally:
        engine.dispose()


def _read_password() -> str:
    """The new password: typed twice at a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if getpass.getpass("again: ") != first:
            err.print("refused: the two passwords differ")
            raise typer.Exit(1)
        return first
    return sys.stdin.readline().rstrip("\r\n")


@user_app.command("add")
def user_add(
    email: str,
    role: Annotated[str, typer.Option("--role", help="admin, manager, collector or viewer.")],
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Add a staff user; the password comes from stdin."""
    from creditflow.staff.permissions import ROLES
    from creditflow.staff.service import add_user

    if role not in ROLES:
        err.print(f"--role {role}: use one of {', '.join(ROLES)}", markup=False)
        raise typer.Exit(2)
    password = _read_password()
    address = _in_transaction(
        db, lambda session: add_user(session, email, role, password, command_actor(actor)).email
    )
    out.print(f"user {address} added ({role})", markup=False, highlight=False)


@user_app.command("disable")
def user_disable(email: str, db: DbOption = None, actor: ActorOption = None) -> None:
    """Disable a user; their open sessions end at once."""
    from creditflow.staff.service import set_active

    _in_transaction(db, lambda session: set_active(session, email, False, command_actor(actor)))
    out.print(f"user {email} disabled", markup=False, highlight=False)


@user_app.command("enable")
def user_enable(email: str, db: DbOption = None, actor: ActorOption = None) -> None:
    """Enable a disabled user again."""
    from creditflow.staff.service import set_active

    _in_transaction(db, lambda session: set_active(session, email, True, command_actor(actor)))
    out.print(f"user {email} enabled", markup=False, highlight=False)


@user_app.command("totp")
def user_totp(
    email: str,
    off: Annotated[bool, typer.Option("--off", help="Turn two-step sign-in off.")] = False,
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Turn two-step sign-in (TOTP) on (prints the address once) or off."""
    from creditflow.staff.service import set_totp

    uri = _in_transaction(
        db, lambda session: set_totp(session, email, not off, command_actor(actor))
    )
    if uri is None:
        out.print(f"two-step sign-in off for {email}", markup=False, highlight=False)
        return
    err.print(
        f"two-step sign-in on for {email}; add this to the authenticator app (shown once):",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    print(uri)


@user_app.command("list")
def user_list(db: DbOption = None) -> None:
    """List the staff users with their roles."""
    from rich.table import Table

    from creditflow.staff.service import list_users

    rows = _in_transaction(
        db,
        lambda session: [
            (
                u.email,
                u.role,
                "yes" if u.active else "no",
                "on" if u.totp_secret else "-",
                f"{u.created_at:%Y-%m-%d}",
            )
            for u in list_users(session)
        ],
    )
    if not rows:
        out.print("no staff users yet: add one with `creditflow user add EMAIL --role admin`")
        return
    table = Table("e-mail", "role", "active", "2-step", "added")
    for row in rows:
        table.add_row(*row)
    out.print(table)


@apikey_app.command("create")
def apikey_create(
    name: str,
    scope: Annotated[str, typer.Option("--scope", help="read (GET only) or write.")],
    db: DbOption = None,
    actor: ActorOption = None,
) -> None:
    """Create an API key and print it once: it is stored only as a hash."""
    from creditflow.staff.permissions import SCOPES
    from creditflow.staff.service import create_api_key

    if scope not in SCOPES:
        err.print(f"--scope {scope}: use one of {', '.join(SCOPES)}", markup=False)
        raise typer.Exit(2)
    key_id, key = _in_transaction(
        db,
        lambda session: (lambda made: (made[0].key_id, made[1]))(
            create_api_key(session, name, scope, command_actor(actor))
        ),
    )
    err.print(
        f"API key {key_id} ({scope}) for {name}; shown once, store it now:",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    print(key)


@apikey_app.command("list")
def apikey_list(db: DbOption = None) -> None:
    """List the API keys (never the keys themselves)."""
    from rich.table import Table

    from creditflow.staff.service import list_api_keys

    def _when(moment: datetime | None) -> str:
        return f"{moment:%Y-%m-%d}" if moment else "-"

    rows = _in_transaction(
        db,
        lambda session: [
            (
                k.key_id,
                k.name,
                k.scope,
                _when(k.created_at),
                _when(k.last_used_at),
                _when(k.revoked_at),
            )
            for k in list_api_keys(session)
        ],
    )
    if not rows:
        out.print("no API keys yet: create one with `creditflow apikey create NAME --scope read`")
        return
    table = Table("id", "name", "scope", "created", "last used", "revoked")
    for row in rows:
        table.add_row(*row)
    out.print(table)


@apikey_app.command("revoke")
def apikey_revoke(key_id: str, db: DbOption = None, actor: ActorOption = None) -> None:
    """Revoke an API key by its id; it stops working at once."""
    from creditflow.staff.service import revoke_api_key

    now = datetime.now(UTC)
    name = _in_transaction(
        db, lambda session: revoke_api_key(session, key_id, command_actor(actor), now).name
    )
    out.print(f"API key {key_id} ({name}) revoked", markup=False, highlight=False)
