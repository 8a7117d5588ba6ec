"""The worker reads bank statements from a real SFTP inbox (paramiko server on loopback).

Each file's content is imported once (job "statement", keyed by its sha256), by one
of several workers; an unreadable file is rejected by name while the others import;
a server that cannot be reached is recorded as a failed poll; imported files are
moved or deleted when `after_import` asks for it.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from creditflow.config import Settings
from creditflow.config.operations import parse_schedule
from creditflow.payments.statements import parse_statements
from creditflow.schedule.service import Scheduler
from tests.support.schedule_workers import (
    job_rows,
    schedule_config,
    start_worker,
    stop_worker,
    wait_for,
    worker_env,
)
from tests.support.sftp_server import SftpServer, sftp_server

BANK = ("oca-ing.940", "oca-camt053.xml")


def bank_file(shared_dir: Path, name: str) -> bytes:
    return (shared_dir / "testdata" / "bank" / name).read_bytes()


def entries_in(shared_dir: Path, names: tuple[str, ...]) -> int:
    return sum(
        len(statement.entries)
        for name in names
        for statement in parse_statements(bank_file(shared_dir, name), name)
    )


def statement_entries(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM statement_entry")).scalar_one())


def messages(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [
            (str(outcome), str(message))
            for outcome, message in conn.execute(
                text("SELECT outcome, message FROM job_run WHERE job = 'statement' ORDER BY id")
            )
        ]


def inbox_section(server: SftpServer, **extra: object) -> dict[str, object]:
    return {
        "host": server.host,
        "port": server.port,
        "username": "bank",
        "password_env": "BANK_SFTP_PASSWORD",
        "remote_dir": "/inbox",
        "host_key": server.host_key_line,
        "every_seconds": 1,
        **extra,
    }


class Clock:
    """A clock the test moves; the poll pacing follows it too."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 3, 9, 10, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment

    def seconds(self) -> float:
        return self.moment.timestamp()


def scheduler(engine: Engine, settings: Settings, clock: Clock, section: dict) -> Scheduler:
    plan = parse_schedule({"schedule": {"run_at": "", "statements_sftp": section}})
    assert plan is not None
    return Scheduler(
        engine,
        replace(settings, schedule=plan),
        plan,
        clock=clock,
        worker="test",
        run_wait=0,
        monotonic=clock.seconds,
    )


@pytest.fixture
def bank_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BANK_SFTP_PASSWORD", "s3cret")
    root = tmp_path / "bank"
    (root / "inbox").mkdir(parents=True)
    return root


@pytest.mark.slow
def test_two_workers_polling_one_sftp_inbox_import_each_file_once_and_name_the_broken_one(
    engine: Engine, settings: Settings, tmp_path: Path, database_url: str, shared_dir: Path,
    bank_root: Path,
) -> None:  # fmt: skip
    inbox = bank_root / "inbox"
    for name in BANK:
        (inbox / name).write_bytes(bank_file(shared_dir, name))
    (inbox / "broken.xml").write_text("<Document>not a statement", encoding="utf-8")
    (inbox / "ing-copy.940").write_bytes(bank_file(shared_dir, "oca-ing.940"))  # same content
    with sftp_server(bank_root, "bank", "s3cret") as server:
        lines = "\n".join(
            f"{key} = {value!r}".replace("'", '"') for key, value in inbox_section(server).items()
        )
        config = schedule_config(tmp_path, f'run_at = ""\n\n[schedule.statements_sftp]\n{lines}')
        clock = tmp_path / "now.txt"
        clock.write_text("2026-03-09T11:00:00+01:00", encoding="utf-8")
        env = {**worker_env(database_url, tmp_path, config, clock), "BANK_SFTP_PASSWORD": "s3cret"}
        workers = [start_worker(env, tmp_path, name) for name in ("worker-a", "worker-b")]
        try:
            wait_for(lambda: len(job_rows(engine, "statement")) >= 3, 120, "the three imports")
            connections = server.connections
            # Both workers poll every second: give each several more polls.
            wait_for(lambda: server.connections >= connections + 4, 60, "more polls")
            codes = [stop_worker(w) for w in workers]
        finally:
            for worker in workers:
                stop_worker(worker)
    logs = "\n".join((tmp_path / f"{n}.log").read_text() for n in ("worker-a", "worker-b"))
    assert codes == [0, 0], logs
    runs = messages(engine)
    assert sorted(outcome for outcome, _ in runs) == ["ok", "ok", "rejected"], logs
    [rejected] = [message for outcome, message in runs if outcome == "rejected"]
    assert rejected.startswith("broken.xml: ") and "nothing imported" in rejected
    # Files are taken by name: ing-copy.940 comes first, its twin oca-ing.940 is known then.
    assert {message.split(":")[0] for outcome, message in runs if outcome == "ok"} == {
        "ing-copy.940",
        "oca-camt053.xml",
    }
    assert {worker for _, _, worker in job_rows(engine, "statement")} <= {"worker-a", "worker-b"}
    assert statement_entries(engine) == entries_in(shared_dir, BANK) > 0
    assert sorted(p.name for p in inbox.iterdir()) == sorted([*BANK, "broken.xml", "ing-copy.940"])


