"""A credit manager tries a challenger strategy on half the customers, from the command line.

Subprocesses on a fresh database, as a user runs them: two strategy files are loaded,
a third names the second as its challenger; the run decides each customer by their
arm; payments come in; `creditflow report` shows both arms side by side at 80 columns.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

CREDITFLOW = Path(sys.executable).with_name("creditflow")
PEOPLE = 40
STRATEGY = """segments:
  - name: everyone
strategies:
  everyone:
    steps:
      - id: reminder1
        at: due+7d
        channels: [{channel}]
        template: reminder
"""


@pytest.fixture
def cli(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITFLOW_")}
    env["CREDITFLOW_DATABASE_URL"] = f"sqlite:///{tmp_path / 'books.db'}"
    env["CREDITFLOW_OUTBOX_DIR"] = str(tmp_path / "outbox")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own console script
            [str(CREDITFLOW), *args], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=300, check=False,
        )  # fmt: skip

    return run


def test_a_challenger_runs_on_its_share_and_the_report_compares_the_arms(cli, tmp_path):
    customers = ["customer_id,name,kind,email,phone"]
    invoices = ["invoice_number,customer_id,issue_date,due_date,amount"]
    payments = ["payment_id,amount,paid_at,currency,customer_id,invoice_number"]
    for n in range(1, PEOPLE + 1):
        customers.append(f"C{n:02d},Klant {n},consumer,k{n}@example.nl,+316123{n:05d}")
        invoices.append(f"I{n:02d},C{n:02d},2026-01-20,2026-02-20,100.00")
        if n % 3 == 0:
            payments.append(f"P{n:02d},100.00,2026-03-05,EUR,C{n:02d},I{n:02d}")
    for name, rows in (("c.csv", customers), ("i.csv", invoices), ("p.csv", payments)):
        (tmp_path / name).write_text("\n".join(rows) + "\n")
    (tmp_path / "email.yaml").write_text(STRATEGY.format(channel="email"))
    (tmp_path / "sms.yaml").write_text(STRATEGY.format(channel="sms"))
    trial = STRATEGY.format(channel="email") + "challenger:\n  version: {v}\n  share: 0.5\n"

    assert cli("import", "customers", "c.csv").returncode == 0
    assert cli("import", "invoices", "i.csv").returncode == 0
    assert cli("strategy", "load", "email.yaml").returncode == 0
    loaded = cli("strategy", "load", "sms.yaml")
    assert "(version 2)" in loaded.stdout, loaded.stdout + loaded.stderr

    (tmp_path / "wrong.yaml").write_text(trial.format(v=99))
    wrong = cli("strategy", "load", "wrong.yaml")
    assert wrong.returncode == 1
    assert "wrong.yaml:11: challenger.version: there is no stored strategy version 99" in (
        wrong.stderr
    )
    (tmp_path / "trial.yaml").write_text(trial.format(v=2).replace("0.5", "0.5\n  name: sms-first"))
    assert cli("strategy", "load", "trial.yaml").returncode == 0

    ran = cli("run", "--as-of", "2026-03-02")
    assert ran.returncode == 0, ran.stderr
    with sqlite3.connect(tmp_path / "books.db") as db:
        rows = db.execute("SELECT channel, payload FROM action WHERE run_id IS NOT NULL").fetchall()
    assert len(rows) == PEOPLE
    arms = {}
    for channel, payload in rows:
        data = json.loads(payload)
        assert data["experiment"] == "sms-first"
        assert channel == ("sms" if data["arm"] == "challenger" else "email")
        arms[data["arm"]] = arms.get(data["arm"], 0) + 1
    assert set(arms) == {"champion", "challenger"} and min(arms.values()) >= 10

    assert cli("import", "payments", "p.csv").returncode == 0
    report = cli("report", "--as-of", "2026-03-10")
    assert report.returncode == 0, report.stderr
    text = report.stdout
    assert "experiment sms-first since 2026-03-02" in text
    assert "challenger: version 2 on 50% of the customers; champion: version 3" in text
    assert "champion" in text and "challenger" in text
    assert "challenger - champion, collected per customer (EUR):" in text
    assert max(len(line) for line in text.splitlines()) <= 80, text
