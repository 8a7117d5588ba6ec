"""`creditflow strategy check|load` refuse a 14-day step that is no 14-day letter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CREDITFLOW = Path(sys.executable).with_name("creditflow")

BAD_NOTICES = """segments:
  - name: late_payers
    when: risk >= 0.6
  - name: consumers
    when: kind == "consumer"
  - name: business
strategies:
  late_payers:
    steps:
      - id: final_notice
        at: due+10d
        channels: [sms]
        template: fourteen_day_letter
        legal: wik_notice
      - id: costs
        at: final_notice+15d
        charge: collection_costs
  consumers:
    steps:
      - id: final_notice
        at: due+21d
        task: call
        legal: wik_notice
      - id: costs
        at: final_notice+15d
        charge: collection_costs
  business:
    steps:
      - id: final_notice
        at: due+21d
        channels: [letter]
        template: reminder
        legal: wik_notice
      - id: costs
        at: final_notice+15d
        charge: collection_costs
"""


def run(tmp_path: Path, database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CREDITFLOW_DATABASE_URL": database_url}
    env.pop("CREDITFLOW_CONFIG", None)
    return subprocess.run(
        [str(CREDITFLOW), *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_sms_call_and_reminder_posing_as_the_14_day_letter_are_refused_with_lines(
    tmp_path: Path, database_url: str
) -> None:
    (tmp_path / "bad.yaml").write_text(BAD_NOTICES)
    checked = run(tmp_path, database_url, "strategy", "check", "bad.yaml")
    assert checked.returncode == 1
    errors = checked.stderr.splitlines()
    assert any(e.startswith("bad.yaml:10:") and "sms cannot carry" in e for e in errors), errors
    assert any(e.startswith("bad.yaml:15:") and "not a valid 14-day" in e for e in errors)
    assert any(e.startswith("bad.yaml:20:") and "'call' task" in e for e in errors)
    assert any(e.startswith("bad.yaml:24:") and "not a valid 14-day" in e for e in errors)
    assert any(e.startswith("bad.yaml:29:") and "template 'reminder'" in e for e in errors)
    assert any(e.startswith("bad.yaml:34:") and "not a valid 14-day" in e for e in errors)
    loaded = run(tmp_path, database_url, "strategy", "load", "bad.yaml")
    assert loaded.returncode == 1 and loaded.stderr.splitlines() == errors
