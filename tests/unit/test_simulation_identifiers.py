"""Vectorised identifier generators: IBANs, references, phone numbers, amount text."""

from __future__ import annotations

import numpy as np
import phonenumbers
import polars as pl
import pytest
from schwifty import IBAN

from creditflow.money import from_minor, to_minor
from creditflow.simulation import identifiers


def test_dutch_ibans_pass_schwifty_and_the_elfproef() -> None:
    ibans, bics = identifiers.nl_ibans(np.random.default_rng(1), 500)
    for text, bic in zip(ibans, bics, strict=True):
        iban = IBAN(text)
        assert bic.startswith(iban.bank_code)
        account = text[8:]
        assert sum(int(d) * (10 - i) for i, d in enumerate(account)) % 11 == 0


def test_belgian_ibans_pass_schwifty_with_their_national_check() -> None:
    for text in identifiers.be_ibans(np.random.default_rng(2), 300):
        assert IBAN(text).country_code == "BE"


def test_a_wrong_check_digit_is_caught_by_the_validator_we_rely_on() -> None:
    good = identifiers.nl_ibans(np.random.default_rng(3), 1)[0][0]
    wrong = good[:2] + f"{(int(good[2:4]) + 1) % 100:02d}" + good[4:]
    with pytest.raises(ValueError):
        IBAN(wrong)


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (56789012345, "5000056789012345"),  # the Currence example
        (0, "0000000000000000"),
    ],
)
def test_betalingskenmerk_check_digit(number: int, expected: str) -> None:
    assert identifiers.betalingskenmerken(np.array([number])).to_list() == [expected]


def test_betalingskenmerken_have_sixteen_digits_with_a_valid_check() -> None:
    weights = [2, 4, 8, 5, 10, 9, 7, 3, 6, 1]
    numbers = np.random.default_rng(4).integers(0, 10**15, 200)
    for text in identifiers.betalingskenmerken(numbers):
        assert len(text) == 16 and text.isdigit()
        body = text[1:][::-1]
        total = sum(int(d) * weights[i % 10] for i, d in enumerate(body))
        check = {10: 1, 11: 0}.get(11 - total % 11, 11 - total % 11)
        assert int(text[0]) == check


@pytest.mark.parametrize("country", ["NL", "BE", "DE", "US"])
def test_mobile_numbers_are_valid_for_their_country(country: str) -> None:
    for text in identifiers.mobile_numbers(np.random.default_rng(5), country, 300):
        number = phonenumbers.parse(text)
        assert phonenumbers.is_valid_number(number), text
        assert phonenumbers.region_code_for_number(number) == country


def test_an_unknown_country_has_no_phone_plan() -> None:
    with pytest.raises(ValueError, match="FR"):
        identifiers.mobile_numbers(np.random.default_rng(6), "FR", 1)


@pytest.mark.parametrize(
    ("text", "digits", "minor", "written"),
    [
        ("412.50", 2, 41250, "412.50"),
        ("412.5", 2, 41250, "412.50"),
        ("0.07", 2, 7, "0.07"),
        ("7", 0, 7, "7"),
        ("1.234", 3, 1234, "1.234"),
        ("1.234", 2, None, None),
        ("12,50", 2, None, None),
        ("-3.00", 2, None, None),
        ("", 2, None, None),
    ],
)
def test_amount_text_and_minor_units(
    text: str, digits: int, minor: int | None, written: str | None
) -> None:
    frame = pl.DataFrame({"text": [text], "digits": [digits]}).with_columns(
        minor=identifiers.text_to_minor_units(pl.col("text"), pl.col("digits"))
    )
    frame = frame.with_columns(written=identifiers.minor_units_text(pl.col("minor"), digits))
    assert frame["minor"][0] == minor
    assert frame["written"][0] == written


def test_amount_text_agrees_with_the_money_module() -> None:
    cents = np.random.default_rng(7).integers(0, 10**9, 1000)
    texts = pl.select(identifiers.minor_units_text(pl.lit(pl.Series(cents)), 2)).to_series()
    for value, text in zip(cents, texts, strict=True):
        assert str(from_minor(int(value), "EUR")) == text
        assert to_minor(from_minor(int(value), "EUR"), "EUR") == value


def test_postal_letters_avoid_the_combinations_dutch_post_does_not_use() -> None:
    letters = identifiers.nl_postal_letters(np.random.default_rng(8), 20_000)
    assert not letters.is_in(["SA", "SD", "SS"]).any()
    assert not letters.str.contains("[FIOQUY]").any()
