"""Delivering a hand-over's dossier to the agency: a folder or an SFTP server, never in a transaction.

`hand_over` commits the hand-over with status "dossier_pending" and the dossier's
deterministic name (customer and hand-over time). `deliver_pending_dossiers` then,
for each pending hand-over: builds the files in a short read transaction, delivers
them with no transaction open, and in a third transaction marks the hand-over
"handed_over". Delivery is idempotent: a file already there under its final name is
kept, so a retry after a failure (the server down, a crash after the upload but
before the marking committed) never sends a second, different dossier. Dispatch
retries pending dossiers at the start of every pass.

Configuration (`[handover]` in creditflow.toml): `folder` (default
`<outbox_dir>/handover`), or `sftp_host`, `sftp_port` (22), `username`, `password`
or `password_env`, `remote_dir` (".") and the server's key as `host_key`
("ssh-ed25519 AAAA...") or a `known_hosts` file; an unverified server is refused.
"""

from __future__ import annotations

import io
import json
import logging
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from creditflow.compliance.dossier import build_dossier, dossier_pdf
from creditflow.compliance.models import DOSSIER_PENDING, Handover
from creditflow.compliance.service import HANDED_OVER, get_customer
from creditflow.config import Settings
from creditflow.config.ssh import server_key
from creditflow.db import transaction
from creditflow.ledger.service import add_event

__all__ = [
    "DossierDelivery",
    "HandoverConfig",
    "deliver_dossier",
    "deliver_pending_dossiers",
    "dossier_location",
    "dossier_name",
    "handover_config",
]

log = logging.getLogger(__name__)
CONNECT_TIMEOUT = 15.0  # seconds to reach the SFTP server


@dataclass(frozen=True)
class HandoverConfig:
    """Where dossiers go: a folder, or an SFTP server when `sftp_host` is set."""

    folder: Path
    sftp_host: str | None = None
    sftp_port: int = 22
    username: str = ""
    password: str = field(default="", repr=False)
    remote_dir: str = "."
    host_key: str | None = None
    known_hosts: str | None = None


def handover_config(settings: Settings, environ: dict[str, str] | None = None) -> HandoverConfig:
    """Where dossiers go, from `settings.handover` (checked at load); the password resolved."""
    section = settings.handover
    folder = section.folder or settings.outbox_dir / "handover"
    if section.sftp_host is None:
        return HandoverConfig(folder=folder)
    return HandoverConfig(
        folder=folder,
        sftp_host=section.sftp_host,
        sftp_port=section.sftp_port,
        username=section.username,
        password=section.password.reveal(environ),
        remote_dir=section.remote_dir,
        host_key=section.host_key,
        known_hosts=section.known_hosts,
    )


def _server_key(config: HandoverConfig) -> Any:
    assert config.sftp_host is not None
    return server_key(
        config.host_key, config.known_hosts, config.sftp_host, config.sftp_port, "handover"
    )


def _upload(config: HandoverConfig, files: dict[str, bytes]) -> str:
    import paramiko

    # a bounded connect: an unreachable agency must not hold up a dispatch pass for long
    sock = socket.create_connection((config.sftp_host, config.sftp_port), timeout=CONNECT_TIMEOUT)
    transport = paramiko.Transport(sock)
    try:
        transport.connect(
            hostkey=_server_key(config), username=config.username, password=config.password
        )
        sftp = paramiko.SFTPClient.from_transport(transport)
        assert sftp is not None
        for filename, data in files.items():
            final = f"{config.remote_dir}/{filename}"
            if _remote_exists(sftp, final):
                continue  # delivered by an earlier attempt: never a second version
            sftp.putfo(io.BytesIO(data), final + ".part")
            sftp.rename(final + ".part", final)
        sftp.close()
    finally:
        transport.close()
    return dossier_location(config, next(iter(files)))


def _remote_exists(sftp: Any, path: str) -> bool:
    try:
        sftp.stat(path)
    except OSError:
        return False
    return True


