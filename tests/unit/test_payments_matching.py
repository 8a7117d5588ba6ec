"""Scenario tests for the statement matching core: one per rule, and the hard cases."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from creditflow.ledger.references import betalingskenmerk, rf_reference
from creditflow.payments.matching import SUBSET_MAX_OPEN, MatchResult, match_statement

RF_1001 = rf_reference("INV1001")
KENMERK_7 = betalingskenmerk(7)


def invoices(*rows: tuple) -> pl.DataFrame:
    """Open invoices: (invoice_id, number, customer_id, reference, open_minor, due, currency)."""
    return pl.DataFrame(
        [
            {
                "invoice_id": r[0],
                "invoice_number": r[1],
                "customer_id": r[2],
                "payment_reference": r[3],
                "open_minor": r[4],
                "due_date": r[5] if len(r) > 5 else date(2026, 1, r[0] % 28 + 1),
                "currency": r[6] if len(r) > 6 else "EUR",
            }
            for r in rows
        ],
        schema={
            "invoice_id": pl.Int64,
            "invoice_number": pl.String,
            "customer_id": pl.Int64,
            "payment_reference": pl.String,
            "open_minor": pl.Int64,
            "due_date": pl.Date,
            "currency": pl.String,
        },
    )


def entries(*rows: dict) -> pl.DataFrame:
    """Statement entries; every field not given takes a plain incoming EUR transfer's value."""
    defaults = {
        "amount_minor": 10000,
        "currency": "EUR",
        "credit": True,
        "reversal": False,
        "counterparty_iban": None,
        "counterparty_name": None,
        "remittance_text": None,
        "structured_reference": None,
    }
    return pl.DataFrame(
        [{**defaults, "entry_key": f"E{i}", **row} for i, row in enumerate(rows, 1)],
        schema={
            "entry_key": pl.String,
            "amount_minor": pl.Int64,
            "currency": pl.String,
            "credit": pl.Boolean,
            "reversal": pl.Boolean,
            "counterparty_iban": pl.String,
            "counterparty_name": pl.String,
            "remittance_text": pl.String,
            "structured_reference": pl.String,
        },
    )


def ibans(*pairs: tuple[int, str]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"customer_id": c, "iban": i} for c, i in pairs],
        schema={"customer_id": pl.Int64, "iban": pl.String},
    )


LEDGER = invoices(
    (1, "INV-1001", 10, RF_1001, 10000),
    (2, "INV-1002", 10, None, 2550),
    (3, "INV-1003", 20, KENMERK_7, 4000),
    (4, "2024/0042", 30, None, 7500),
)
IBANS = ibans((10, "NL91ABNA0417164300"), (20, "NL20INGB0001234567"))


def matched_row(result: MatchResult, key: str) -> dict:
    rows = result.matched.filter(pl.col("entry_key") == key).to_dicts()
    assert rows, f"{key} not matched: {result.unmatched.to_dicts()}"
    return rows[0]


def unmatched_row(result: MatchResult, key: str) -> dict:
    rows = result.unmatched.filter(pl.col("entry_key") == key).to_dicts()
    assert rows, f"{key} unexpectedly matched: {result.matched.to_dicts()}"
    return rows[0]


def test_rule1_structured_reference_matches_the_invoice_with_that_reference():
    result = match_statement(entries({"structured_reference": RF_1001}), LEDGER, IBANS)
    row = matched_row(result, "E1")
    assert (row["rule"], row["customer_id"], row["invoice_ids"]) == ("reference", 10, [1])


def test_rule1_reference_found_in_text_printed_in_groups_of_four():
    grouped = " ".join(KENMERK_7[i : i + 4] for i in range(0, 16, 4))
    text = f"betaling kenmerk {grouped} dank u"
    result = match_statement(
        entries({"remittance_text": text, "amount_minor": 4000}), LEDGER, IBANS
    )
    assert matched_row(result, "E1")["invoice_ids"] == [3]


