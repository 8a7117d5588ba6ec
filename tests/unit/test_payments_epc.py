"""EPC QR payload (EPC069-12) line by line, its errors, and the QR code itself."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import zxingcpp
from PIL import Image

from creditflow.money import Money
from creditflow.payments.epc import (
    EPC_MAX_BYTES,
    epc_payload,
    epc_qr,
    epc_qr_png,
    epc_qr_svg,
    is_betalingskenmerk,
)

IBAN = "NL91ABNA0417164300"


def eur(text: str) -> Money:
    return Money(Decimal(text), "EUR")


def test_payload_with_structured_reference_line_by_line():
    payload = epc_payload(
        name="Voorbeeld Installatietechniek B.V.",
        iban="nl91 abna 0417 1643 00",
        amount=eur("412.5"),
        reference="RF71 2348 231",
        bic="abnanl2a",
    )
    assert payload.split("\n") == [
        "BCD",  # service tag
        "002",  # version
        "1",  # character set: UTF-8
        "SCT",  # SEPA credit transfer
        "ABNANL2A",  # BIC
        "Voorbeeld Installatietechniek B.V.",  # beneficiary
        "NL91ABNA0417164300",  # IBAN, compact
        "EUR412.50",  # amount
        "",  # purpose
        "RF712348231",  # structured reference; no trailing empty lines
    ]
    assert "\r" not in payload and not payload.endswith("\n")


def test_payload_with_unstructured_text_and_purpose_without_bic():
    payload = epc_payload(
        name="Acme", iban=IBAN, amount=eur("12.50"), text="INV-1, INV-2", purpose="gdds"
    )
    assert payload.split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "",
        "Acme",
        IBAN,
        "EUR12.50",
        "GDDS",
        "",
        "INV-1, INV-2",
    ]


def test_dutch_betalingskenmerk_goes_in_as_structured_reference():
    payload = epc_payload(name="Acme", iban=IBAN, amount=eur("1"), reference="5000 0567 8901 2345")
    assert payload.split("\n")[-1] == "5000056789012345"
    assert payload.split("\n")[-2] == ""


@pytest.mark.parametrize(
    ("reference", "valid"),
    [("5000056789012345", True), ("4000056789012345", False), ("500005678901234", False)],
)
def test_betalingskenmerk_check_digit(reference, valid):
    assert is_betalingskenmerk(reference) is valid


def test_version_001_requires_bic():
    with pytest.raises(ValueError, match="bic is required"):
        epc_payload(name="Acme", iban=IBAN, amount=eur("1"), version="001")
    payload = epc_payload(name="Acme", iban=IBAN, amount=eur("1"), bic="ABNANL2A", version="001")
    assert payload.split("\n")[1] == "001"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"iban": "NL91ABNA0417164301"}, "iban"),
        ({"iban": "not an iban"}, "iban"),
        ({"bic": "XX"}, "bic"),
        ({"reference": "RF712348232"}, "reference"),
        ({"reference": "INV-2026-1001"}, "reference"),
        ({"name": "N" * 71}, "name"),
        ({"name": "  "}, "name"),
        ({"name": "Acme\nBCD"}, "name"),
        ({"text": "T" * 141}, "text"),
        ({"reference": "RF712348231", "text": "both"}, "reference"),
        ({"purpose": "GOODS"}, "purpose"),
        ({"version": "003"}, "version"),
        ({"amount": eur("0.00")}, "amount"),
        ({"amount": eur("1000000000.00")}, "amount"),
        ({"amount": eur("12.505")}, "amount"),
        ({"amount": eur("-5")}, "amount"),
        ({"amount": Money(Decimal("12.50"), "USD")}, "amount"),
    ],
)
def test_bad_input_names_the_field(kwargs, field):
    arguments = {"name": "Acme", "iban": IBAN, "amount": eur("12.50"), **kwargs}
    with pytest.raises(ValueError, match=field):
        epc_payload(**arguments)


@pytest.mark.parametrize("amount", ["0.01", "999999999.99"])
def test_amount_bounds_are_inclusive(amount):
    assert epc_payload(name="Acme", iban=IBAN, amount=eur(amount)).endswith(f"EUR{amount}")


def test_name_of_70_characters_is_accepted():
    assert "N" * 70 in epc_payload(name="N" * 70, iban=IBAN, amount=eur("1"))


def test_payload_over_331_bytes_is_refused():
    # 70 + 140 two-byte characters: within the character limits, over the byte limit
    with pytest.raises(ValueError, match=f"at most {EPC_MAX_BYTES}"):
        epc_payload(name="é" * 70, iban=IBAN, amount=eur("1"), text="é" * 140)


def test_largest_payload_fits_qr_version_13_at_level_m():
    payload = epc_payload(
        name="N" * 70,
        iban=IBAN,
        amount=eur("999999999.99"),
        bic="ABNANL2A",
        purpose="GDDS",
        text="T" * 140,
    )
    qr = epc_qr(payload)
    assert qr.error == "M"
    assert qr.version <= 13


def test_png_decodes_to_the_payload():
    payload = epc_payload(name="Acme B.V.", iban=IBAN, amount=eur("99.95"), reference="RF712348231")
    image = Image.open(io.BytesIO(epc_qr_png(payload, scale=6)))
    results = zxingcpp.read_barcodes(image)
    assert [r.text for r in results] == [payload]
    assert results[0].format == zxingcpp.BarcodeFormat.QRCode


def test_png_with_accented_name_decodes_as_utf8():
    payload = epc_payload(name="Bloemenhandel Zoë", iban=IBAN, amount=eur("5"))
    image = Image.open(io.BytesIO(epc_qr_png(payload, scale=6)))
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [payload]


def test_svg_is_an_svg_document():
    svg = epc_qr_svg(epc_payload(name="Acme", iban=IBAN, amount=eur("1")), scale=3)
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
