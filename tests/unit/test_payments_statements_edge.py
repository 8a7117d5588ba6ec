"""Small generated statements for the cases the real files do not show, and XML attacks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from creditflow.payments.statements import StatementError, parse_statement, parse_statements

CAMT08 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"


def camt(entries: str, *, ns: str = CAMT08, iban: str = "NL91ABNA0417164300") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="{ns}"><BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId></GrpHdr>
<Stmt><Id>S1</Id><Acct><Id><IBAN>{iban}</IBAN></Id><Ccy>EUR</Ccy></Acct>
{entries}
</Stmt></BkToCstmrStmt></Document>""".encode()


def ntry(details: str, *, amount: str = "100.00", ind: str = "CRDT", extra: str = "") -> str:
    return f"""<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{ind}</CdtDbtInd>{extra}
<Sts><Cd>BOOK</Cd></Sts><BookgDt><DtTm>2026-03-02T10:00:00+01:00</DtTm></BookgDt>
<ValDt><Dt>2026-03-03</Dt></ValDt><NtryDtls>{details}</NtryDtls></Ntry>"""


def test_camt_08_party_under_pty_scor_reference_and_status_code():
    tx = """<TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
<RltdPties><Dbtr><Pty><Nm>Bakkerij De Vries</Nm></Pty></Dbtr>
<DbtrAcct><Id><IBAN>NL20 INGB 0001 2345 67</IBAN></Id></DbtrAcct></RltdPties>
<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>
<Ref>RF712348231</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>"""
    entry = parse_statement(camt(ntry(tx))).entries[0]
    assert entry.counterparty_name == "Bakkerij De Vries"
    assert entry.counterparty_iban == "NL20INGB0001234567"
    assert entry.end_to_end_id is None
    assert (entry.structured_reference, entry.reference_type) == ("RF712348231", "SCOR")
    assert (entry.status, entry.booking_date, entry.value_date) == (
        "BOOK",
        date(2026, 3, 2),
        date(2026, 3, 3),
    )


def test_camt_currence_reference_by_issuer_in_version_02():
    tx = """<TxDtls><RmtInf><Strd><CdtrRefInf><CdtrRefTp><Issr>CUR</Issr></CdtrRefTp>
<Tp><Issr>CUR</Issr></Tp><Ref>5000056789012345</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>"""
    ns = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
    entry = parse_statement(camt(ntry(tx), ns=ns)).entries[0]
    assert (entry.structured_reference, entry.reference_type) == ("5000056789012345", "CUR")


def test_camt_batch_with_plain_tx_amounts_splits_and_without_amounts_stays_whole():
    split = ntry(
        "<TxDtls><Amt Ccy='EUR'>60.00</Amt><RmtInf><Ustrd>A</Ustrd></RmtInf></TxDtls>"
        "<TxDtls><Amt Ccy='EUR'>40.00</Amt><RmtInf><Ustrd>B</Ustrd></RmtInf></TxDtls>",
        extra="<AcctSvcrRef>REF9</AcctSvcrRef>",
    )
    whole = ntry(
        "<TxDtls><RmtInf><Ustrd>C</Ustrd></RmtInf></TxDtls>"
        "<TxDtls><RmtInf><Ustrd>D</Ustrd></RmtInf></TxDtls>",
        amount="7.00",
    )
    entries = parse_statement(camt(split + whole)).entries
    assert [(e.amount.amount, e.remittance_text) for e in entries] == [
        (Decimal("60.00"), "A"),
        (Decimal("40.00"), "B"),
        (Decimal("7.00"), "C D"),
    ]
    assert [e.entry_key for e in entries[:2]] == [
        "camt:NL91ABNA0417164300:REF9:0",
        "camt:NL91ABNA0417164300:REF9:1",
    ]


def test_camt_identical_entries_without_bank_reference_get_distinct_keys():
    same = ntry("<TxDtls><RmtInf><Ustrd>gift</Ustrd></RmtInf></TxDtls>")
    keys = [e.entry_key for e in parse_statement(camt(same + same)).entries]
    assert len(set(keys)) == 2
    assert keys == [e.entry_key for e in parse_statement(camt(same + same)).entries]