def test_rule1_rf_reference_in_text_followed_by_words_is_cut_back_to_the_reference():
    spaced = " ".join(RF_1001[i : i + 4] for i in range(0, len(RF_1001), 4))
    result = match_statement(
        entries({"remittance_text": f"{spaced.lower()} factuur januari"}), LEDGER, IBANS
    )
    assert matched_row(result, "E1")["rule"] == "reference"


def test_partial_payment_by_reference_is_matched_and_left_to_the_caller_to_allocate():
    result = match_statement(
        entries({"structured_reference": RF_1001, "amount_minor": 2500}), LEDGER, IBANS
    )
    row = matched_row(result, "E1")
    assert (row["rule"], row["invoice_ids"], row["amount_minor"]) == ("reference", [1], 2500)


def test_overpayment_by_reference_is_matched_overpayment_without_reference_is_suggested():
    result = match_statement(
        entries(
            {"structured_reference": RF_1001, "amount_minor": 12000},
            {"counterparty_iban": "NL20INGB0001234567", "amount_minor": 4100},
        ),
        LEDGER,
        IBANS,
    )
    assert matched_row(result, "E1")["invoice_ids"] == [1]
    row = unmatched_row(result, "E2")
    assert row["reason"] == "no match"
    best = row["suggestions"][0]
    assert (best["customer_id"], best["invoice_id"]) == (20, 3)
    assert "IBAN" in best["why"]


def test_rule2_invoice_numbers_named_in_text_several_invoices():
    text = "Betaling facturen INV-1001 en inv 1002, groet"
    result = match_statement(
        entries({"remittance_text": text, "amount_minor": 12550}), LEDGER, IBANS
    )
    row = matched_row(result, "E1")
    assert (row["rule"], row["customer_id"], row["invoice_ids"]) == ("invoice_number", 10, [1, 2])


def test_rule2_invoice_number_with_slash():
    result = match_statement(entries({"remittance_text": "factuur 2024/0042"}), LEDGER, IBANS)
    assert matched_row(result, "E1")["invoice_ids"] == [4]


def test_rule3_known_iban_and_amount_of_one_open_invoice():
    result = match_statement(
        entries({"counterparty_iban": "NL91 ABNA 0417 1643 00", "amount_minor": 2550}),
        LEDGER,
        IBANS,
    )
    row = matched_row(result, "E1")
    assert (row["rule"], row["customer_id"], row["invoice_ids"]) == ("iban_amount", 10, [2])


def test_rule3_two_equal_payments_take_the_two_equal_invoices_oldest_first():
    ledger = invoices(
        (1, "A-1", 10, None, 5000, date(2026, 2, 1)),
        (2, "A-2", 10, None, 5000, date(2026, 1, 1)),
    )
    payment = {"counterparty_iban": "NL91ABNA0417164300", "amount_minor": 5000}
    result = match_statement(entries(payment, payment), ledger, IBANS)
    assert matched_row(result, "E1")["invoice_ids"] == [2]
    assert matched_row(result, "E2")["invoice_ids"] == [1]


def test_rule4_known_iban_and_sum_of_several_invoices():
    result = match_statement(
        entries({"counterparty_iban": "NL91ABNA0417164300", "amount_minor": 12550}),
        LEDGER,
        IBANS,
    )
    row = matched_row(result, "E1")
    assert (row["rule"], row["customer_id"], row["invoice_ids"]) == ("iban_subset", 10, [1, 2])


def test_rule4_prefers_the_subset_with_the_oldest_invoices():
    ledger = invoices(
        (1, "B-1", 10, None, 300, date(2026, 1, 1)),
        (2, "B-2", 10, None, 200, date(2026, 1, 2)),
        (3, "B-3", 10, None, 100, date(2026, 1, 3)),
        (4, "B-4", 10, None, 400, date(2026, 1, 4)),
    )
    result = match_statement(
        entries({"counterparty_iban": "NL91ABNA0417164300", "amount_minor": 500}), ledger, IBANS
    )
    assert matched_row(result, "E1")["invoice_ids"] == [1, 2]


