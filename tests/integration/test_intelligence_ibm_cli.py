"""IBM's accounts-receivable ledger through the real command line: import, train, score.

The ledger as it was known on 2013-07-01 (invoices issued by then, payments received
by then) is imported into a fresh database with `creditflow import`; `model train
--as-of` learns from it; `risk --as-of --json` scores the invoices open that day,
which the data set's later settlements then judge.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from creditflow.intelligence.evaluation import auc
from creditflow.intelligence.ibm import ledger_frame, write_import_files

CREDITFLOW = Path(sys.executable).with_name("creditflow")
AS_OF = date(2013, 7, 1)
CONTRACT_KEYS = {"invoice_number", "customer_id", "p_late", "expected_days_late",
                 "expected_pay_date"}  # fmt: skip

pytestmark = pytest.mark.slow


def _cli(database_url: str, folder: Path):
    env = {**os.environ, "CREDITFLOW_DATABASE_URL": database_url}
    env.pop("CREDITFLOW_CONFIG", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CREDITFLOW), *args],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run


def _scores(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]


def test_ibm_ledger_trained_through_the_cli_ranks_open_invoices_with_auc_over_0_85(
    database_url: str, shared_dir: Path, tmp_path: Path
) -> None:
    ledger = ledger_frame(shared_dir / "datasets" / "ibm-accounts-receivable.csv")
    files = write_import_files(ledger, AS_OF, tmp_path)
    cli = _cli(database_url, tmp_path)
    for kind in ("customers", "invoices", "payments"):
        done = cli("import", kind, str(files[kind]))
        assert done.returncode == 0, done.stderr
        assert "rejected 0" in done.stdout

    prior = cli("risk", "--as-of", AS_OF.isoformat(), "--json")
    assert prior.returncode == 0, prior.stderr
    trained = cli("model", "train", "--as-of", AS_OF.isoformat())
    assert trained.returncode == 0, trained.stderr
    assert "model version 1 trained" in trained.stdout
    assert "AUC" in trained.stdout and "Brier" in trained.stdout
    assert "reliability" in trained.stdout
    scored = cli("risk", "--as-of", AS_OF.isoformat(), "--json")
    assert scored.returncode == 0, scored.stderr

    truth = dict(ledger.select("invoice_number", "late").iter_rows())
    open_then = set(
        ledger.filter((ledger["issue_date"] <= AS_OF) & (ledger["paid_on"] > AS_OF))
        .get_column("invoice_number")
        .to_list()
    )
    for output in (prior.stdout, scored.stdout):
        rows = _scores(output)
        assert {r["invoice_number"] for r in rows} == open_then  # every open invoice, once
        assert all(set(r) == CONTRACT_KEYS for r in rows)
        assert all(0.0 <= float(r["p_late"]) <= 1.0 for r in rows)
        assert all(r["expected_pay_date"] > AS_OF.isoformat() for r in rows)  # open after it
        labels = np.array([truth[r["invoice_number"]] for r in rows])
        p_late = np.array([float(r["p_late"]) for r in rows])
        assert (auc(labels, p_late) or 0.0) >= 0.85

    # not yet due on as-of: the part the model has to earn (overdue ones are late for sure)
    rows = _scores(scored.stdout)
    due = dict(ledger.select("invoice_number", "due_date").iter_rows())
    not_due = [r for r in rows if due[r["invoice_number"]] >= AS_OF]
    labels = np.array([truth[r["invoice_number"]] for r in not_due])
    p_late = np.array([float(r["p_late"]) for r in not_due])
    assert len(not_due) > 40 and labels.any() and not labels.all()
    assert (auc(labels, p_late) or 0.0) >= 0.85
