"""Small UBL 2.1 documents for tests: an NLCIUS-style invoice or credit note, built from parts."""

from __future__ import annotations

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"

BUYER = """
  <cac:AccountingCustomerParty>
    <cac:Party>
      <cbc:EndpointID schemeID="0106">12345678</cbc:EndpointID>
      <cac:PartyName><cbc:Name>Bakkerij Smit B.V.</cbc:Name></cac:PartyName>
      <cac:PostalAddress>
        <cbc:StreetName>Dorpsstraat 1</cbc:StreetName>
        <cbc:CityName>Utrecht</cbc:CityName>
        <cbc:PostalZone>3511 AB</cbc:PostalZone>
        <cac:Country><cbc:IdentificationCode>NL</cbc:IdentificationCode></cac:Country>
      </cac:PostalAddress>
      <cac:PartyTaxScheme>
        <cbc:CompanyID>NL001234567B01</cbc:CompanyID>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
      </cac:PartyTaxScheme>
      <cac:PartyLegalEntity>
        <cbc:RegistrationName>Bakkerij Smit B.V.</cbc:RegistrationName>
        <cbc:CompanyID schemeID="0106">12345678</cbc:CompanyID>
      </cac:PartyLegalEntity>
      <cac:Contact><cbc:ElectronicMail>administratie@bakkerijsmit.nl</cbc:ElectronicMail></cac:Contact>
    </cac:Party>
  </cac:AccountingCustomerParty>"""


def ubl_invoice(
    number: str = "NL-2026-001",
    *,
    issue: str = "2026-01-05",
    due: str | None = "<cbc:DueDate>2026-02-04</cbc:DueDate>",
    currency: str = "EUR",
    payable: str = '<cbc:PayableAmount currencyID="EUR">1250.00</cbc:PayableAmount>',
    buyer: str = BUYER,
    payment_means: str = (
        "<cac:PaymentMeans><cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>"
        "<cbc:PaymentID>RF18539007547034</cbc:PaymentID></cac:PaymentMeans>"
    ),
    billing_reference: str = "",
    credit_note: bool = False,
) -> bytes:
    """An invoice (or credit note) in the shape of NLCIUS / Peppol BIS 3, parts replaceable."""
    root, ns = ("CreditNote", CREDIT_NOTE_NS) if credit_note else ("Invoice", INVOICE_NS)
    type_code = (
        "<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>"
        if credit_note
        else "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>"
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="{ns}" xmlns:cac="{CAC}" xmlns:cbc="{CBC}">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:nen.nl:nlcius:v1.0</cbc:CustomizationID>
  <cbc:ID>{number}</cbc:ID>
  <cbc:IssueDate>{issue}</cbc:IssueDate>
  {due or ""}
  {type_code}
  <cbc:DocumentCurrencyCode>{currency}</cbc:DocumentCurrencyCode>
  {billing_reference}
  {buyer}
  {payment_means}
  <cac:LegalMonetaryTotal>{payable}</cac:LegalMonetaryTotal>
</{root}>
""".encode()


def billing_reference(invoice_number: str) -> str:
    """The reference from a credit note to the invoice it corrects."""
    return (
        "<cac:BillingReference><cac:InvoiceDocumentReference>"
        f"<cbc:ID>{invoice_number}</cbc:ID>"
        "</cac:InvoiceDocumentReference></cac:BillingReference>"
    )


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&lol9;</Invoice>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&xxe;</Invoice>
"""

NOT_UBL = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt/></Document>
"""

MALFORMED = b"""<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">
  <cbc:ID>broken</cbc:ID>
</Invoice
"""
