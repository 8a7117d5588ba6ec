"""Real `creditflow worker` subprocesses with a schedule and a clock file (the test hook)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text

CREDITFLOW = Path(sys.executable).with_name("creditflow")


def schedule_config(folder: Path, schedule: str) -> Path:
    """A creditflow.toml with a creditor and the given `[schedule]` lines."""
    path = folder / "creditflow.toml"
    path.write_text(
        '[organisation]\nname = "Voorbeeld B.V."\niban = "NL91ABNA0417164300"\n\n'
        f"[schedule]\n{schedule}\n",
        encoding="utf-8",
    )
    return path


def worker_env(database_url: str, folder: Path, config: Path, clock: Path) -> dict[str, str]:
    """The environment of a worker on this database, config and clock file."""
    env = {
        **os.environ,
        "CREDITFLOW_DATABASE_URL": database_url,
        "CREDITFLOW_OUTBOX_DIR": str(folder / "outbox"),
        "CREDITFLOW_CONFIG": str(config),
        "CREDITFLOW_TEST_CLOCK_FILE": str(clock),
        "COLUMNS": "80",
    }
    return env


def start_worker(env: dict[str, str], folder: Path, name: str) -> subprocess.Popen[str]:
    """`creditflow worker` in a subprocess, its output in folder/<name>.log."""
    log = (folder / f"{name}.log").open("w", encoding="utf-8")
    return subprocess.Popen(  # noqa: S603 - our own console script
        [str(CREDITFLOW), "worker", "--poll-seconds", "0.2", "--worker-id", name],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop_worker(process: subprocess.Popen[str]) -> int:
    """SIGTERM, then the exit code (killed after 60 s)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll until the condition holds; fail naming what did not happen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


def job_rows(engine: Engine, job: str) -> list[tuple[str, str, str]]:
    """(run_key, outcome, worker) of a job's runs, in the order they started."""
    with engine.connect() as conn:
        return [
            (row[0], row[1], row[2])
            for row in conn.execute(
                text("SELECT run_key, outcome, worker FROM job_run WHERE job = :job ORDER BY id"),
                {"job": job},
            )
        ]
