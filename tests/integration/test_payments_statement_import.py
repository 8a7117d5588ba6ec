"""Bank statement import on a real database: real bank files, and one scenario per rule."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from rich.console import Console
from sqlalchemy import Engine

from creditflow.config import Settings
from creditflow.ledger.references import betalingskenmerk, rf_reference
from creditflow.payments.statement_import import (
    StatementImportSummary,
    import_statement,
    import_statement_file,
)
from tests.support.payments_statements import (
    Tx,
    camt053,
    invoice_state,
    ledger_counts,
    mt940,
    rows,
    scalar,
    seed_ledger,
    write,
)

NOW = datetime(2026, 3, 3, 7, 0, tzinfo=UTC)
JANSEN_IBAN = "NL20INGB0001234567"
BAKKER_IBAN = "DE89370400440532013000"
RF_1001 = rf_reference("INV1001")
KENMERK_1002 = betalingskenmerk(123456789012345)


def customer(cid: str, name: str, iban: str = "") -> dict[str, str]:
    return {"customer_id": cid, "name": name, "kind": "consumer", "iban": iban, "email": ""}


def invoice(number: str, cid: str, amount: str, due: str = "2026-02-01", **extra: str) -> dict:
    row = {"invoice_number": number, "customer_id": cid, "issue_date": "2026-01-01",
           "due_date": due, "amount": amount, "currency": "EUR",
           "payment_reference": ""}  # fmt: skip
    return {**row, **extra}


@pytest.fixture
def ledger(engine: Engine, settings: Settings, tmp_path: Path) -> Engine:
    """Two customers with open invoices, imported through the real importers."""
    seed_ledger(
        engine,
        settings,
        tmp_path,
        [customer("C1", "J. Jansen", JANSEN_IBAN), customer("C2", "Bakker GmbH", BAKKER_IBAN)],
        [
            invoice("INV-1001", "C1", "100.00", payment_reference=RF_1001),
            invoice("INV-1002", "C1", "250.00", payment_reference=KENMERK_1002),
            invoice("INV-2001", "C2", "80.00", due="2026-01-10"),
            invoice("INV-2002", "C2", "45.50", due="2026-01-20"),
            invoice("INV-2003", "C2", "19.95", due="2026-02-20"),
        ],
    )
    return engine


def run(engine: Engine, data: bytes, name: str = "statement.xml") -> StatementImportSummary:
    return import_statement(engine, data, name, NOW)


def table_value(report: str, label: str) -> int:
    """The count printed on the summary table's row with this label."""
    line = next(line for line in report.splitlines() if label in line)
    return int(line.strip("│ ").split("│")[-1])


def entry(engine: Engine, **where: object) -> dict:
    found = rows(engine, "SELECT * FROM statement_entry ORDER BY id")
    chosen = [r for r in found if all(r[k] == v for k, v in where.items())]
    assert len(chosen) == 1, found
    return chosen[0]


# --- real bank files --------------------------------------------------------------------

REAL_FILES = {
    # file: (entries, matched per rule, ignored, unmatched, reasons)
    "oca-camt053.xml": (4, {"iban_amount": 1}, 0, 3, {"debit: money going out": 1}),
    "oca-camt053-txdtls.xml": (2, {}, 0, 2, {"no open invoices in CHF": 2}),
    "oca-camt054.xml": (1, {}, 0, 1, {"no match": 1}),
    "oca-ing.940": (8, {"invoice_number": 1}, 0, 7, {"debit: money going out": 3}),
    "oca-rabo.swi": (2, {"iban_amount": 1}, 0, 1, {"debit: money going out": 1}),
    "oca-sns.940": (8, {}, 1, 7, {"debit: money going out": 7}),
}


@pytest.fixture
def real_counterparties(engine: Engine, settings: Settings, tmp_path: Path) -> Engine:
    """Customers who appear in the public test files, with the invoices they pay there."""
    seed_ledger(
        engine,
        settings,
        tmp_path,
        [
            customer("MEDIA", "3rd party Media", "NL69ABNA0522123643"),
            customer("SMITH", "R. Smith", "NL66RABO0160878799"),
            customer("WEB", "ING Bank NV inzake WeB"),
        ],
        [
            invoice("M-2013-77", "MEDIA", "1405.31"),
            invoice("S-2013-12", "SMITH", "400.00"),
            invoice("EV10001REP1000000T1000", "WEB", "1.56"),
        ],
    )
    return engine


