"""The print shop's ZIP from the command line, on a fresh database, as a user runs it.

Subprocesses of `creditflow`: init, import, a letter-only strategy, the run, dispatch
through the sandbox letter channel, then `creditflow letters batch --zip FILE`; the ZIP
is read back (every PDF opens with the manifest's page count and SHA-256).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import text

from creditflow.db import make_engine
from tests.support.any_hour import ANY_HOUR_RULES

CREDITFLOW = Path(sys.executable).with_name("creditflow")
CUSTOMERS = """customer_id,name,kind,email,phone,address_line1,postal_code,city,country
C001,Jan de Vries,consumer,,,Dorpsstraat 1,1234 AB,Utrecht,NL
C002,Bäckerei Brot GmbH,business,,,Marktplatz 3,10115,Berlin,DE
"""
INVOICES = """invoice_number,customer_id,issue_date,due_date,amount
INV-1,C001,2026-01-01,2026-02-20,120.00
INV-2,C002,2026-01-01,2026-02-01,900.00
"""
STRATEGY = """segments:
  - name: everyone
strategies:
  everyone:
    steps:
      - id: reminder1
        at: due+7d
        channels: [letter]
        template: reminder
"""
CONFIG = (
    """[organisation]
name = "Voorbeeld B.V."
iban = "NL91ABNA0417164300"
address_line1 = "Keizersgracht 1"
postal_code = "1015 CJ"
city = "Amsterdam"
"""
    + ANY_HOUR_RULES
)


@pytest.fixture
def cli(database_url: str, tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CREDITFLOW_")}
    env |= {"CREDITFLOW_DATABASE_URL": database_url,
            "CREDITFLOW_OUTBOX_DIR": str(tmp_path / "outbox"), "COLUMNS": "100"}  # fmt: skip

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(  # noqa: S603 - our own console script
            [str(CREDITFLOW), *args], cwd=tmp_path, env=env, capture_output=True, text=True,
            timeout=300, check=False,
        )  # fmt: skip
        assert "Traceback" not in done.stderr, done.stderr
        return done

    return run


def test_letters_batch_zip_hands_the_print_shop_every_letter_with_its_manifest(
    cli, tmp_path, database_url
):
    (tmp_path / "creditflow.toml").write_text(CONFIG)
    (tmp_path / "customers.csv").write_text(CUSTOMERS)
    (tmp_path / "invoices.csv").write_text(INVOICES)
    (tmp_path / "letters.yaml").write_text(STRATEGY)
    for step in (("init",), ("import", "customers", "customers.csv"),
                 ("import", "invoices", "invoices.csv"), ("strategy", "load", "letters.yaml"),
                 ("run", "--as-of", "2026-03-02"),
                 ("dispatch", "--until", "2026-03-03T00:00:00+00:00")):  # fmt: skip
        done = cli(*step)
        assert done.returncode == 0, (step, done.stdout, done.stderr)
    actions = [json.loads(line) for line in cli("actions", "--json").stdout.splitlines()]
    letters = [a for a in actions if a["channel"] == "letter"]
    assert len(letters) == 2 and {a["status"] for a in letters} == {"sent"}, actions
    # the batch day is the day the letters went out, in Amsterdam (they were sent just now)
    day = datetime.now(ZoneInfo("Europe/Amsterdam")).date().isoformat()

    made = cli("letters", "batch", "--date", day, "--zip", "print/letters.zip")
    assert made.returncode == 0, made.stderr
    said = " ".join(made.stdout.split())
    assert "2 letters" in said and "print-shop ZIP print/letters.zip" in said
    data = (tmp_path / "print" / "letters.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    rows = list(csv.DictReader(io.StringIO(files["manifest.csv"].decode("utf-8"))))
    assert sorted(r["customer_id"] for r in rows) == ["C001", "C002"]
    for row in rows:
        pdf = files[row["file"]]
        assert len(PdfReader(io.BytesIO(pdf)).pages) == int(row["pages"])
        assert hashlib.sha256(pdf).hexdigest() == row["sha256"]
    zones = {r["customer_id"]: (r["city"], r["postage_zone"]) for r in rows}
    assert zones == {"C001": ("Utrecht", "domestic"), "C002": ("Berlin", "europe")}
    assert json.loads(files["manifest.json"])["letters"] == 2

    again = cli("letters", "batch", "--date", day, "--zip", "print/letters.zip")
    assert again.returncode == 0
    assert (tmp_path / "print" / "letters.zip").read_bytes() == data

    # the lists the commands print can be written as files too
    listed = cli("actions", "--status", "sent", "--csv", "out/actions.csv", "--xlsx", "out/a.xlsx")
    assert listed.returncode == 0, listed.stderr
    sent = list(csv.DictReader((tmp_path / "out" / "actions.csv").open(encoding="utf-8")))
    assert sorted((r["customer_id"], r["amount_due"], r["currency"]) for r in sent) == [
        ("C001", "120.00", "EUR"),
        ("C002", "900.00", "EUR"),
    ]
    sheet = load_workbook(tmp_path / "out" / "a.xlsx").active
    assert sheet is not None and sheet.max_row == 3 and sheet["J1"].value == "amount_due"
    assert sorted(str(sheet.cell(row, 10).value) for row in (2, 3)) == ["120.00", "900.00"]
    for command, file in ((("tasks", "list"), "tasks.csv"), (("payments", "unmatched"), "u.csv")):
        assert cli(*command, "--csv", f"out/{file}").returncode == 0
        assert len((tmp_path / "out" / file).read_text(encoding="utf-8").splitlines()) == 1
    engine = make_engine(database_url)
    with engine.connect() as conn:
        audited = conn.execute(
            text("SELECT entity, details FROM audit_log WHERE verb = 'list_exported' ORDER BY id")
        ).all()
    engine.dispose()
    assert [entity for entity, _ in audited] == [
        "export:actions",
        "export:tasks",
        "export:unmatched",
    ]
