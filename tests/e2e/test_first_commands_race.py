"""Several commands started at once on an empty database: one migrates, the others wait.

A compose stack starts `serve` and two workers together, and each command creates or
upgrades the schema first; without a lock two of them create the same tables at once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CREDITFLOW = Path(sys.executable).with_name("creditflow")

pytestmark = pytest.mark.db


def test_three_first_ever_commands_at_once_all_succeed_on_one_schema(
    database_url: str, tmp_path: Path
):
    env = {**os.environ, "CREDITFLOW_DATABASE_URL": database_url, "COLUMNS": "80"}
    env.pop("CREDITFLOW_CONFIG", None)
    started = [
        subprocess.Popen(
            [str(CREDITFLOW), "init"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    for process in started:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert "Traceback" not in out + err
    listed = subprocess.run(
        [str(CREDITFLOW), "actions"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert listed.returncode == 0, listed.stderr
