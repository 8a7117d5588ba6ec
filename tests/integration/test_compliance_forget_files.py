"""Forgetting a customer also removes the copies of what was sent to them on disk.

C001 (Jan de Vries) and C002 (Els Bakker) are Dutch consumers without e-mail, each
owing EUR 412.50 due 5 January 2026; the one-step strategy sends both a letter on
12 January through the sandbox, and the day's letters go into one print batch.
"""

from __future__ import annotations

from datetime import date

from creditflow.compliance.gdpr import forget_customer
from creditflow.compliance.stored_copies import (
    ActionFiles,
    find_stored_copies,
    remove_stored_copies,
)
from creditflow.db import transaction
from creditflow.dispatch.letters import letters_batch
from creditflow.dispatch.worker import dispatch_due
from tests.support.compliance_ledger import consumer, customer_pk, rows
from tests.support.dispatch_ledger import (
    END_OF_DAY,
    SEND_TIME,
    invoice,
    one_step_strategy,
    queued_reminders,
    with_organisation,
)


def files_naming(folder, text):
    """Every file below `folder` whose bytes contain `text` (PDF text is compressed:
    the letters' JSON records and the manifest carry the name in plain text)."""
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and text.encode() in p.read_bytes()
    )


def two_letters_sent(engine, settings, tmp_path):
    settings = with_organisation(settings)
    queued = queued_reminders(
        engine,
        settings,
        tmp_path,
        customers=[
            consumer("C001", email=""),
            consumer("C002", name="Els Bakker", email="", address_line1="Dorpsweg 2"),
        ],
        invoices=[invoice("INV-1"), invoice("INV-2", customer_id="C002")],
        strategy=one_step_strategy("[letter]"),
    )
    assert [q["channel"] for q in queued] == ["letter", "letter"]
    report = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)
    assert report.sent == 2, report.line()
    letters_batch(engine, settings.outbox_dir, date(2026, 1, 12))
    return settings


def test_forget_removes_the_customers_sent_letters_and_names_the_shared_batch(
    engine, settings, tmp_path
):
    settings = two_letters_sent(engine, settings, tmp_path)
    outbox = settings.outbox_dir
    [mine] = rows(engine, "SELECT action_id FROM action WHERE step = 'reminder1' ORDER BY id")[:1]
    assert files_naming(outbox, "Jan de Vries")

    with transaction(engine) as session:
        report = forget_customer(session, settings, customer_pk(engine, "C001"), "dpo", SEND_TIME)
    files = remove_stored_copies(report.files)

    assert files.removed == 3  # the sandbox letter's PDF and JSON, and the archived PDF
    assert not list(outbox.rglob(f"{mine['action_id']}.*"))
    assert files_naming(outbox, "Jan de Vries") == ["letters/2026-01-12/manifest.csv"]
    [(place, why)] = files.kept
    assert place.endswith("letters/2026-01-12")
    assert "other customers' letters" in why
    assert files_naming(outbox, "Els Bakker")  # the other customer's copies stay


def test_a_print_batch_of_only_the_forgotten_customer_is_removed(engine, settings, tmp_path):
    settings = with_organisation(settings)
    queued = queued_reminders(
        engine,
        settings,
        tmp_path,
        customers=[consumer("C001", email=""), consumer("C002", name="Els Bakker")],
        invoices=[invoice("INV-1"), invoice("INV-2", customer_id="C002")],
        strategy=one_step_strategy("[email, letter]"),
    )
    assert [q["channel"] for q in queued] == ["letter", "email"]
    dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)
    letters_batch(engine, settings.outbox_dir, date(2026, 1, 12))
    batch = settings.outbox_dir / "letters" / "2026-01-12"
    assert (batch / "letters.pdf").exists()

    with transaction(engine) as session:
        report = forget_customer(session, settings, customer_pk(engine, "C001"), "dpo", SEND_TIME)
    files = remove_stored_copies(report.files)

    assert files_naming(settings.outbox_dir, "Jan de Vries") == []
    assert not (batch / "letters.pdf").exists() and not (batch / "manifest.csv").exists()
    assert files.kept == []
    assert files_naming(settings.outbox_dir, "c002@example.nl")  # Els's e-mail stays


def test_the_14_day_letter_behind_charged_costs_is_kept_as_evidence(tmp_path):
    archive = tmp_path / "letters" / "sent"
    archive.mkdir(parents=True)
    (archive / "A-14.pdf").write_bytes(b"%PDF 14-day letter")
    (archive / "A-R1.pdf").write_bytes(b"%PDF reminder")
    actions = [ActionFiles("A-14", "wik_notice"), ActionFiles("A-R1", None)]

    charged = find_stored_copies(tmp_path, actions, costs_charged=True)
    not_charged = find_stored_copies(tmp_path, actions, costs_charged=False)

    assert charged.remove == [archive / "A-R1.pdf"]
    [(place, why)] = charged.kept
    assert place == str(archive / "A-14.pdf") and "17(3)(e)" in why
    assert sorted(not_charged.remove) == [archive / "A-14.pdf", archive / "A-R1.pdf"]
    assert not_charged.kept == []
