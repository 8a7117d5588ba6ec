"""Combined references: one reference for a message about several invoices, matched back
to every one of them that is still open."""

from __future__ import annotations

import polars as pl
import pytest

from creditflow.ledger.references import (
    is_valid_betalingskenmerk,
    is_valid_rf,
    reference_for_message,
)
from creditflow.payments.matching import match_statement
from tests.unit.test_payments_matching import RF_1001, entries, invoices

NO_IBANS = pl.DataFrame(schema={"customer_id": pl.Int64, "iban": pl.String})
LEDGER = invoices(
    (1, "INV-1001", 7, RF_1001, 41250),
    (2, "INV-1002", 7, None, 8750),
    (3, "INV-1003", 7, None, 5000),
)
COMBINED = reference_for_message("act-7-reminder1")


def combined(*pairs: tuple[str, int]) -> pl.DataFrame:
    return pl.DataFrame(
        pairs, schema={"reference": pl.String, "invoice_id": pl.Int64}, orient="row"
    )


@pytest.mark.parametrize(
    ("scheme", "valid"), [("rf", is_valid_rf), ("betalingskenmerk", is_valid_betalingskenmerk)]
)
def test_a_message_reference_is_valid_and_always_the_same_for_the_action(scheme, valid):
    first = reference_for_message("act-7-reminder1", scheme)
    assert valid(first)
    assert reference_for_message("act-7-reminder1", scheme) == first
    assert reference_for_message("act-7-reminder2", scheme) != first


def test_an_unknown_scheme_is_refused():
    with pytest.raises(ValueError, match="unknown"):
        reference_for_message("a", "ogm")


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"structured_reference": COMBINED}, [1, 2]),
        ({"remittance_text": f"betaling {COMBINED.lower()} dank"}, [1, 2]),
        ({"structured_reference": RF_1001}, [1]),
    ],
    ids=["structured", "in the text", "an invoice's own reference still works"],
)
def test_a_combined_reference_names_every_invoice_of_its_message(entry, expected):
    result = match_statement(
        entries(entry), LEDGER, NO_IBANS, combined_references=combined((COMBINED, 1), (COMBINED, 2))
    )
    [matched] = result.matched.to_dicts()
    assert (matched["rule"], matched["invoice_ids"]) == ("reference", expected)


def test_a_combined_reference_whose_invoices_are_all_paid_matches_nothing():
    paid_only = LEDGER.filter(pl.col("invoice_id") == 3)
    result = match_statement(
        entries({"structured_reference": COMBINED}),
        paid_only,
        NO_IBANS,
        combined_references=combined((COMBINED, 1), (COMBINED, 2)),
    )
    assert result.matched.height == 0