def test_imported_files_are_moved_and_a_copy_of_known_content_is_not_imported_again(
    engine: Engine, settings: Settings, shared_dir: Path, bank_root: Path
) -> None:
    inbox = bank_root / "inbox"
    (inbox / "ing.940").write_bytes(bank_file(shared_dir, "oca-ing.940"))
    (inbox / ".arriving.xml").write_text("still being written")
    clock = Clock()
    with sftp_server(bank_root, "bank", "s3cret") as server:
        jobs = scheduler(engine, settings, clock, inbox_section(server, after_import="move"))
        jobs.tick()
        assert [outcome for outcome, _ in messages(engine)] == ["ok"]
        assert messages(engine)[0][1].endswith("; moved to /inbox/imported/ing.940")
        assert sorted(p.name for p in inbox.iterdir()) == [".arriving.xml", "imported"]
        # The bank sends the same file again, under the same name and under another.
        (inbox / "ing.940").write_bytes(bank_file(shared_dir, "oca-ing.940"))
        (inbox / "ing-resent.940").write_bytes(bank_file(shared_dir, "oca-ing.940"))
        (inbox / "camt.xml").write_bytes(bank_file(shared_dir, "oca-camt053.xml"))
        clock.moment += timedelta(seconds=1)
        jobs.tick()
    assert [outcome for outcome, _ in messages(engine)] == ["ok", "ok"]
    assert messages(engine)[1][1].startswith("camt.xml: ")
    assert statement_entries(engine) == entries_in(shared_dir, BANK)
    assert sorted(p.name for p in inbox.iterdir()) == [".arriving.xml", "imported"]
    digest = hashlib.sha256(bank_file(shared_dir, "oca-ing.940")).hexdigest()
    assert sorted(p.name for p in (inbox / "imported").iterdir()) == sorted(
        ["camt.xml", "ing.940", "ing-resent.940", f"ing-{digest[:12]}.940"]
    )


def test_with_delete_an_imported_file_leaves_the_inbox_and_a_broken_one_stays(
    engine: Engine,
    settings: Settings,
    shared_dir: Path,
    bank_root: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Nothing kept from the hashing: each new file is fetched again for its import.
    monkeypatch.setattr("creditflow.schedule.sftp_poll.KEEP_BYTES", 0)
    inbox = bank_root / "inbox"
    (inbox / "camt.xml").write_bytes(bank_file(shared_dir, "oca-camt053.xml"))
    (inbox / "broken.940").write_text(":20:half a statement", encoding="utf-8")
    with sftp_server(bank_root, "bank", "s3cret") as server:
        scheduler(engine, settings, Clock(), inbox_section(server, after_import="delete")).tick()
    assert [p.name for p in inbox.iterdir()] == ["broken.940"]
    assert sorted(outcome for outcome, _ in messages(engine)) == ["ok", "rejected"]


def test_an_inbox_that_cannot_be_reached_is_a_failed_poll_tried_again_later(
    engine: Engine, settings: Settings, shared_dir: Path, bank_root: Path
) -> None:
    with sftp_server(bank_root, "bank", "s3cret") as server:
        pass  # learn a free port and a key, then stop
    (bank_root / "inbox" / "camt.xml").write_bytes(bank_file(shared_dir, "oca-camt053.xml"))
    clock = Clock()
    jobs = scheduler(engine, settings, clock, inbox_section(server))
    jobs.tick()
    [(outcome, message)] = messages(engine)
    assert outcome == "failed"
    assert f"SFTP inbox sftp://bank@127.0.0.1:{server.port}/inbox: " in message
    assert message.endswith("tried again at the next poll")
    with sftp_server(bank_root, "bank", "s3cret", port=server.port, key=server.host_key):
        clock.moment += timedelta(seconds=1)
        jobs.tick()
    assert [outcome for outcome, _ in messages(engine)] == ["failed", "ok"]


def test_a_server_with_another_key_is_refused_and_nothing_is_read(
    engine: Engine, settings: Settings, shared_dir: Path, bank_root: Path
) -> None:
    (bank_root / "inbox" / "camt.xml").write_bytes(bank_file(shared_dir, "oca-camt053.xml"))
    with sftp_server(bank_root, "bank", "s3cret") as impostor:
        with sftp_server(bank_root, "bank", "s3cret") as real:
            pass
        section = inbox_section(impostor, host_key=real.host_key_line)
        started = time.monotonic()
        scheduler(engine, settings, Clock(), section).tick()
    [(outcome, message)] = messages(engine)
    assert outcome == "failed" and "SFTP inbox" in message, message
    assert time.monotonic() - started < 30
    assert statement_entries(engine) == 0


def test_the_server_key_may_come_from_a_known_hosts_file(
    engine: Engine, settings: Settings, shared_dir: Path, bank_root: Path, tmp_path: Path
) -> None:
    (bank_root / "inbox" / "ing.940").write_bytes(bank_file(shared_dir, "oca-ing.940"))
    with sftp_server(bank_root, "bank", "s3cret") as server:
        known = tmp_path / "known_hosts"
        known.write_text(f"[127.0.0.1]:{server.port} {server.host_key_line}\n", encoding="utf-8")
        section = inbox_section(server, known_hosts=str(known))
        del section["host_key"]
        scheduler(engine, settings, Clock(), section).tick()
    assert [outcome for outcome, _ in messages(engine)] == ["ok"]
    assert statement_entries(engine) == entries_in(shared_dir, ("oca-ing.940",))
