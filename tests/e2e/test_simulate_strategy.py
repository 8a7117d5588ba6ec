"""`creditflow simulate strategy` as a credit manager runs it, on a real ledger.

The ledger is a sample company imported through the real importers; the simulator
works on private copies, so the ledger itself is never touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from creditflow.db import make_engine
from creditflow.strategy.service import default_strategy_text
from tests.support.strategies import NOTHING_FOR_A_YEAR

CREDITFLOW = Path(sys.executable).with_name("creditflow")
pytestmark = pytest.mark.db

ORGANISATION = """[organisation]
name = "Voorbeeld B.V."
iban = "NL91ABNA0417164300"
sender_email = "debiteuren@voorbeeld.nl"

[channels.sms]
provider = "twilio"
account_sid = "AC00000000000000000000000000000000"
auth_token = "not-a-real-token"
from_number = "+3197010000000"
base_url = "http://127.0.0.1:9"
"""


@pytest.fixture
def ledger(database_url: str, tmp_path: Path):
    """A sample company of 60 customers imported into a fresh database; returns `cli`."""
    (tmp_path / "creditflow.toml").write_text(ORGANISATION)
    env = {
        **os.environ,
        "CREDITFLOW_DATABASE_URL": database_url,
        "CREDITFLOW_CONFIG": str(tmp_path / "creditflow.toml"),
        "CREDITFLOW_OUTBOX_DIR": str(tmp_path / "outbox"),
        "COLUMNS": "80",
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CREDITFLOW), *args], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=600, check=False,
        )  # fmt: skip

    yesterday = (date.today() - timedelta(days=1)).isoformat()
    made = cli("simulate", "generate", "--customers", "60", "--as-of", yesterday, "--out", "l")
    assert made.returncode == 0, made.stderr
    for kind in ("customers", "invoices", "payments"):
        imported = cli("import", kind, f"l/{kind}.csv")
        assert imported.returncode == 0, imported.stderr
    (tmp_path / "default.yaml").write_text(default_strategy_text())
    no_sms = default_strategy_text().replace("sms, ", "").replace(", sms", "")
    (tmp_path / "no_sms.yaml").write_text(no_sms)
    (tmp_path / "nothing.yaml").write_text(NOTHING_FOR_A_YEAR)
    return cli


def _ledger_rows(database_url: str) -> tuple[int, int, int]:
    engine = make_engine(database_url)
    with engine.connect() as conn:
        counts = tuple(
            conn.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
            for table in ("action", "strategy_version", "payment")
        )
    engine.dispose()
    return counts  # type: ignore[return-value]


def test_two_strategies_side_by_side_on_a_copy_the_same_seed_gives_the_same_result(
    ledger, database_url: str
):
    before = _ledger_rows(database_url)
    args = ("simulate", "strategy", "default.yaml", "--vs", "no_sms.yaml", "--days", "21")
    first = ledger(*args, "--seed", "4", "--json")
    assert first.returncode == 0, first.stderr
    result = json.loads(first.stdout)
    assert result["days"] == 21 and result["seed"] == 4
    default, no_sms = result["strategies"]
    for outcome in (default, no_sms):
        assert set(outcome) >= {
            "file", "collected", "dso_days", "contacts", "cost", "charged_costs",
            "disputes", "opt_outs", "complaints",
        }  # fmt: skip
        assert outcome["collected"]["EUR"].count(".") == 1
        assert len(outcome["collected_per_week"]) == 3
    # The configured Twilio (a closed port) was never called: SMS went to the sandbox.
    assert default["contacts"].get("sms", 0) > 0
    assert no_sms["contacts"].get("sms", 0) == 0
    assert default["cost"] != no_sms["cost"]
    assert default["failed"] == {} and no_sms["failed"] == {}  # the creditor is set up
    kinds = {k["kind"]: k for k in result["calibration"]}
    assert sum(k["debtors"] for k in kinds.values()) > 0
    for kind in kinds.values():
        assert sum(kind["payer_types"].values()) == pytest.approx(1, abs=1e-3)
        assert kind["contacts_unanswered"] == 0  # nothing was sent before the start
    # A freshly imported ledger has sent nothing yet: the shipped contact effects.
    effects = result["contact_effects"]
    assert {c["channel"] for c in effects["channels"]} >= {"email", "sms", "letter", "call"}
    for row in effects["channels"] + effects["steps"]:
        assert row["contacts"] == 0 and row["calibrated"] == row["shipped"]
    again = ledger(*args, "--seed", "4", "--json")
    assert json.loads(again.stdout) == result, "same seed, same result"
    assert _ledger_rows(database_url) == before, "the real ledger is not touched"


def _so_far(weeks: list[dict[str, str]]) -> list[float]:
    """Euros collected by the end of each week."""
    total, running = 0.0, []
    for week in weeks:
        total += float(week.get("EUR", "0"))
        running.append(total)
    return running


def test_a_strategy_that_does_nothing_collects_less_and_later_than_the_default(ledger):
    done = ledger(
        "simulate", "strategy", "default.yaml", "--vs", "nothing.yaml", "--days", "28", "--json",
        "--seed", "7",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    default, nothing = json.loads(done.stdout)["strategies"]
    assert sum(nothing["contacts"].values()) == 0
    assert nothing["charged_costs"] == {} and nothing["disputes"] == 0
    assert nothing["complaints"] == 0, "nobody complains about contacts never made"
    # Nobody is contacted, yet debtors pay on their own: all of it without contact.
    assert float(nothing["collected"].get("EUR", "0")) > 0
    assert nothing["collected_without_contact"] == nothing["collected"]
    assert float(nothing["collected"].get("EUR", "0")) < float(default["collected"]["EUR"])
    later = zip(_so_far(nothing["collected_per_week"]), _so_far(default["collected_per_week"]))
    assert all(without <= reminded for without, reminded in later), "reminders paid later"
    assert nothing["dso_days"] > default["dso_days"]


def test_the_side_by_side_table_fits_80_columns_and_a_bad_file_names_its_line(ledger, tmp_path):
    shown = ledger(
        "simulate", "strategy", "default.yaml", "--vs", "no_sms.yaml", "--days", "7", "--seeds", "2"
    )
    assert shown.returncode == 0, shown.stderr
    assert "mean (min-max) over 2 seeds (7-8)" in shown.stdout
    assert "Traceback" not in shown.stdout + shown.stderr
    assert max(len(line) for line in shown.stdout.splitlines()) <= 80
    assert "collected" in shown.stdout and "Nothing was sent" in shown.stdout
    assert "Debtors calibrated on their invoices and contacts up to" in shown.stdout
    assert "unanswered" in shown.stdout
    assert "could not be sent" not in shown.stdout
    (tmp_path / "bad.yaml").write_text("segments:\n  - name: x\nstrategies: {}\n")
    refused = ledger("simulate", "strategy", "bad.yaml")
    assert refused.returncode == 1
    assert "bad.yaml" in refused.stderr and "Traceback" not in refused.stderr
    missing = ledger("simulate", "strategy", "nope.yaml")
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_the_contact_effects_are_calibrated_on_the_history_of_a_ledger_that_has_one(tmp_path):
    """The demo's ledger (three weeks of contacts and answers, up to yesterday), carried
    on by the simulator from today: the effects it learned are printed and in --json."""
    env = {**os.environ, "COLUMNS": "80"}
    for name in ("CREDITFLOW_DATABASE_URL", "CREDITFLOW_CONFIG", "CREDITFLOW_OUTBOX_DIR"):
        env.pop(name, None)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CREDITFLOW), *args], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=600, check=False,
        )  # fmt: skip

    demo = cli("demo", "--customers", "100", "--days", "21", "--folder", "demo")
    assert demo.returncode == 0, demo.stderr
    env["CREDITFLOW_CONFIG"] = str(tmp_path / "demo" / "creditflow.toml")
    (tmp_path / "default.yaml").write_text(default_strategy_text())
    done = cli("simulate", "strategy", "default.yaml", "--days", "3", "--seed", "3", "--json")
    assert done.returncode == 0, done.stderr
    effects = json.loads(done.stdout)["contact_effects"]
    channels = {c["channel"]: c for c in effects["channels"]}
    assert channels["email"]["contacts"] >= 30 and channels["sms"]["contacts"] > 0
    assert channels["email"]["calibrated"] == channels["email"]["shipped"]  # the reference
    assert channels["email"]["seen"]["pay"] > 0 and channels["email"]["expected"]["pay"] > 0
    assert set(effects["level"]) == {"pay", "promise", "dispute", "opt_out"}
    assert effects["used"] == "calibrated"
    for row in effects["channels"] + effects["steps"]:
        if row["contacts"] < 30:  # contacts whose payment window has closed
            assert row["calibrated"]["pay"] == row["shipped"]["pay"], "thin: the default"
    shown = cli(
        "simulate", "strategy", "default.yaml", "--days", "3", "--seed", "3", "--shipped-effects"
    )
    assert shown.returncode == 0, shown.stderr
    assert "Contacts calibrated on what followed them up to" in shown.stdout
    assert "answers with the shipped ones" in shown.stdout
    assert "model expects" in shown.stdout and "calibrated" in shown.stdout
    assert max(len(line) for line in shown.stdout.splitlines()) <= 80
