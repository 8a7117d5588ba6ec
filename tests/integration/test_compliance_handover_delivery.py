"""The agency's dossier goes out after the hand-over is committed, once, whatever fails.

Dispatch records the hand-over in the re-check transaction with its dossier pending,
commits, and only then uploads the dossier to the agency's SFTP server (a real one on
loopback). A retry finds what an earlier attempt delivered and never sends a second,
different dossier.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from creditflow.compliance.dossier_delivery import (
    _dossier_files,
    deliver_pending_dossiers,
)
from creditflow.compliance.models import Handover
from creditflow.dispatch.worker import dispatch_due
from tests.support.compliance_ledger import escalate_to_agency, pay, rows
from tests.support.sftp_server import SftpServer, agency_settings, sftp_server

HANDOVER_DAY = datetime(2026, 3, 14, 23, 0, tzinfo=UTC)  # after the escalation's send time
NAME = "dossier-C001-20260314T230000Z"


@pytest.fixture
def escalated(engine, settings, tmp_path):
    """The run of 14 March queued the escalation of C001 to the agency."""
    return escalate_to_agency(engine, settings, tmp_path)


@pytest.fixture
def agency(tmp_path, monkeypatch):
    """The agency's SFTP folder, its server's port and key (the server is not running)."""
    monkeypatch.setenv("AGENCY_SFTP_PASSWORD", "s3cret")
    root = tmp_path / "agency"
    (root / "inbox").mkdir(parents=True)
    with sftp_server(root, "agency", "s3cret") as server:  # learn a free port, then stop
        pass
    return server


def _restart(server: SftpServer):
    return sftp_server(server.root, "agency", "s3cret", port=server.port, key=server.host_key)


def _inbox(server: SftpServer) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((server.root / "inbox").iterdir())}


def _dispatch(engine, settings, now):
    return dispatch_due(engine, settings, until=now, now=now, adapters={})


def test_sftp_down_at_the_first_attempt_commits_the_hand_over_and_the_next_pass_uploads_once(
    engine, settings, escalated, agency
):
    at_agency = agency_settings(settings, agency)

    first = _dispatch(engine, at_agency, HANDOVER_DAY)

    assert (first.escalated, first.dossiers_delivered, first.dossiers_pending) == (1, 0, 1)
    assert "1 hand-over dossiers not delivered yet" in first.line()
    assert rows(engine, "SELECT status, dossier_path FROM handover") == [
        {
            "status": "dossier_pending",
            "dossier_path": f"sftp://agency@127.0.0.1:{agency.port}/inbox/{NAME}.json",
        }
    ]
    assert rows(engine, "SELECT status FROM action WHERE action_id = :a", a=escalated) == [
        {"status": "done"}
    ]
    assert rows(engine, "SELECT do_not_contact FROM customer") == [
        {"do_not_contact": "handed_over"}
    ]
    assert _inbox(agency) == {}

    later = HANDOVER_DAY + timedelta(minutes=5)
    with _restart(agency) as server:
        second = _dispatch(engine, at_agency, later)
        third = _dispatch(engine, at_agency, later + timedelta(minutes=5))
    assert (second.dossiers_delivered, second.dossiers_pending) == (1, 0)
    assert (third.dossiers_delivered, third.dossiers_pending) == (0, 0)
    assert server.connections == 1
    assert sorted(_inbox(agency)) == [f"{NAME}.json", f"{NAME}.pdf"]
    assert rows(engine, "SELECT status FROM handover") == [{"status": "handed_over"}]
    assert rows(engine, "SELECT COUNT(*) AS n FROM handover") == [{"n": 1}]
    assert rows(
        engine, "SELECT COUNT(*) AS n FROM event WHERE kind = 'handover.dossier_delivered'"
    ) == [{"n": 1}]


@contextmanager
def _marking_fails_once() -> Iterator[list[int]]:
    """The first commit that marks a hand-over delivered fails (a crash at that moment)."""
    failed: list[int] = []

    def before_commit(session: Session) -> None:
        marked = [o for o in session.dirty if isinstance(o, Handover) and o.status == "handed_over"]
        if marked and not failed:
            failed.append(marked[0].id)
            raise ConnectionError("the database went away before the commit")

    event.listen(Session, "before_commit", before_commit)
    try:
        yield failed
    finally:
        event.remove(Session, "before_commit", before_commit)


def test_a_failure_after_the_upload_before_the_marking_commits_sends_no_second_dossier(
    engine, settings, tmp_path: Path, escalated, agency
):
    at_agency = agency_settings(settings, agency)
    with _restart(agency), _marking_fails_once() as failed:
        with pytest.raises(ConnectionError):
            _dispatch(engine, at_agency, HANDOVER_DAY)
    [handover_id] = failed
    assert rows(engine, "SELECT status FROM handover") == [{"status": "dossier_pending"}]
    uploaded = _inbox(agency)
    assert sorted(uploaded) == [f"{NAME}.json", f"{NAME}.pdf"]

    # 100.00 arrives meanwhile: the dossier made now differs from the one the agency has
    pay(
        engine,
        settings,
        tmp_path,
        [{"payment_id": "P-1", "amount": "100.00", "paid_at": "2026-03-15", "customer_id": "C001"}],
    )
    rebuilt = _dossier_files(engine, at_agency, handover_id)
    assert rebuilt is not None and rebuilt[f"{NAME}.json"] != uploaded[f"{NAME}.json"]

    with _restart(agency):
        again = deliver_pending_dossiers(engine, at_agency, HANDOVER_DAY + timedelta(days=1))
    assert again.delivered == [handover_id]
    assert _inbox(agency) == uploaded
    assert rows(engine, "SELECT status FROM handover") == [{"status": "handed_over"}]
