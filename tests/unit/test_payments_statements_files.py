"""Every real bank file in ../shared/testdata/bank parses to what the file says, entry by entry."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from creditflow.payments.statements import Statement, parse_statement, parse_statements

BANK = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "bank"

if not BANK.is_dir():
    pytest.skip(f"shared bank test files not found at {BANK}", allow_module_level=True)

D = date
# (booking, value, amount, credit, reversal, counterparty name, counterparty IBAN,
#  end-to-end id, remittance text)
EXPECTED: dict[str, tuple[str, str, str, list[tuple]]] = {
    "oca-camt053.xml": (
        "camt.053",
        "NL77ABNA0574908765",
        "EUR",
        [
            (D(2014, 1, 5), D(2014, 1, 5), "754.25", False, False, "INSURANCE COMPANY TESTX",
             "NL46ABNA0499998748", "435005714488-ABNO33052620",
             "Insurance policy 857239PERIOD 01.01.2014 - 31.12.2014"),
            # one reversed batch entry of 664.05 with two TxDtls: one entry per TxDtls
            (D(2014, 1, 5), D(2014, 1, 5), "564.05", False, True, "Test Customer",
             "NL46ABNA0499998748", "TESTBANK/NL/20141229/01206408", "Direct Debit S14 0410"),
            (D(2014, 1, 5), D(2014, 1, 5), "100.00", False, True, "Test Customer",
             "NL46ABNA0499998748", "TESTBANK/NL/20141229/01206407", "Direct Debit S14 0410"),
            # no RmtInf: the bank's AddtlTxInf is the remittance text
            (D(2014, 1, 5), D(2014, 1, 5), "1405.31", True, False, "3rd party Media",
             "NL69ABNA0522123643", "115", "#RD PARTY MEDIA CUSNO 90782 4210773"),
        ],
    ),
    "oca-camt053-txdtls.xml": (
        "camt.053",
        "CH1111000000123456789",
        "CHF",
        [
            (D(2017, 3, 22), D(2017, 3, 23), "2187.00", True, False, "Banque Cantonale Vaudoise",
             "CH2222000000123456789", None, "?REJECT?0"),
            (D(2017, 3, 22), D(2017, 3, 23), "1296.00", True, False, "Banque Cantonale Vaudoise",
             "CH3333000000123456789", None, "?REJECT?0"),
        ],
    ),
    "oca-camt054.xml": (
        "camt.054",
        "NL77ABNA0574908765",
        "EUR",
        [
            (D(2022, 1, 26), D(2022, 1, 26), "5.00", True, False, "Test Customer",
             "NL46ABNA0499998748", "ENDTOENDID-01", None),
        ],
    ),
    "oca-ing.940": (
        "mt940",
        "NL77INGB0574908765",
        "EUR",
        [
            (D(2014, 2, 20), D(2014, 2, 20), "1.56", True, False, "ING BANK NV INZAKE WEB",
             "NL32INGB0000012345", "EV12341REP1231456T1234", "EV10001REP1000000T1000"),
            (D(2014, 2, 20), D(2014, 2, 20), "1.57", False, False, None, None, None,
             "TOTAAL 1 VZ"),
            (D(2014, 2, 20), D(2014, 2, 20), "1.57", True, False, "J.Janssen",
             "NL32INGB0000012345", "20120123456789", "Factuurnr 123456 Klantnr 00123"),
            # :86: wrapped mid-word, with a line holding only "-" inside the mandate id
            (D(2014, 2, 20), D(2014, 2, 20), "1.14", False, False, "ING Bank N.V. inzake WeB",
             "NL32INGB0000012345", "EV123REP123412T1234", "EV123REP123412T1234"),
            (D(2014, 2, 20), D(2014, 2, 20), "1.45", True, False, None, None, None,
             "TOTAAL 1 POSTEN"),
            (D(2014, 2, 20), D(2014, 2, 20), "12.75", False, False, "J.Janssen",
             "NL32INGB0000012345", "20120501P0123478", "CONTRIBUTIE FEB 2014"),
            (D(2014, 2, 20), D(2014, 2, 20), "32.00", True, False, "J.Janssen",
             "NL32INGB0000012345", "15814016000676480", None),
            # the name is wrapped at column 65 between "ING" and "BANK": the file says INGBANK
            (D(2014, 2, 20), D(2014, 2, 20), "119.00", False, False, "INGBANK NV",
             "NL32INGB0000012345", "15614016000384600", None),
        ],
    ),
    "oca-rabo.swi": (
        "mt940",
        "NL34RABO0142623393",
        "EUR",
        [
            (D(2014, 1, 2), D(2014, 1, 2), "400.00", True, False, "R. SMITH",
             "NL66RABO0160878799", None, "Test money paid by other partner:"),
            (D(2014, 1, 1), D(2014, 1, 1), "34.61", False, False, "Kosten", None, None,
             "Periode 01-10-2013 t/m 31-12-2013"),
        ],
    ),
    "oca-sns.940": (
        "mt940",
        "NL05SNSB0908244436",
        "EUR",
        [
            (D(2017, 12, 27), D(2017, 12, 27), "713.13", False, False,
             "gerrits glas en schilderwerk", "NL49RABO0166416932", None, "Factuur 17227/248/20"),
            (D(2017, 12, 27), D(2017, 12, 27), "10.18", False, False, None, None, None,
             "Jumbo Wijchen B.V. >WIJCHEN 27.12.2017 13U38 KV005 4XZJ4Z MCC:5411 "
             "Contactloze betaling"),
            (D(2017, 12, 27), D(2017, 12, 27), "13.52", False, False, "vitens nv",
             "NL94INGB0000869000", None,
             "Europese incasso door:VITENS NV NL-Factuurnr 072304597540 VNKlantnr 00000000000 "
             "BTW 0,77PC 6605 DW 6223, DEC-Incassant ID: NL84ZZZ050695810000-Kenmerk "
             "Machtiging: bla"),
            (D(2017, 12, 27), D(2017, 12, 27), "25.61", False, False, None, None, None,
             "Albert Heijn 1370 >WIJCHEN 27.12.2017 19U13 KV006 70X708 MCC:5411"),
            (D(2017, 12, 28), D(2017, 12, 28), "10.95", False, False, "antagonist b.v.",
             "NL40RABO0127859497", None,
             "Europese incasso door:ANTAGONIST B.V. NL-DDWPN954156 AI529942Cwebshare.nl-"
             "Incassant ID: NL65ZZZ091364410000-Kenmerk Machtiging: bla"),
            (D(2017, 12, 28), D(2017, 12, 28), "0.00", True, False, None, None, None,
             "Mobiel betalen is vanaf nu niet meer mogelijk voor BERG M A VAN DEN met Lenovo P2"),
            (D(2017, 12, 29), D(2017, 12, 29), "907.29", False, False, "florius",
             "NL19ABNA0427093546", None,
             "Europese incasso door:FLORIUS NL-Verschuldigde bedragen PERIODE 12-2017-"
             "Incassant ID: NL42ZZZ080242850000-Kenmerk Machtiging: bla"),
            (D(2017, 12, 29), D(2017, 12, 29), "35.00", False, False,
             "stichting derdengelden bucka", "NL28DEUT0265186439", None,
             "Europese incasso door:STICHTING DERDENGELDEN BUCKAROO-T-Mobile Thuis B.V.: "
             "Rekening dec 2017. Bekijk je rekening op thuismy.t-mobile.nl-Incassant ID: "
             "NL39ZZZ302317620000-Kenmerk Machtiging: bla"),
        ],
    ),
}  # fmt: skip


def _read(name: str) -> Statement:
    return parse_statement((BANK / name).read_bytes(), name)


def test_every_bank_test_file_is_covered():
    assert sorted(p.name for p in BANK.iterdir() if p.is_file()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_file_parses_to_what_it_says(name: str):
    kind, account, currency, rows = EXPECTED[name]
    statement = _read(name)
    assert (statement.format, statement.account_iban, statement.currency) == (
        kind,
        account,
        currency,
    )
    got = [
        (
            e.booking_date,
            e.value_date,
            str(e.amount.amount),
            e.credit,
            e.reversal,
            e.counterparty_name,
            e.counterparty_iban,
            e.end_to_end_id,
            e.remittance_text,
        )
        for e in statement.entries
    ]
    assert got == rows
    assert all(e.amount.currency == currency and e.amount.amount >= 0 for e in statement.entries)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_entry_keys_are_unique_and_stable_across_reimport(name: str):
    first = [e.entry_key for e in _read(name).entries]
    assert len(set(first)) == len(first)
    assert [e.entry_key for e in _read(name).entries] == first


def test_camt_entry_key_uses_the_banks_reference_with_the_txdtls_index():
    keys = [e.entry_key for e in _read("oca-camt053-txdtls.xml").entries]
    assert keys == [
        "camt:CH1111000000123456789:20170323001234567891234567891234:0",
        "camt:CH1111000000123456789:20170323001234567891234567891234:1",
    ]


def test_camt_structured_reference_return_reason_and_bank_code():
    reversed_dd = _read("oca-camt053.xml").entries[1]
    assert (reversed_dd.return_reason, reversed_dd.bank_transaction_code) == (
        "AC06",
        "PMNT/IDDT/UPDD",
    )
    notification = _read("oca-camt054.xml").entries[0]
    # a Swiss QR reference: proprietary type, neither SCOR nor CUR
    assert notification.structured_reference == "000000000000000000000000003"
    assert notification.reference_type is None
    assert notification.status == "BOOK"


def test_ing_return_code_and_currence_reference():
    entries = _read("oca-ing.940").entries
    assert entries[2].return_reason == "MS03"
    assert (entries[6].structured_reference, entries[6].reference_type) == (
        "9001123412341234",
        "CUR",
    )
    assert entries[0].bank_transaction_code == "NTRF"


def test_mt940_files_with_several_statements():
    rabo = parse_statements((BANK / "oca-rabo.swi").read_bytes())
    assert [s.statement_id for s in rabo] == [
        "940S140102 0",
        "940S140103 0",
        "940S140106 0",
        "940S140107 0",
    ]
    assert [len(s.entries) for s in rabo] == [1, 0, 1, 0]
    sns = parse_statements((BANK / "oca-sns.940").read_bytes())
    assert [s.statement_id for s in sns] == [
        "0000000000 361/1",
        "0000000000 362/1",
        "0000000000 363/1",
    ]
    assert _read("oca-sns.940").statement_id == "+".join(s.statement_id for s in sns)