def test_camt_reversal_flag_and_return_reason():
    tx = """<TxDtls><RltdPties><Dbtr><Nm>Klant</Nm></Dbtr></RltdPties>
<RtrInf><Rsn><Cd>MD06</Cd></Rsn></RtrInf></TxDtls>"""
    entry = parse_statement(camt(ntry(tx, ind="DBIT", extra="<RvslInd>true</RvslInd>"))).entries[0]
    assert (entry.credit, entry.reversal, entry.return_reason) == (False, True, "MD06")
    # a reversed debit-out reports the original debtor: the customer
    assert entry.counterparty_name == "Klant"


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        (ntry("", amount="12,50"), "line 4: Amt: amount '12,50' uses a comma"),
        (ntry("", ind="XXX"), "CdtDbtInd 'XXX' is not CRDT or DBIT"),
        ("<Ntry><Amt Ccy='EUR'>1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>", "neither BookgDt"),
    ],
)
def test_camt_bad_entry_names_line_and_reason(entries, message):
    with pytest.raises(StatementError, match=message):
        parse_statement(camt(entries))


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<Stmt><Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Document><BkToCstmrStmt><Stmt><Id>&lol3;</Id></Stmt></BkToCstmrStmt></Document>"""


@pytest.mark.parametrize("attack", [XXE, BILLION_LAUGHS], ids=["xxe", "entity-expansion"])
def test_xml_with_doctype_or_entities_is_refused(attack: bytes):
    with pytest.raises(StatementError, match=r"DOCTYPE declaration; refused \(entity expansion"):
        parse_statement(attack)


def test_utf16_doctype_is_refused_too():
    with pytest.raises(StatementError, match="DOCTYPE declaration; refused"):
        parse_statement(XXE.replace(b'<?xml version="1.0"?>', b"").decode().encode("utf-16"))


def test_not_a_statement_document_and_broken_xml():
    report = b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.052.001.02'><BkToCstmrAcctRpt/>"
    with pytest.raises(StatementError, match="not well-formed"):
        parse_statement(report)
    with pytest.raises(StatementError, match="not a CAMT.053 or CAMT.054 document"):
        parse_statement(report + b"</Document>")


def mt940(body: str, account: str = "NL91ABNA0417164300EUR") -> bytes:
    return (f":20:STMT1\n:25:{account}\n:28C:1/1\n:60F:C251231EUR100,00\n{body}-\n").encode()


def test_mt940_reversal_marks_year_boundary_and_structured_rf():
    body = (
        ":61:2512310102RD5,NTRFNONREF\n"
        ":86:/EREF/E1//REMI/STRD/ISO/RF712348231/\n"
        ":61:2601021231RC1,50NTRFNONREF//B2\n"
        ":86:/REMI/USTD//terugboeking/\n"
    )
    first, second = parse_statement(mt940(body)).entries
    assert (first.credit, first.reversal, first.amount.amount) == (True, True, Decimal("5"))
    assert (first.value_date, first.booking_date) == (date(2025, 12, 31), date(2026, 1, 2))
    assert (first.structured_reference, first.reference_type) == ("RF712348231", "SCOR")
    assert (second.credit, second.reversal) == (False, True)
    assert (second.value_date, second.booking_date) == (date(2026, 1, 2), date(2025, 12, 31))


def test_mt940_identical_lines_get_distinct_stable_keys():
    line = ":61:260102C10,00NTRFNONREF\n:86:/REMI/USTD//gift/\n"
    keys = [e.entry_key for e in parse_statement(mt940(line * 2)).entries]
    assert len(set(keys)) == 2
    assert keys == [e.entry_key for e in parse_statement(mt940(line * 2)).entries]


def test_mt940_bad_statement_line_names_its_line():
    with pytest.raises(StatementError, match=r"line 5: :61: '26XX02C10,00NTRF'"):
        parse_statement(mt940(":61:26XX02C10,00NTRF\n"))


def test_files_with_two_accounts_need_parse_statements():
    data = mt940("") + mt940("", account="NL20INGB0001234567")
    assert [s.account_iban for s in parse_statements(data)] == [
        "NL91ABNA0417164300",
        "NL20INGB0001234567",
    ]
    with pytest.raises(StatementError, match="several accounts"):
        parse_statement(data, "two.940")


@pytest.mark.parametrize("data", [b"", b"   \n", b"date,amount\n2026-01-01,12.50\n"])
def test_unknown_or_empty_file_is_refused(data: bytes):
    with pytest.raises(StatementError, match="bank.csv: (statement file is empty|not a CAMT)"):
        parse_statement(data, "bank.csv")


@pytest.mark.parametrize("attack", [XXE, BILLION_LAUGHS], ids=["xxe", "entity-expansion"])
def test_parser_refuses_doctype_even_without_the_byte_scan(attack: bytes, monkeypatch):
    from creditflow import safe_xml
    from creditflow.payments.statements import camt as camt_module

    monkeypatch.setattr(safe_xml, "_refuse_declarations", lambda data: None)
    with pytest.raises(StatementError, match="DOCTYPE declaration; refused"):
        camt_module.parse_camt(attack)


def test_mt940_abn_amro_sepa_layout():
    body = (
        ":61:260102C25,00N654NONREF\n"
        ":86:/TRTP/SEPA OVERBOEKING/IBAN/NL20INGB0001234567/BIC/INGBNL2A/NAME/J JANSEN/REMI/F\n"
        "ACTUUR 2026-0042/EREF/E2E-77\n"
    )
    entry = parse_statement(mt940(body, account="NL91ABNA0417164300")).entries[0]
    assert (entry.counterparty_iban, entry.counterparty_name) == ("NL20INGB0001234567", "J JANSEN")
    assert (entry.remittance_text, entry.end_to_end_id) == ("FACTUUR 2026-0042", "E2E-77")
