"""Short link codes: Crockford base32, 8 symbols, derived per action, forgiving when typed."""

from __future__ import annotations

import pytest

from creditflow.config import ConfigError, Settings, settings_from
from creditflow.config.sections import parse_portal
from creditflow.links.short_codes import (
    ALPHABET,
    CODE_LENGTH,
    derive_code,
    format_code,
    lookup_key,
    parse_code,
)
from creditflow.links.short_links import short_base_url, short_url

SECRET = "a-link-secret-of-the-organisation"


def test_the_alphabet_has_no_letters_that_read_as_others():
    assert len(ALPHABET) == 32 == len(set(ALPHABET))
    assert not set("ILOU") & set(ALPHABET)


def test_a_code_is_eight_symbols_printed_as_two_groups_of_four():
    code = derive_code(SECRET, "act-1", "pay")
    assert len(code) == CODE_LENGTH and set(code) <= set(ALPHABET)
    printed = format_code(code)
    assert printed[4] == "-" and printed.replace("-", "") == code


def test_the_same_action_gets_the_same_code_and_anything_else_another():
    code = derive_code(SECRET, "act-1", "pay")
    assert derive_code(SECRET, "act-1", "pay") == code
    others = {
        derive_code(SECRET, "act-1", "portal"),
        derive_code(SECRET, "act-2", "pay"),
        derive_code(SECRET, "act-1", "pay", 1),
        derive_code("another organisation's secret", "act-1", "pay"),
    }
    assert code not in others and len(others) == 4


def test_codes_spread_over_the_whole_alphabet():
    codes = [derive_code(SECRET, f"act-{i}", "pay") for i in range(2000)]
    assert len(set(codes)) == 2000
    assert set("".join(codes)) == set(ALPHABET)


@pytest.mark.parametrize(
    "typed",
    ["K7QM-4XPD", "k7qm-4xpd", "K7QM4XPD", " k7qm 4xpd ", "K7QM - 4XPD", "k7qm\u00a04xpd"],
)
def test_typed_codes_are_read_case_and_hyphen_insensitive(typed):
    assert parse_code(typed) == "K7QM4XPD"


def test_letters_that_look_like_digits_are_read_as_the_digits():
    assert parse_code("IO1L-ABCD") == "1011ABCD"


@pytest.mark.parametrize(
    "typed", ["", "K7QM-4XP", "K7QM-4XPDD", "K7QM-4XPU", "K7QM/4XPD", "K7QM-4XP€", "K" * 100]
)
def test_what_cannot_be_a_code_is_refused(typed):
    assert parse_code(typed) is None


def test_the_stored_key_is_keyed_and_not_the_code():
    key = lookup_key(SECRET, "K7QM4XPD")
    assert len(key) == 64 and "K7QM4XPD" not in key
    assert key != lookup_key("another secret", "K7QM4XPD")
    with pytest.raises(ValueError, match="secret is empty"):
        lookup_key("", "K7QM4XPD")


def test_a_short_link_leaves_out_https_but_keeps_plain_http():
    assert short_url("https://pay.example-bv.nl/", "K7QM4XPD") == "pay.example-bv.nl/l/K7QM-4XPD"
    assert short_url("http://127.0.0.1:8000", "K7QM4XPD") == "http://127.0.0.1:8000/l/K7QM-4XPD"


def test_short_links_start_with_their_own_base_or_the_portal_s():
    assert short_base_url(Settings(portal_base_url="https://portal.example-bv.nl/")) == (
        "https://portal.example-bv.nl"
    )
    short = settings_from({"portal": {"short_base_url": "https://pay.example-bv.nl/"}}, environ={})
    assert short_base_url(short) == "https://pay.example-bv.nl"
    with pytest.raises(ConfigError, match=r"\[portal\] short_base_url"):
        parse_portal({"portal": {"short_base_url": "pay.example-bv.nl"}})
    with pytest.raises(ConfigError, match="short_rate_capacity"):
        parse_portal({"portal": {"short_rate_capacity": 0}})
