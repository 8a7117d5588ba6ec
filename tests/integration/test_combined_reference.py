"""A letter about several invoices carries one reference that pays all of them.

C001 (Jan de Vries, no e-mail) owes INV-1 (EUR 412.50) and INV-2 (EUR 87.50), both due
5 January 2026. The one-step strategy sends one letter on 12 January naming both; its
EPC QR code holds EUR 500.00 and a combined reference. The debtor scans it and pays;
the bank's CAMT.053 statement quotes that reference, and both invoices are paid.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from creditflow.dispatch.letters import archived_letter_path
from creditflow.dispatch.worker import dispatch_due
from creditflow.ledger.references import is_valid_betalingskenmerk, is_valid_rf
from creditflow.payments.statement_import import import_statement
from tests.integration.test_letters_pdf import decode_qr_codes
from tests.support.compliance_ledger import consumer, rows
from tests.support.dispatch_ledger import (
    END_OF_DAY,
    SEND_TIME,
    invoice,
    one_step_strategy,
    queued_reminders,
    with_organisation,
)
from tests.support.payments_statements import Tx, camt053

IMPORTED_AT = datetime(2026, 1, 20, 9, 0, tzinfo=UTC)


def letter_for_two_invoices(engine, settings, tmp_path):
    settings = with_organisation(settings)
    [queued] = queued_reminders(
        engine,
        settings,
        tmp_path,
        customers=[consumer("C001", email="")],
        invoices=[invoice("INV-1"), invoice("INV-2", amount="87.50")],
        strategy=one_step_strategy("[letter]"),
    )
    report = dispatch_due(engine, settings, until=END_OF_DAY, now=SEND_TIME)
    assert report.sent == 1, report.line()
    pdf = archived_letter_path(settings.outbox_dir, queued["action_id"]).read_bytes()
    [qr] = decode_qr_codes(pdf)
    return settings, queued["action_id"], qr.split("\n")


def open_amounts(engine):
    found = rows(engine, "SELECT invoice_number, open_minor FROM invoice ORDER BY invoice_number")
    return {r["invoice_number"]: r["open_minor"] for r in found}


def test_the_qr_code_of_a_letter_about_two_invoices_names_both_through_one_reference(
    engine, settings, tmp_path
):
    settings, action_id, qr = letter_for_two_invoices(engine, settings, tmp_path)
    amount, reference = qr[7], qr[9]

    assert amount == "EUR500.00"
    assert is_valid_rf(reference)
    [stored] = rows(engine, "SELECT reference, action_id, invoice_ids FROM combined_reference")
    assert (stored["reference"], stored["action_id"]) == (reference, action_id)
    invoice_refs = rows(engine, "SELECT payment_reference FROM invoice")
    assert reference not in {r["payment_reference"] for r in invoice_refs}


def test_paying_the_letters_reference_pays_every_invoice_it_named(engine, settings, tmp_path):
    settings, _, qr = letter_for_two_invoices(engine, settings, tmp_path)
    reference = qr[9]
    statement = camt053(Tx("500.00", name="J de Vries", iban="NL44RABO0123456789", rf=reference))

    summary = import_statement(engine, statement, "statement.xml", IMPORTED_AT)

    assert summary.as_dict()["matched"] == {
        "reference": 1,
        "invoice_number": 0,
        "iban_amount": 0,
        "iban_subset": 0,
    }
    assert open_amounts(engine) == {"INV-1": 0, "INV-2": 0}
    [entry] = rows(engine, "SELECT status, rule FROM statement_entry")
    assert (entry["status"], entry["rule"]) == ("matched", "reference")


def test_a_part_payment_on_the_letters_reference_goes_to_its_invoices_oldest_first(
    engine, settings, tmp_path
):
    settings, _, qr = letter_for_two_invoices(engine, settings, tmp_path)
    statement = camt053(Tx("100.00", text=f"betaling {qr[9]}"))

    import_statement(engine, statement, "statement.xml", IMPORTED_AT)

    assert sum(open_amounts(engine).values()) == 40000


@pytest.mark.parametrize("scheme", ["rf", "betalingskenmerk"])
def test_the_combined_reference_follows_the_organisations_scheme(
    engine, settings, tmp_path, scheme
):
    from dataclasses import replace

    settings = replace(
        settings, organisation=replace(settings.organisation, reference_scheme=scheme)
    )
    _, _, qr = letter_for_two_invoices(engine, settings, tmp_path)
    check = is_valid_rf if scheme == "rf" else is_valid_betalingskenmerk
    assert check(qr[9])
