"""The print shop's ZIP of a day's letters: PDFs, manifest.csv and manifest.json.

Letters are sent through the sandbox letter channel; the ZIP is read back as the print
shop would: every PDF opens (pypdf) with the page count and SHA-256 of the manifest.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import Engine

from creditflow.config import Settings
from creditflow.config.operations import parse_schedule
from creditflow.dispatch.letters import letters_batch
from creditflow.dispatch.worker import dispatch_due
from creditflow.schedule.service import Scheduler
from creditflow.schedule.settings import schedule_settings
from tests.support.compliance_ledger import consumer
from tests.support.dispatch_ledger import (
    END_OF_DAY,
    SEND_TIME,
    invoice,
    queued_reminders,
    with_organisation,
)

DAY = date(2026, 1, 12)


def two_letters_sent(engine: Engine, settings: Settings, folder: Path) -> Settings:
    """Two customers without e-mail get the reminder as a letter; both are sent."""
    settings = with_organisation(settings)
    customers = [
        consumer("C001", email="", preferred_channel=""),
        consumer("C002", email="", name="=Piet Jansen", address_line1="Hoofdweg 9",
                 postal_code="9999 ZZ", city="Groningen"),
    ]  # fmt: skip
    queued = queued_reminders(
        engine, settings, folder, customers=customers,
        invoices=[invoice("INV-1"), invoice("INV-2", "C002", "99.95")],
    )  # fmt: skip
    assert [a["channel"] for a in queued] == ["letter", "letter"]
    assert dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME).sent == 2
    return settings


def read_zip(data: bytes) -> tuple[list[str], dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        return names, {name: archive.read(name) for name in names}


def test_the_print_zip_holds_every_letter_with_a_manifest_that_matches_the_pdfs(
    engine, settings, tmp_path
):
    settings = two_letters_sent(engine, settings, tmp_path)
    target = tmp_path / "print" / "letters-2026-01-12.zip"
    batch = letters_batch(engine, settings.outbox_dir, DAY, zip_path=target)
    assert batch.zip_path == target and "print-shop ZIP" in batch.line()

    names, files = read_zip(target.read_bytes())
    pdfs = [n for n in names if n.endswith(".pdf")]
    assert names == [*pdfs, "manifest.csv", "manifest.json"] and len(pdfs) == 2
    assert [n[:5] for n in pdfs] == ["0001-", "0002-"]
    rows = list(csv.DictReader(io.StringIO(files["manifest.csv"].decode("utf-8"))))
    assert [r["file"] for r in rows] == pdfs
    for row in rows:
        pdf = files[row["file"]]
        assert len(PdfReader(io.BytesIO(pdf)).pages) == int(row["pages"]) >= 1
        assert hashlib.sha256(pdf).hexdigest() == row["sha256"]
        assert row["file"] == f"{row['file'][:4]}-{row['action_id']}.pdf"
    assert [(r["customer_id"], r["name"], r["address_line1"], r["postal_code"], r["city"],
             r["country"], r["postage_zone"], r["template"]) for r in rows] == [
        ("C001", "Jan de Vries", "Kerkstraat 1", "1011 AA", "Amsterdam", "NL", "domestic",
         "reminder"),
        ("C002", "'=Piet Jansen", "Hoofdweg 9", "9999 ZZ", "Groningen", "NL", "domestic",
         "reminder"),
    ]  # fmt: skip
    manifest = json.loads(files["manifest.json"])
    assert (manifest["day"], manifest["letters"]) == ("2026-01-12", 2)
    assert manifest["pages"] == batch.pages == sum(int(r["pages"]) for r in rows)
    assert [i["sha256"] for i in manifest["items"]] == [r["sha256"] for r in rows]
    assert manifest["items"][1]["name"] == "=Piet Jansen"  # JSON is data, not a sheet


def test_running_the_day_again_gives_the_same_zip_byte_for_byte(engine, settings, tmp_path):
    settings = two_letters_sent(engine, settings, tmp_path)
    first = letters_batch(engine, settings.outbox_dir, DAY, zip_path=tmp_path / "a.zip")
    again = letters_batch(engine, settings.outbox_dir, DAY, zip_path=tmp_path / "b.zip")
    assert first.zip_path and again.zip_path
    assert first.zip_path.read_bytes() == again.zip_path.read_bytes()
    assert [p.name for p in tmp_path.glob(".tmp-*")] == []  # written through a rename
    with zipfile.ZipFile(first.zip_path) as archive:
        assert {i.date_time for i in archive.infolist()} == {(2026, 1, 12, 0, 0, 0)}


def test_a_day_without_letters_gives_a_zip_with_an_empty_manifest(engine, settings, tmp_path):
    batch = letters_batch(engine, settings.outbox_dir, DAY, zip_path=tmp_path / "none.zip")
    names, files = read_zip((tmp_path / "none.zip").read_bytes())
    assert batch.letters == 0 and names == ["manifest.csv", "manifest.json"]
    assert files["manifest.csv"].decode().splitlines()[0].startswith("file,action_id,")
    assert json.loads(files["manifest.json"])["items"] == []


def test_the_worker_s_letters_job_writes_the_zip_beside_the_pdfs_when_configured(
    engine, settings, tmp_path
):
    settings = two_letters_sent(engine, settings, tmp_path)
    data = {"schedule": {"run_at": "", "letters_at": "17:30", "letters_zip": True}}
    configured = replace(settings, schedule=parse_schedule(data))
    plan = schedule_settings(configured)
    assert plan is not None and plan.letters_zip
    moment = datetime(2026, 1, 12, 16, 45, tzinfo=UTC)  # 17:45 Amsterdam
    Scheduler(engine, configured, plan, clock=lambda: moment, worker="test", run_wait=0,
              monotonic=moment.timestamp).tick()  # fmt: skip
    folder = settings.outbox_dir / "letters" / "2026-01-12"
    names, _ = read_zip((folder / "letters.zip").read_bytes())
    assert len(names) == 4 and (folder / "letters.pdf").is_file()
