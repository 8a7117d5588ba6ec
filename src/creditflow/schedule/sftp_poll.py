"""One poll of the SFTP statement inbox: each new content imported once, then moved or deleted.

Called by the scheduler under its "schedule:statement" lease. The network work
(listing, fetching, moving) happens with no database transaction open; each
file's import is recorded in `job_run` (job "statement", key the content's sha256)
by the scheduler's `attempt`, so a file whose content was imported before (by
this inbox, the statements folder or another worker) is never imported again. A
poll that cannot reach the server, or a file that cannot be read, is recorded as
"failed" with the inbox's address and the reason; an unreadable statement is
"rejected" by name and the other files still import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from creditflow.config.operations import StatementsSftp
from creditflow.schedule.core import new_files
from creditflow.schedule.sftp_inbox import SftpInbox, open_inbox

__all__ = ["InboxJobs", "poll_sftp_inbox"]

JOB = "statement"
# Bytes of fetched files kept for their import in one poll; beyond it a new file is
# fetched again when it is imported (a first poll of a full inbox hashes every file).
KEEP_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class InboxJobs:
    """What a poll needs of the scheduler: the job table, the import, stop and report."""

    attempt: Callable[[str, str, Callable[[], str]], bool]
    done_keys: Callable[[str, list[str], tuple[str, ...]], set[str]]
    import_file: Callable[[str, bytes], str]
    stopping: Callable[[], bool]
    report: Callable[[str], object]


def poll_sftp_inbox(
    config: StatementsSftp,
    jobs: InboxJobs,
    cache: dict[tuple[str, int, int], str],
    now: datetime,
    environ: dict[str, str] | None = None,
) -> None:
    """Import the inbox's new files; `cache` keeps (name, size, mtime) -> sha256 between polls."""
    where = config.address()
    try:
        password = config.password.reveal(environ)
        with open_inbox(config, password) as inbox:
            _poll(inbox, config, jobs, cache)
    except Exception as exc:  # noqa: BLE001 - recorded; the next poll tries again
        reason = f"{type(exc).__name__}: {exc}"

        def failed() -> str:
            raise RuntimeError(f"SFTP inbox {where}: {reason}; tried again at the next poll")

        jobs.attempt(JOB, f"sftp {now.isoformat(timespec='seconds')}", failed)


def _poll(
    inbox: SftpInbox,
    config: StatementsSftp,
    jobs: InboxJobs,
    cache: dict[tuple[str, int, int], str],
) -> None:
    listing: list[tuple[str, str]] = []
    fetched: dict[str, bytes] = {}
    kept = 0
    for file in inbox.files():
        seen = (file.name, file.size, file.mtime)
        digest = cache.get(seen)
        if digest is None:
            try:
                digest, data = inbox.digest(file.name)
            except OSError as exc:
                _unreadable(jobs, config, file.name, exc)
                continue
            cache[seen] = digest
            if kept + len(data) <= KEEP_BYTES:
                fetched[file.name], kept = data, kept + len(data)
        listing.append((file.name, digest))
    digests = [digest for _, digest in listing]
    done = jobs.done_keys(JOB, digests, ("ok", "rejected"))
    imported = jobs.done_keys(JOB, digests, ("ok",))
    handled: set[str] = set()
    for name, digest in new_files(listing, done):
        if jobs.stopping():
            return
        handled.add(name)

        def load(name: str = name, digest: str = digest) -> str:
            data = fetched.pop(name, None)
            if data is None:
                digest_now, data = inbox.digest(name)
                if digest_now != digest:
                    raise RuntimeError(f"{name} changed while it was read; read again later")
            message = jobs.import_file(name, data)
            return f"{message}{_after(inbox, name, digest)}"

        if jobs.attempt(JOB, digest, load):
            imported.add(digest)
    if config.after_import == "keep":
        return
    # Files imported before whose move or delete did not happen, and copies of a content.
    for name, digest in listing:
        if name in handled or digest not in imported or jobs.stopping():
            continue
        try:
            done_with = inbox.after_import(name, digest)
        except OSError as exc:
            jobs.report(f"schedule: statement {config.address()}/{name}: not moved: {exc}")
            continue
        jobs.report(f"schedule: statement {name} (imported before): {done_with}")


def _after(inbox: SftpInbox, name: str, digest: str) -> str:
    """'; moved to ...' after an import, or why not (the next poll tries again)."""
    if inbox.config.after_import == "keep":
        return ""
    try:
        return f"; {inbox.after_import(name, digest)}"
    except OSError as exc:
        return f"; not {inbox.config.after_import}d yet ({exc}); tried again at the next poll"


def _unreadable(jobs: InboxJobs, config: StatementsSftp, name: str, exc: OSError) -> None:
    def failed() -> str:
        raise RuntimeError(f"{config.address()}/{name}: cannot be read: {exc}")

    jobs.attempt(JOB, f"sftp {name}"[:64], failed)
