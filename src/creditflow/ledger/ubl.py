"""Reading UBL 2.1 e-invoices (Peppol BIS Billing 3.0, NLCIUS): a pure parser, no I/O.

Only what credit management needs is read: number, dates, currency, the payable
amount, the buyer and the payment reference, and for a credit note (or a negative
invoice, a correction) the invoice it refers to. The XML is parsed safely: a
DOCTYPE or ENTITY declaration is refused before parsing (billion laughs, XXE), and
lxml never loads a DTD, resolves an entity or touches the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from lxml import etree

from creditflow.safe_xml import UnsafeXml, parse_untrusted

__all__ = ["MAX_DOCUMENT_BYTES", "Buyer", "UblDocument", "UblError", "parse_ubl"]

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
KVK_SCHEME = "0106"  # Dutch Chamber of Commerce number (ISO 6523 ICD)


class UblError(ValueError):
    """A document that cannot be taken, with the line of the XML it is about."""

    def __init__(self, reason: str, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


@dataclass(frozen=True)
class Buyer:
    """The buyer (cac:AccountingCustomerParty): who owes the money."""

    name: str | None
    party_id: str | None
    party_id_scheme: str | None
    endpoint_id: str | None
    endpoint_scheme: str | None
    vat: str | None
    legal_id: str | None
    legal_scheme: str | None
    email: str | None
    address_line1: str | None
    address_line2: str | None
    postal_code: str | None
    city: str | None
    country: str | None

    @property
    def kvk(self) -> str | None:
        """The Chamber of Commerce (KvK) number: a legal or party id in scheme 0106."""
        if self.legal_scheme == KVK_SCHEME:
            return self.legal_id
        if self.party_id_scheme == KVK_SCHEME:
            return self.party_id
        if self.endpoint_scheme == KVK_SCHEME:
            return self.endpoint_id
        return None

    def identifiers(self) -> list[tuple[str, str]]:
        """Every (scheme, value) the buyer is known by; VAT as scheme `VAT`."""
        found = [
            (self.party_id_scheme or "", self.party_id),
            (self.endpoint_scheme or "", self.endpoint_id),
            ("VAT", self.vat),
            (self.legal_scheme or "", self.legal_id),
        ]
        seen: list[tuple[str, str]] = []
        for scheme, value in found:
            if value and scheme and (scheme, value) not in seen:
                seen.append((scheme, value))
        return seen

    def customer_id(self) -> str | None:
        """The id a new customer gets: party identifier, else endpoint id, else VAT.

        A party identifier without a scheme is the seller's own customer number and is
        taken as it is; with a scheme, and for the endpoint id, it is `scheme:value`.
        """
        if self.party_id:
            return (
                f"{self.party_id_scheme}:{self.party_id}"
                if self.party_id_scheme
                else (self.party_id)
            )
        if self.endpoint_id:
            return (
                f"{self.endpoint_scheme}:{self.endpoint_id}"
                if self.endpoint_scheme
                else (self.endpoint_id)
            )
        return self.vat


@dataclass(frozen=True)
class UblDocument:
    """The parts of an Invoice or CreditNote that credit management uses."""

    kind: str  # invoice | credit_note
    number: str
    issue_date: date
    due_date: date | None
    currency: str
    payable: Decimal
    buyer: Buyer
    payment_id: str | None
    billing_reference: str | None
    line: int

    @property
    def is_correction(self) -> bool:
        """A credit note, or an invoice with a negative total: it lowers another invoice."""
        return self.kind == "credit_note" or self.payable < 0


def _parse_xml(data: bytes) -> etree._Element:
    if len(data) > MAX_DOCUMENT_BYTES:
        raise UblError(f"document larger than {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB; refused")
    try:
        return parse_untrusted(data)
    except UnsafeXml as exc:
        raise UblError(str(exc), exc.line) from exc


@lru_cache(maxsize=256)
def _clark(path: str) -> tuple[str, ...]:
    """`cac:A/cbc:B` as its steps in Clark notation (`{urn..}A`, `{urn..}B`)."""
    steps = []
    for step in path.split("/"):
        prefix, _, name = step.partition(":")
        steps.append(f"{{{NS[prefix]}}}{name}")
    return tuple(steps)


def _find(element: etree._Element, path: str) -> etree._Element | None:
    """The first element at a child path (lxml's C child iterator; no ElementPath parsing)."""
    found = element
    for tag in _clark(path):
        child = next(found.iterchildren(tag), None)
        if child is None:
            return None
        found = child
    return found


def _find_all(element: etree._Element, path: str) -> list[etree._Element]:
    """Every child element with this tag (one step)."""
    [tag] = _clark(path)
    return list(element.iterchildren(tag))


def _text(element: etree._Element, path: str) -> str | None:
    found = _find(element, path)
    if found is None or found.text is None:
        return None
    value = " ".join(found.text.split())
    return value or None


def _attr(element: etree._Element, path: str, name: str) -> str | None:
    found = _find(element, path)
    if found is None:
        return None
    value = (found.get(name) or "").strip()
    return value or None


def _date(root: etree._Element, path: str, label: str) -> date | None:
    value = _text(root, path)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        found = _find(root, path)
        line = found.sourceline if found is not None else None
        raise UblError(f"{label}: '{value}' is not a date (YYYY-MM-DD)", line) from exc


def _buyer(root: etree._Element) -> Buyer:
    party = _find(root, "cac:AccountingCustomerParty/cac:Party")
    if party is None:
        raise UblError("no buyer (cac:AccountingCustomerParty/cac:Party)", root.sourceline)
    vat = None
    for scheme in _find_all(party, "cac:PartyTaxScheme"):
        if (_text(scheme, "cac:TaxScheme/cbc:ID") or "").upper() == "VAT":
            vat = _text(scheme, "cbc:CompanyID")
            break
    address = "cac:PostalAddress/"
    return Buyer(
        name=_text(party, "cac:PartyName/cbc:Name"),
        party_id=_text(party, "cac:PartyIdentification/cbc:ID"),
        party_id_scheme=_attr(party, "cac:PartyIdentification/cbc:ID", "schemeID"),
        endpoint_id=_text(party, "cbc:EndpointID"),
        endpoint_scheme=_attr(party, "cbc:EndpointID", "schemeID"),
        vat=vat.replace(" ", "").upper() if vat else None,
        legal_id=_text(party, "cac:PartyLegalEntity/cbc:CompanyID"),
        legal_scheme=_attr(party, "cac:PartyLegalEntity/cbc:CompanyID", "schemeID"),
        email=_text(party, "cac:Contact/cbc:ElectronicMail"),
        address_line1=_text(party, address + "cbc:StreetName"),
        address_line2=_text(party, address + "cbc:AdditionalStreetName"),
        postal_code=_text(party, address + "cbc:PostalZone"),
        city=_text(party, address + "cbc:CityName"),
        country=_text(party, address + "cac:Country/cbc:IdentificationCode"),
    )


def _payable(root: etree._Element, currency: str) -> Decimal:
    path = "cac:LegalMonetaryTotal/cbc:PayableAmount"
    found = _find(root, path)
    if found is None or not (found.text or "").strip():
        raise UblError(f"no payable amount ({path})", root.sourceline)
    text = found.text.strip() if found.text else ""
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:
        raise UblError(f"PayableAmount: '{text}' is not an amount", found.sourceline) from exc
    if not amount.is_finite():
        raise UblError(f"PayableAmount: '{text}' is not an amount", found.sourceline)
    stated = (found.get("currencyID") or "").strip().upper()
    if stated and stated != currency:
        raise UblError(
            f"PayableAmount: in {stated}, the document currency is {currency}", found.sourceline
        )
    return amount


def _required(root: etree._Element, path: str) -> str:
    value = _text(root, path)
    if value is None:
        raise UblError(f"{path} is missing", root.sourceline)
    return value


def parse_ubl(data: bytes) -> UblDocument:
    """Read one UBL 2.1 Invoice or CreditNote; UblError says why a document cannot be taken."""
    root = _parse_xml(data)
    qname = etree.QName(root)
    if (qname.namespace, qname.localname) == (UBL_INVOICE, "Invoice"):
        kind = "invoice"
    elif (qname.namespace, qname.localname) == (UBL_CREDIT_NOTE, "CreditNote"):
        kind = "credit_note"
    else:
        raise UblError(
            f"not a UBL 2.1 Invoice or CreditNote (root element {qname.localname}"
            f"{' in ' + qname.namespace if qname.namespace else ', no namespace'})",
            root.sourceline,
        )
    issue = _date(root, "cbc:IssueDate", "IssueDate")
    if issue is None:
        raise UblError("cbc:IssueDate is missing", root.sourceline)
    due = (
        _date(root, "cbc:DueDate", "DueDate")
        or _date(root, "cac:PaymentMeans/cbc:PaymentDueDate", "PaymentDueDate")
        or _date(root, "cac:PaymentTerms/cbc:PaymentDueDate", "PaymentDueDate")
    )
    currency = _required(root, "cbc:DocumentCurrencyCode").upper()
    return UblDocument(
        kind=kind,
        number=_required(root, "cbc:ID"),
        issue_date=issue,
        due_date=due,
        currency=currency,
        payable=_payable(root, currency),
        buyer=_buyer(root),
        payment_id=_text(root, "cac:PaymentMeans/cbc:PaymentID"),
        billing_reference=_text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
        line=root.sourceline or 1,
    )