@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_every_real_bank_file_imports_with_the_right_counts(
    real_counterparties: Engine, settings: Settings, shared_dir: Path, name: str
) -> None:
    path = shared_dir / "testdata" / "bank" / name
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    entries, matched, ignored, unmatched, reasons = REAL_FILES[name]
    console = Console(width=200, record=True)
    code = import_statement_file(real_counterparties, path, settings, console, console)
    assert code == 0  # unmatched entries are a normal outcome, queued
    report = console.export_text()
    assert table_value(report, "entries in the file") == entries
    assert table_value(report, "unmatched (queued)") == unmatched
    stored = rows(real_counterparties, "SELECT status, rule, reason FROM statement_entry")
    assert len(stored) == entries
    per_rule = {r["rule"]: 0 for r in stored if r["status"] == "matched"}
    for r in stored:
        if r["status"] == "matched":
            per_rule[r["rule"]] += 1
    assert per_rule == matched
    assert sum(r["status"] == "ignored" for r in stored) == ignored
    assert sum(r["status"] == "unmatched" for r in stored) == unmatched
    for reason, count in reasons.items():
        assert sum(r["reason"] == reason for r in stored) == count
    assert scalar(real_counterparties, "SELECT count(*) FROM payment") == sum(matched.values())

    before = ledger_counts(real_counterparties)
    again = Console(width=200, record=True)
    assert import_statement_file(real_counterparties, path, settings, again, again) == 0
    assert f"all {entries} entries were imported before: nothing changed" in again.export_text()
    assert ledger_counts(real_counterparties) == before


def test_the_real_abn_amro_statement_pays_the_invoice_of_its_known_payer(
    real_counterparties: Engine, shared_dir: Path
) -> None:
    data = (shared_dir / "testdata" / "bank" / "oca-camt053.xml").read_bytes()
    summary = run(real_counterparties, data, "oca-camt053.xml")
    assert summary.matched["iban_amount"] == 1
    assert invoice_state(real_counterparties, "M-2013-77") == ("paid", 0)
    reversals = rows(
        real_counterparties,
        "SELECT reason FROM statement_entry WHERE reversal = :t AND status = 'unmatched'",
        t=True,
    )
    assert [r["reason"] for r in reversals] == [
        "reversal (AC06): the payment it takes back is not in the ledger"
    ] * 2


# --- one scenario per rule ----------------------------------------------------------------


def test_a_transfer_quoting_the_rf_reference_pays_that_invoice(ledger: Engine) -> None:
    summary = run(ledger, camt053(Tx("100.00", "J. Jansen", "NL02RABO0123456789", rf=RF_1001)))
    assert summary.matched["reference"] == 1
    assert summary.exit_code == 0
    assert invoice_state(ledger, "INV-1001") == ("paid", 0)
    assert entry(ledger, status="matched")["rule"] == "reference"


def test_a_transfer_quoting_the_betalingskenmerk_pays_that_invoice(ledger: Engine) -> None:
    summary = run(ledger, mt940(Tx("250.00", "J Jansen", JANSEN_IBAN, kenmerk=KENMERK_1002)))
    assert summary.matched["reference"] == 1
    assert invoice_state(ledger, "INV-1002") == ("paid", 0)
    assert invoice_state(ledger, "INV-1001") == ("open", 10000)


def test_an_invoice_number_in_the_description_pays_that_invoice(ledger: Engine) -> None:
    summary = run(ledger, mt940(Tx("45.50", "Bakker", None, text="Rechnung INV-2002 danke")))
    assert summary.matched["invoice_number"] == 1
    assert invoice_state(ledger, "INV-2002") == ("paid", 0)
    assert invoice_state(ledger, "INV-2001") == ("open", 8000)


def test_a_transfer_from_the_customers_iban_of_exactly_one_invoice_pays_it(ledger: Engine) -> None:
    summary = run(ledger, camt053(Tx("19.95", "Bakker GmbH", BAKKER_IBAN, text="Zahlung")))
    assert summary.matched["iban_amount"] == 1
    assert invoice_state(ledger, "INV-2003") == ("paid", 0)


def test_a_transfer_from_the_customers_iban_of_two_invoices_together_pays_both(
    ledger: Engine,
) -> None:
    summary = run(ledger, camt053(Tx("99.95", "Bakker GmbH", BAKKER_IBAN, text="Sammel")))
    assert summary.matched["iban_subset"] == 1
    assert invoice_state(ledger, "INV-2001") == ("paid", 0)
    assert invoice_state(ledger, "INV-2003") == ("paid", 0)
    assert invoice_state(ledger, "INV-2002") == ("open", 4550)


