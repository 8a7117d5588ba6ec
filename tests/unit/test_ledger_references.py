"""Payment references: RF creditor references and Dutch betalingskenmerken."""

from __future__ import annotations

import pytest

from creditflow.ledger.references import (
    betalingskenmerk,
    check_reference,
    find_references,
    is_valid_betalingskenmerk,
    is_valid_rf,
    reference_for_invoice,
    rf_reference,
)


@pytest.mark.parametrize(
    ("seed", "reference"),
    [("2348231", "RF712348231"), ("539007547034", "RF18539007547034"), ("1", "RF741")],
)
def test_rf_reference(seed, reference):
    assert rf_reference(seed) == reference
    assert is_valid_rf(reference)


@pytest.mark.parametrize("seed", ["", "abc", "A-1", "1234567890123456789012", " 12"])
def test_rf_reference_refuses_bad_seeds(seed):
    with pytest.raises(ValueError, match="RF seed"):
        rf_reference(seed)


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("RF71 2348 231", True),
        ("rf712348231", True),
        ("RF722348231", False),
        ("RF71", False),
        ("RF71234823199999999999999", False),
        ("2348231", False),
    ],
)
def test_is_valid_rf(text, valid):
    assert is_valid_rf(text) is valid


@pytest.mark.parametrize(
    ("number", "kenmerk"),
    [
        (56789012345, "5000056789012345"),
        ("56789012345", "5000056789012345"),
        (0, "0000000000000000"),
    ],
)
def test_betalingskenmerk(number, kenmerk):
    assert betalingskenmerk(number) == kenmerk
    assert is_valid_betalingskenmerk(kenmerk)


@pytest.mark.parametrize("number", [-1, "12a", 10**15, True])
def test_betalingskenmerk_refuses_bad_numbers(number):
    with pytest.raises(ValueError, match="betalingskenmerk number"):
        betalingskenmerk(number)


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("5000056789012345", True),
        ("5000 0567 8901 2345", True),
        ("4000056789012345", False),
        ("12 2345 3462 2567", True),  # 14 digits: check 1, length code 2, twelve digits
        ("13 2345 3462 2567", False),  # wrong check digit
        ("1323453462256", False),  # 13 digits but length code 3 says eleven follow: check fails
        ("1234567", True),  # 7 digits carry no check
        ("12345678", False),  # 8 digits do not exist
        ("50000567890123456", False),
    ],
)
def test_is_valid_betalingskenmerk(text, valid):
    assert is_valid_betalingskenmerk(text) is valid


def test_length_coded_forms_from_9_to_14_digits():
    for length in range(9, 15):
        digits = "7" * (length - 2)
        coded = f"{(length - 2) % 10}{digits}"
        # build the check digit by brute force and see exactly one passes
        passing = [c for c in "0123456789" if is_valid_betalingskenmerk(c + coded)]
        assert len(passing) == 1, length
        wrong_code = f"{(length - 1) % 10}{digits}"
        assert not any(is_valid_betalingskenmerk(c + wrong_code) for c in "0123456789")


@pytest.mark.parametrize(
    ("number", "sequence", "scheme", "expected"),
    [
        ("INV-2024/0042", 7, "rf", rf_reference("INV20240042")),
        ("inv 9", 7, "rf", rf_reference("INV9")),
        ("2024-000000000000000000042", 7, "rf", rf_reference("7")),  # 22 alphanumerics
        ("---", 8, "rf", rf_reference("8")),
        ("INV-1", 56789012345, "betalingskenmerk", "5000056789012345"),
    ],
)
def test_reference_for_invoice(number, sequence, scheme, expected):
    assert reference_for_invoice(number, sequence, scheme) == expected


def test_reference_for_invoice_refuses_unknown_scheme_and_negative_sequence():
    with pytest.raises(ValueError, match="scheme 'ogm' is unknown"):
        reference_for_invoice("INV-1", 1, "ogm")
    with pytest.raises(ValueError, match="sequence -1"):
        reference_for_invoice("INV-1", -1)


@pytest.mark.parametrize(
    ("text", "normalised"),
    [("rf71 2348 231", "RF712348231"), ("5000 0567 8901 2345", "5000056789012345")],
)
def test_check_reference_normalises(text, normalised):
    assert check_reference(text) == normalised


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("RF72 2348 231", "RF check digits do not match"),
        ("RF7", "5 to 25 characters"),
        ("RFAB2348231", "two check digits"),
        ("RF71-2348-231", "only letters A-Z and digits"),
        ("4000056789012345", "betalingskenmerk check digit does not match"),
        ("123456789012345", "7, 9 to 14 or 16 digits, not 15"),
        ("INV-1001", "not an RF reference"),
        ("  ", "empty"),
    ],
)
def test_check_reference_says_why(text, why):
    with pytest.raises(ValueError, match=why):
        check_reference(text)


def test_find_references_in_remittance_text():
    text = (
        "Betaling fact 12 kenmerk 5000 0567 8901 2345, ook rf71 2348 231 factuur jan; "
        "RF18539007547034. Fout: RF72 2348 231 en 4000056789012345, dubbel 5000056789012345"
    )
    assert find_references(text) == ["5000056789012345", "RF712348231", "RF18539007547034"]


def test_find_references_none():
    assert find_references("") == []
    assert find_references("factuur 2024-0042 bedankt") == []