def test_rule4_large_customer_only_runs_of_oldest_invoices():
    many = [
        (i, f"C-{i}", 10, None, 1000 + i, date(2025, 1, 1 + i)) for i in range(SUBSET_MAX_OPEN + 5)
    ]
    ledger = invoices(*many)
    oldest_three = 1000 + 1001 + 1002
    payments = entries(
        {"counterparty_iban": "NL91ABNA0417164300", "amount_minor": oldest_three},
        {"counterparty_iban": "NL91ABNA0417164300", "amount_minor": 1000 + 1005},
    )
    result = match_statement(payments, ledger, IBANS)
    assert matched_row(result, "E1")["invoice_ids"] == [0, 1, 2]
    assert unmatched_row(result, "E2")["reason"] == "no match"


def test_rules_apply_in_order_reference_before_iban_amount():
    result = match_statement(
        entries(
            {
                "structured_reference": RF_1001,
                "counterparty_iban": "NL91ABNA0417164300",
                "amount_minor": 2550,
            }
        ),
        LEDGER,
        IBANS,
    )
    row = matched_row(result, "E1")
    assert (row["rule"], row["invoice_ids"]) == ("reference", [1])


def test_invoice_claimed_by_reference_is_not_offered_to_amount_rules():
    result = match_statement(
        entries(
            {"structured_reference": RF_1001, "amount_minor": 10000},
            {"counterparty_iban": "NL91ABNA0417164300", "amount_minor": 10000},
        ),
        LEDGER,
        IBANS,
    )
    assert matched_row(result, "E1")["invoice_ids"] == [1]
    assert unmatched_row(result, "E2")["reason"] == "no match"


def test_ambiguous_invoice_number_of_two_customers_is_unmatched_with_both_suggested():
    ledger = invoices((1, "F-5001", 10, None, 1000), (2, "F5001", 20, None, 1000))
    result = match_statement(
        entries({"remittance_text": "F-5001", "amount_minor": 1000}), ledger, IBANS
    )
    row = unmatched_row(result, "E1")
    assert row["reason"] == "invoice numbers name invoices of several customers"
    assert {s["invoice_id"] for s in row["suggestions"]} >= {1, 2}


def test_ambiguity_resolved_by_the_iban_owner():
    ledger = invoices((1, "F-5001", 10, None, 1000), (2, "F5001", 20, None, 1000))
    payment = {"remittance_text": "F-5001", "counterparty_iban": "NL20INGB0001234567"}
    result = match_statement(entries(payment), ledger, IBANS)
    row = matched_row(result, "E1")
    assert (row["customer_id"], row["invoice_ids"]) == (20, [2])


def test_shared_iban_with_equal_amounts_at_two_customers_is_ambiguous():
    ledger = invoices((1, "G-1", 10, None, 700), (2, "G-2", 20, None, 700))
    shared = ibans((10, "NL91ABNA0417164300"), (20, "NL91ABNA0417164300"))
    result = match_statement(
        entries({"counterparty_iban": "NL91ABNA0417164300", "amount_minor": 700}), ledger, shared
    )
    assert unmatched_row(result, "E1")["reason"].startswith("IBAN of several customers")


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        ({"credit": False, "structured_reference": RF_1001}, "debit: money going out"),
        ({"reversal": True, "structured_reference": RF_1001}, "reversal: handled by the caller"),
        ({"currency": "USD", "structured_reference": RF_1001}, "no open invoices in USD"),
    ],
)
def test_debits_reversals_and_foreign_currency_are_unmatched_with_reason(entry, reason):
    result = match_statement(entries(entry), LEDGER, IBANS)
    row = unmatched_row(result, "E1")
    assert (row["reason"], row["suggestions"]) == (reason, [])


def test_reference_to_an_invoice_in_another_currency_is_unmatched():
    ledger = invoices(
        (1, "H-1", 10, RF_1001, 1000, date(2026, 1, 1), "USD"), (2, "H-2", 10, None, 5)
    )
    result = match_statement(entries({"structured_reference": RF_1001}), ledger, IBANS)
    assert unmatched_row(result, "E1")["reason"] == "references name invoices in another currency"