def test_a_partial_payment_lowers_the_open_amount_and_the_invoice_stays_open(
    ledger: Engine,
) -> None:
    run(ledger, camt053(Tx("40.00", "J. Jansen", JANSEN_IBAN, rf=RF_1001)))
    assert invoice_state(ledger, "INV-1001") == ("open", 6000)
    payment = rows(ledger, "SELECT amount_minor, unallocated_minor, source, method FROM payment")
    assert payment == [
        {"amount_minor": 4000, "unallocated_minor": 0, "source": "statement",
         "method": "bank_transfer"}
    ]  # fmt: skip


def test_an_overpayment_pays_the_invoice_then_the_customers_other_invoices(
    ledger: Engine,
) -> None:
    run(ledger, camt053(Tx("130.00", "J. Jansen", JANSEN_IBAN, rf=RF_1001)))
    assert invoice_state(ledger, "INV-1001") == ("paid", 0)
    assert invoice_state(ledger, "INV-1002") == ("open", 22000)
    assert scalar(ledger, "SELECT credit_minor FROM customer WHERE customer_id = 'C1'") == 0


def test_every_recorded_payment_is_on_the_timeline_and_the_import_is_audited_once(
    ledger: Engine,
) -> None:
    run(
        ledger,
        camt053(
            Tx("100.00", "J. Jansen", JANSEN_IBAN, rf=RF_1001),
            Tx("19.95", "Bakker GmbH", BAKKER_IBAN),
        ),
    )
    events = rows(
        ledger,
        "SELECT c.customer_id, e.summary FROM event e JOIN customer c ON c.id = e.customer_id "
        "WHERE e.kind = 'payment.received' ORDER BY c.customer_id",
    )
    assert [(e["customer_id"], e["summary"]) for e in events] == [
        ("C1", "payment EUR 100.00 received (statement)"),
        ("C2", "payment EUR 19.95 received (statement)"),
    ]
    audits = rows(ledger, "SELECT actor, verb, entity_id FROM audit_log")
    assert audits == [
        {"actor": "statement import", "verb": "statement.import", "entity_id": "STMT-1"}
    ]


# --- reversals ---------------------------------------------------------------------------


def test_a_reversal_undoes_the_payment_and_reopens_the_invoice(ledger: Engine) -> None:
    paid = Tx("100.00", "J. Jansen", JANSEN_IBAN, rf=RF_1001, e2e="E2E-77")
    run(ledger, camt053(paid, statement_id="DAY-1"))
    assert invoice_state(ledger, "INV-1001") == ("paid", 0)
    back = Tx("100.00", "J. Jansen", JANSEN_IBAN, e2e="E2E-77", credit=False, reversal=True,
              return_reason="AC04", booked="2026-03-04")  # fmt: skip
    summary = run(ledger, camt053(back, statement_id="DAY-2"))
    assert summary.reversed == 1
    assert summary.exit_code == 0
    assert invoice_state(ledger, "INV-1001") == ("open", 10000)
    assert scalar(ledger, "SELECT count(*) FROM allocation") == 0
    assert scalar(ledger, "SELECT reversed_at FROM payment") is not None
    reversal = entry(ledger, status="reversed")
    assert reversal["rule"] == "end_to_end_id"
    assert reversal["payment_id"] == scalar(ledger, "SELECT id FROM payment")
    timeline = rows(ledger, "SELECT kind, summary FROM event WHERE kind = 'payment.reversed'")
    assert timeline == [
        {"kind": "payment.reversed", "summary": "payment EUR 100.00 reversed by the bank (AC04)"}
    ]


def test_a_returned_transfer_is_found_by_iban_amount_and_reference(ledger: Engine) -> None:
    run(ledger, mt940(Tx("45.50", "Bakker", BAKKER_IBAN, text="INV-2002"), statement_id="D1"))
    assert invoice_state(ledger, "INV-2002") == ("paid", 0)
    back = Tx("45.50", "Bakker", BAKKER_IBAN, text="INV-2002", credit=False, reversal=True)
    summary = run(ledger, mt940(back, statement_id="D2"))
    assert summary.reversed == 1
    assert entry(ledger, status="reversed")["rule"] == "iban_reference"
    assert invoice_state(ledger, "INV-2002") == ("open", 4550)


def test_an_overpayment_reversed_takes_back_the_customer_credit(ledger: Engine) -> None:
    run(ledger, camt053(Tx("130.00", "J. Jansen", JANSEN_IBAN, rf=RF_1001, e2e="X1")))
    back = Tx("130.00", "J. Jansen", JANSEN_IBAN, e2e="X1", credit=False, reversal=True)
    run(ledger, camt053(back, statement_id="STMT-2"))
    assert scalar(ledger, "SELECT credit_minor FROM customer WHERE customer_id = 'C1'") == 0
    assert invoice_state(ledger, "INV-1001") == ("open", 10000)


