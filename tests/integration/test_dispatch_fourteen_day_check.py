"""A 14-day letter that fails the legal check at render time is not sent.

The consumer C001 owes EUR 412.50 on INV-1, due 5 January 2026; the strategy sends the
14-day letter by post on due+7d. A template override that counts the term "na
dagtekening" (which forfeits all costs, HR 25-11-2016) must not reach the debtor: the
action fails with the reasons and a person gets a review task, on the timeline and in
`creditflow tasks list`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from creditflow.dispatch.worker import dispatch_due
from creditflow.messages.render import TEMPLATES_DIR
from tests.support.compliance_ledger import consumer, rows
from tests.support.dispatch_ledger import (
    END_OF_DAY,
    SEND_TIME,
    events,
    queued_reminders,
    with_organisation,
)

CREDITFLOW = Path(sys.executable).with_name("creditflow")
LETTER_STRATEGY = """segments:
  - name: everyone
strategies:
  everyone:
    steps:
      - id: final_notice
        at: due+7d
        channels: [letter]
        template: fourteen_day_letter
        legal: wik_notice
"""
SAFE_TERM = "binnen veertien dagen vanaf de dag nadat deze brief bij u is bezorgd"


def broken_override(folder: Path) -> Path:
    """A template folder whose Dutch 14-day letter counts the term from its date."""
    shipped = (TEMPLATES_DIR / "nl" / "fourteen_day_letter.j2").read_text(encoding="utf-8")
    assert SAFE_TERM in shipped
    (folder / "nl").mkdir(parents=True)
    broken = shipped.replace(SAFE_TERM, "binnen 14 dagen na dagtekening van deze brief")
    (folder / "nl" / "fourteen_day_letter.j2").write_text(broken, encoding="utf-8")
    return folder


def test_a_letter_counting_from_its_date_is_held_back_for_review(
    engine, settings, tmp_path, database_url
):
    settings = with_organisation(settings)
    [queued] = queued_reminders(engine, settings, tmp_path, strategy=LETTER_STRATEGY)
    assert (queued["channel"], queued["template"]) == ("letter", "fourteen_day_letter")
    settings = replace(settings, template_dir=broken_override(tmp_path / "templates"))

    report = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)

    assert report.sent == 0 and report.failed == 1, report.line()
    [letter] = rows(engine, "SELECT * FROM action WHERE action_id = :a", a=queued["action_id"])
    assert letter["status"] == "failed"
    assert "fails the legal check" in letter["status_reason"]
    assert "na dagtekening" in letter["status_reason"]
    assert not (settings.outbox_dir / "letter").exists()
    [attempt_count] = rows(engine, "SELECT count(*) AS n FROM delivery_attempt")
    assert attempt_count["n"] == 0
    [review] = rows(engine, "SELECT * FROM action WHERE kind = 'task'")
    assert (review["channel"], review["step"]) == ("review", "fourteen_day_letter_review")
    assert review["status"] in ("queued", "sent")
    payload = (
        review["payload"] if isinstance(review["payload"], dict) else json.loads(review["payload"])
    )
    assert payload["action_id"] == queued["action_id"]
    failed = [e for e in events(engine, "message.") if e["action_id"] == queued["action_id"]]
    assert [e["kind"] for e in failed] == ["message.failed"]
    assert review["action_id"] in failed[0]["summary"]

    env = {**os.environ, "CREDITFLOW_DATABASE_URL": database_url}
    env.pop("CREDITFLOW_CONFIG", None)
    listed = subprocess.run(
        [str(CREDITFLOW), "tasks", "list", "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    [task] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert (task["action_id"], task["task"]) == (review["action_id"], "review")
    assert task["customer_id"] == "C001"
    assert "14-day letter" in task["reason"]


@pytest.mark.parametrize(("channel", "language"), [("letter", "nl"), ("email", "en")])
def test_the_shipped_letter_passes_the_check_and_is_sent(
    engine, settings, tmp_path, channel, language
):
    settings = with_organisation(settings)
    strategy = LETTER_STRATEGY.replace("[letter]", f"[{channel}]")
    [queued] = queued_reminders(
        engine, settings, tmp_path, [consumer("C001", language=language)], strategy=strategy
    )
    assert queued["channel"] == channel

    report = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)

    assert (report.sent, report.failed) == (1, 0), report.line()
    assert rows(engine, "SELECT status FROM action")[0]["status"] == "sent"
    assert rows(engine, "SELECT count(*) AS n FROM action WHERE kind = 'task'")[0]["n"] == 0
