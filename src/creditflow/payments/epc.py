"""EPC QR code for a SEPA credit transfer ("GiroCode", EPC069-12).

The payload is a few lines separated by LF:

    1 service tag "BCD"          7 beneficiary IBAN
    2 version "001" | "002"      8 amount "EUR12.50" (0.01 .. 999999999.99), optional
    3 character set "1" (UTF-8)  9 purpose code (4 characters), optional
    4 identification "SCT"      10 structured reference (RF or betalingskenmerk, <= 35)
    5 BIC (optional in 002)     11 OR unstructured remittance text (<= 140)
    6 beneficiary name (<= 70)

Trailing empty lines are left out. The whole payload is at most 331 bytes, which
fits a QR code of version 13 at error correction level M.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal

import segno
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import iso11649

from creditflow.money import Money, round_amount

__all__ = [
    "EPC_MAX_BYTES",
    "EPC_MAX_VERSION",
    "epc_payload",
    "epc_qr",
    "epc_qr_png",
    "epc_qr_svg",
    "is_betalingskenmerk",
]

EPC_MAX_BYTES = 331
EPC_MAX_VERSION = 13
_MIN_AMOUNT = Decimal("0.01")
_MAX_AMOUNT = Decimal("999999999.99")
_PURPOSE = re.compile(r"^[A-Z0-9]{4}$")
_KENMERK_WEIGHTS = (2, 4, 8, 5, 10, 9, 7, 3, 6, 1)


def is_betalingskenmerk(reference: str) -> bool:
    """True for a 16-digit Dutch betalingskenmerk (Currence) with a valid check digit."""
    if len(reference) != 16 or not reference.isdigit():
        return False
    body = reference[1:]
    total = sum(
        int(digit) * _KENMERK_WEIGHTS[i % len(_KENMERK_WEIGHTS)]
        for i, digit in enumerate(reversed(body))
    )
    check = 11 - total % 11
    check = {10: 1, 11: 0}.get(check, check)
    return int(reference[0]) == check


def _single_line(field: str, value: str, limit: int) -> str:
    text = value.strip()
    if "\n" in text or "\r" in text:
        raise ValueError(f"{field} must be a single line")
    if len(text) > limit:
        raise ValueError(f"{field} is {len(text)} characters; at most {limit} allowed")
    return text


def _amount_text(amount: Money) -> str:
    if amount.currency != "EUR":
        raise ValueError(f"amount must be in EUR for an EPC QR code, not {amount.currency}")
    value = amount.amount
    if round_amount(value, "EUR") != value:
        raise ValueError(f"amount {value} has more than two decimals")
    if not _MIN_AMOUNT <= value <= _MAX_AMOUNT:
        raise ValueError(f"amount {value} is outside {_MIN_AMOUNT} .. {_MAX_AMOUNT}")
    return f"EUR{round_amount(value, 'EUR')}"


def _structured_reference(reference: str) -> str:
    compact = "".join(reference.split()).upper()
    if compact.startswith("RF"):
        if not iso11649.is_valid(compact):
            raise ValueError(f"reference {reference!r} is not a valid ISO 11649 RF reference")
        return compact
    if is_betalingskenmerk(compact):
        return compact
    raise ValueError(
        f"reference {reference!r} is neither an ISO 11649 RF reference "
        "nor a 16-digit Dutch betalingskenmerk"
    )


def epc_payload(
    *,
    name: str,
    iban: str,
    amount: Money,
    reference: str | None = None,
    text: str | None = None,
    bic: str | None = None,
    purpose: str | None = None,
    version: str = "002",
) -> str:
    """The EPC069-12 text of a SEPA credit transfer; ValueError names the bad field."""
    if version not in ("001", "002"):
        raise ValueError(f"version must be '001' or '002', not {version!r}")
    beneficiary = _single_line("name", name, 70)
    if not beneficiary:
        raise ValueError("name is empty")
    try:
        account = IBAN(iban).compact
    except SchwiftyException as exc:
        raise ValueError(f"iban {iban!r} is not valid: {exc}") from exc
    bic_text = ""
    if bic:
        try:
            bic_text = str(BIC(bic).compact)
        except SchwiftyException as exc:
            raise ValueError(f"bic {bic!r} is not valid: {exc}") from exc
    elif version == "001":
        raise ValueError("bic is required in EPC version 001")
    purpose_text = ""
    if purpose:
        purpose_text = purpose.strip().upper()
        if not _PURPOSE.match(purpose_text):
            raise ValueError(f"purpose {purpose!r} must be 4 letters or digits (e.g. GDDS)")
    if reference and text:
        raise ValueError("give either reference (structured) or text (unstructured), not both")
    structured = _structured_reference(reference) if reference else ""
    unstructured = _single_line("text", text, 140) if text else ""
    lines = [
        "BCD",
        version,
        "1",
        "SCT",
        bic_text,
        beneficiary,
        account,
        _amount_text(amount),
        purpose_text,
        structured,
        unstructured,
    ]
    while lines and not lines[-1]:
        lines.pop()
    payload = "\n".join(lines)
    size = len(payload.encode("utf-8"))
    if size > EPC_MAX_BYTES:
        raise ValueError(f"payload is {size} bytes; at most {EPC_MAX_BYTES} allowed")
    return payload


def epc_qr(payload: str) -> segno.QRCode:
    """The QR code of an EPC payload: byte mode, UTF-8, no ECI, error correction M."""
    qr = segno.make_qr(payload, error="m", boost_error=False, encoding="utf-8", mode="byte")
    if qr.version > EPC_MAX_VERSION:  # type: ignore[operator]
        raise ValueError(f"payload needs QR version {qr.version}; at most 13 allowed")
    return qr


def epc_qr_png(payload: str, *, scale: int = 4, border: int = 4) -> bytes:
    """PNG image of the EPC QR code (`scale` pixels per module, quiet zone `border`)."""
    buffer = io.BytesIO()
    epc_qr(payload).save(buffer, kind="png", scale=scale, border=border)
    return buffer.getvalue()


def epc_qr_svg(payload: str, *, scale: int = 4, border: int = 4) -> str:
    """SVG image of the EPC QR code, as text without an XML declaration."""
    buffer = io.BytesIO()
    epc_qr(payload).save(buffer, kind="svg", scale=scale, border=border, xmldecl=False)
    return buffer.getvalue().decode("utf-8")