def test_a_payment_and_its_reversal_in_one_file_leave_the_invoice_open(ledger: Engine) -> None:
    summary = run(
        ledger,
        camt053(
            Tx("19.95", "Bakker GmbH", BAKKER_IBAN, e2e="SAME"),
            Tx("19.95", "Bakker GmbH", BAKKER_IBAN, e2e="SAME", credit=False, reversal=True),
        ),
    )
    assert (summary.matched["iban_amount"], summary.reversed) == (1, 1)
    assert invoice_state(ledger, "INV-2003") == ("open", 1995)


def test_a_reversal_of_a_payment_never_imported_waits_in_the_queue(ledger: Engine) -> None:
    back = Tx("12.00", "Someone", JANSEN_IBAN, e2e="UNKNOWN", credit=False, reversal=True,
              return_reason="MD06")  # fmt: skip
    summary = run(ledger, camt053(back))
    assert summary.exit_code == 0 and summary.unmatched == 1  # queued, not refused
    assert entry(ledger, status="unmatched")["reason"] == (
        "reversal (MD06): the payment it takes back is not in the ledger"
    )


# --- idempotency, the queue, bad files ---------------------------------------------------


def test_importing_the_same_statement_twice_changes_nothing(ledger: Engine) -> None:
    data = camt053(
        Tx("100.00", "J. Jansen", JANSEN_IBAN, rf=RF_1001),
        Tx("7.00", "Unknown", "NL02RABO0123456789", text="gift"),
    )
    first = run(ledger, data)
    assert (first.matched["reference"], first.unmatched) == (1, 1)
    before = ledger_counts(ledger)
    second = run(ledger, data)
    assert second.already_imported == 2
    assert second.unmatched == 0 and second.exit_code == 0
    assert ledger_counts(ledger) == before
    assert invoice_state(ledger, "INV-1001") == ("paid", 0)


def test_a_debit_and_a_usd_payment_go_to_the_queue_with_their_reasons(ledger: Engine) -> None:
    summary = run(
        ledger,
        camt053(
            Tx("60.00", "Office supplies", "NL02RABO0123456789", text="toner", credit=False),
            Tx("100.00", "J. Jansen", JANSEN_IBAN, rf=RF_1001, currency="USD"),
        ),
    )
    assert summary.unmatched_by_reason == {
        "debit: money going out": 1,
        "no open invoices in USD": 1,
    }
    assert scalar(ledger, "SELECT count(*) FROM payment") == 0
    assert invoice_state(ledger, "INV-1001") == ("open", 10000)


def test_an_unplaceable_credit_is_queued_with_ranked_suggestions(ledger: Engine) -> None:
    run(ledger, camt053(Tx("80.10", "Bakker GmbH", BAKKER_IBAN, text="see attachment")))
    queued = entry(ledger, status="unmatched")
    suggestions = queued["suggestions"]
    if isinstance(suggestions, str):
        import json

        suggestions = json.loads(suggestions)
    assert suggestions[0]["invoice"] == "INV-2001"
    assert suggestions[0]["customer"] == "C2"
    assert suggestions[0]["open_amount"] == "80.00"


def test_pending_entries_are_skipped_so_the_booked_one_still_comes_in(ledger: Engine) -> None:
    pending = camt053(Tx("19.95", "Bakker GmbH", BAKKER_IBAN, status="PDNG"))
    summary = run(ledger, pending)
    assert summary.pending == 1 and summary.exit_code == 0
    assert scalar(ledger, "SELECT count(*) FROM statement_entry") == 0
    booked = run(ledger, camt053(Tx("19.95", "Bakker GmbH", BAKKER_IBAN)))
    assert booked.matched["iban_amount"] == 1


def test_a_file_that_cannot_be_parsed_exits_2_and_imports_nothing(
    ledger: Engine, settings: Settings, tmp_path: Path
) -> None:
    path = write(tmp_path, "broken.xml", b"<Document><BkToCstmrStmt><Stmt>")
    console = Console(width=200, record=True)
    assert import_statement_file(ledger, path, settings, console, console) == 2
    assert "not well-formed" in console.export_text()
    assert ledger_counts(ledger)["statement_entry"] == 0


def test_a_missing_file_exits_2(engine: Engine, settings: Settings, tmp_path: Path) -> None:
    console = Console(width=200, record=True)
    assert import_statement_file(engine, tmp_path / "nope.940", settings, console, console) == 2
    assert "cannot read" in console.export_text()