def test_unmatched_gets_name_and_closest_amount_suggestions():
    customers = pl.DataFrame(
        {"customer_id": [10, 20], "name": ["Bakkerij De Vries B.V.", "Jansen"]}
    )
    result = match_statement(
        entries({"counterparty_name": "BAKKERIJ DE VRIES", "amount_minor": 2500}),
        LEDGER,
        IBANS,
        customers,
    )
    suggestions = unmatched_row(result, "E1")["suggestions"]
    assert suggestions[0]["customer_id"] == 10
    assert suggestions[0]["invoice_id"] == 2
    assert "name" in suggestions[0]["why"]
    assert len(suggestions) <= 5
    assert [s["score"] for s in suggestions] == sorted(
        (s["score"] for s in suggestions), reverse=True
    )


def test_summary_counts_rules_and_amounts():
    result = match_statement(
        entries(
            {"structured_reference": RF_1001},
            {"remittance_text": "2024/0042", "amount_minor": 7500},
            {"credit": False, "amount_minor": 99},
        ),
        LEDGER,
        IBANS,
    )
    summary = result.summary()
    assert summary["entries"] == 3
    assert summary["matched"] == {
        "reference": 1,
        "invoice_number": 1,
        "iban_amount": 0,
        "iban_subset": 0,
    }
    assert summary["unmatched"] == 1
    assert summary["amounts"]["EUR"] == {"matched": "175.00", "unmatched": "0.99"}


def test_missing_column_is_named():
    with pytest.raises(ValueError, match="entries frame lacks column"):
        match_statement(entries({}).drop("remittance_text"), LEDGER, IBANS)


def test_empty_statement():
    result = match_statement(entries({}).clear(), LEDGER, IBANS)
    assert result.matched.height == 0 and result.unmatched.height == 0
    assert result.summary()["entries"] == 0


def test_subset_search_gives_up_past_its_bound_and_says_so():
    ledger = invoices(*[(i, f"D-{i}", 10, None, 100, date(2026, 1, 1)) for i in range(1, 21)])
    result = match_statement(
        entries({"counterparty_iban": "NL91ABNA0417164300", "amount_minor": 1000}), ledger, IBANS
    )
    assert unmatched_row(result, "E1")["reason"] == "subset search bound exceeded"


def test_two_payments_of_one_sum_the_second_finds_the_invoices_taken():
    ledger = invoices((1, "K-1", 10, None, 300), (2, "K-2", 10, None, 200))
    payment = {"counterparty_iban": "NL91ABNA0417164300", "amount_minor": 500}
    result = match_statement(entries(payment, payment), ledger, IBANS)
    assert matched_row(result, "E1")["invoice_ids"] == [1, 2]
    assert unmatched_row(result, "E2")["reason"] == "invoices already matched to an earlier entry"


def test_matching_is_deterministic():
    ledger = invoices(*[(i, f"M-{i}", 10 + i % 3, None, 100 * (i % 7 + 1)) for i in range(1, 40)])
    owners = ibans(
        (10, "NL91ABNA0417164300"), (11, "NL20INGB0001234567"), (12, "NL20INGB0001234567")
    )
    payments = entries(
        *[
            {"counterparty_iban": iban, "amount_minor": amount, "remittance_text": text}
            for iban in ("NL91ABNA0417164300", "NL20INGB0001234567")
            for amount in (100, 300, 700, 1200)
            for text in (None, "M-5 M-6")
        ]
    )
    first = match_statement(payments, ledger, owners)
    for _ in range(3):
        again = match_statement(payments, ledger, owners)
        assert again.matched.equals(first.matched)
        assert again.unmatched.equals(first.unmatched)


def test_entry_without_amount_is_named():
    with pytest.raises(ValueError, match="entries row 1: amount_minor is empty"):
        match_statement(entries({}, {"amount_minor": None}), LEDGER, IBANS)