def dossier_location(config: HandoverConfig, filename: str) -> str:
    """Where a dossier file is (or will be) delivered: a folder path or an sftp:// address."""
    if config.sftp_host:
        remote = config.remote_dir.lstrip("/")
        return f"sftp://{config.username}@{config.sftp_host}:{config.sftp_port}/{remote}/{filename}"
    return str(config.folder / filename)


def deliver_dossier(config: HandoverConfig, files: dict[str, bytes]) -> str:
    """Write the files (name -> bytes) to the folder or SFTP server; returns the first one's place.

    Each file appears under its final name only once complete (written as `.part`, then
    renamed), so an agency polling the folder never picks up half a dossier. A file
    already there under its final name is left as it is: delivering again after a
    failure never replaces what the agency may have read.
    """
    if config.sftp_host:
        return _upload(config, files)
    config.folder.mkdir(parents=True, exist_ok=True)
    for filename, data in files.items():
        if (config.folder / filename).exists():
            continue
        part = config.folder / f".{filename}.part"
        part.write_bytes(data)
        part.replace(config.folder / filename)
    return dossier_location(config, next(iter(files)))


def dossier_name(customer_id: str, handed_over_at: datetime) -> str:
    """The dossier's file stem, fixed by the hand-over: "dossier-C001-20260314T100000Z"."""
    stamp = handed_over_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"dossier-{re.sub(r'[^A-Za-z0-9._-]', '_', customer_id)}-{stamp}"


@dataclass
class DossierDelivery:
    """What one delivery sweep did: hand-overs delivered (where to), still pending (why)."""

    delivered: list[int] = field(default_factory=list)
    pending: dict[int, str] = field(default_factory=dict)
    locations: dict[int, str] = field(default_factory=dict)


def deliver_pending_dossiers(
    engine: Engine,
    settings: Settings,
    now: datetime,
    *,
    handover_ids: Iterable[int] | None = None,
) -> DossierDelivery:
    """Deliver the dossier of every pending hand-over (or of these), each outside a transaction."""
    result = DossierDelivery()
    with transaction(engine) as session:
        query = select(Handover.id).where(Handover.status == DOSSIER_PENDING)
        if handover_ids is not None:
            query = query.where(Handover.id.in_(list(handover_ids)))
        pending = list(session.scalars(query.order_by(Handover.id)))
    for handover_pk in pending:
        try:
            files = _dossier_files(engine, settings, handover_pk)
            if files is None:
                continue  # delivered or closed by someone else meanwhile
            location = deliver_dossier(handover_config(settings), files)
        except Exception as exc:  # noqa: BLE001 - the agency is unreachable or refused: retry later
            log.info("hand-over %s: dossier not delivered yet: %r", handover_pk, exc)
            result.pending[handover_pk] = f"{type(exc).__name__}: {exc}"[:400]
            continue
        with transaction(engine) as session:
            handover = session.get(Handover, handover_pk)
            if handover is None or handover.status != DOSSIER_PENDING:
                continue
            handover.status = HANDED_OVER
            handover.dossier_path = location
            add_event(
                session,
                handover.customer_id,
                "handover.dossier_delivered",
                f"dossier delivered to {handover.target}",
                action_id=handover.action_id,
                data={"handover_id": handover.id, "dossier": location},
            ).occurred_at = now
        result.delivered.append(handover_pk)
        result.locations[handover_pk] = location
    return result


def _dossier_files(engine: Engine, settings: Settings, handover_pk: int) -> dict[str, bytes] | None:
    """The dossier of a pending hand-over as files, built in a short read transaction."""
    with transaction(engine) as session:
        handover = session.get(Handover, handover_pk)
        if handover is None or handover.status != DOSSIER_PENDING:
            return None
        customer = get_customer(session, handover.customer_id)
        dossier = build_dossier(
            session,
            settings,
            customer,
            list(handover.invoice_ids),
            handover.created_at,
            target=handover.target,
        )
        name = dossier_name(customer.customer_id, handover.created_at)
    return {
        f"{name}.json": json.dumps(dossier, ensure_ascii=False, indent=2).encode("utf-8"),
        f"{name}.pdf": dossier_pdf(dossier),
    }
