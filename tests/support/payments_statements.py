"""Helpers for the statement import tests: seed a ledger through the real importers,
write small CAMT.053 and MT940 statements, and read back what the import did."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import Engine, text

from creditflow.config import Settings
from creditflow.ledger.imports import import_customers, import_invoices

OWN_IBAN = "NL91ABNA0417164300"
CUSTOMER_FIELDS = ["customer_id", "name", "kind", "iban", "email"]
INVOICE_FIELDS = [
    "invoice_number", "customer_id", "issue_date", "due_date", "amount", "currency",
    "payment_reference",
]  # fmt: skip


def seed_ledger(
    engine: Engine,
    settings: Settings,
    folder: Path,
    customers: list[dict[str, str]],
    invoices: list[dict[str, str]],
) -> None:
    """Import customers and invoices from CSV files written in `folder`, as a user would."""
    for name, fields, rows, importer in (
        ("customers.csv", CUSTOMER_FIELDS, customers, import_customers),
        ("invoices.csv", INVOICE_FIELDS, invoices, import_invoices),
    ):
        path = folder / name
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
        summary = importer(engine, path, settings)
        assert summary.rejected == 0, f"{name}: {summary.line()}"


@dataclass
class Tx:
    """One statement line to write: money in (credit) unless told otherwise."""

    amount: str
    name: str | None = None
    iban: str | None = None
    text: str | None = None
    rf: str | None = None
    kenmerk: str | None = None
    e2e: str | None = None
    credit: bool = True
    reversal: bool = False
    return_reason: str | None = None
    currency: str = "EUR"
    booked: str = "2026-03-02"
    status: str = "BOOK"


def _party(tx: Tx) -> str:
    if tx.name is None and tx.iban is None:
        return ""
    role = "Dbtr" if tx.credit != tx.reversal else "Cdtr"
    name = f"<{role}><Nm>{escape(tx.name)}</Nm></{role}>" if tx.name else ""
    account = f"<{role}Acct><Id><IBAN>{tx.iban}</IBAN></Id></{role}Acct>" if tx.iban else ""
    return f"<RltdPties>{name}{account}</RltdPties>"


def _remittance(tx: Tx) -> str:
    if tx.rf:
        kind = "<Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>"
        return f"<RmtInf><Strd><CdtrRefInf>{kind}<Ref>{tx.rf}</Ref></CdtrRefInf></Strd></RmtInf>"
    if tx.kenmerk:
        kind = "<Tp><Issr>CUR</Issr></Tp>"
        return (
            f"<RmtInf><Strd><CdtrRefInf>{kind}<Ref>{tx.kenmerk}</Ref></CdtrRefInf></Strd></RmtInf>"
        )
    return f"<RmtInf><Ustrd>{escape(tx.text)}</Ustrd></RmtInf>" if tx.text else ""


def camt053(*txs: Tx, statement_id: str = "STMT-1", account: str = OWN_IBAN) -> bytes:
    """A CAMT.053.001.02 statement with one entry per transaction."""
    entries = []
    for number, tx in enumerate(txs, 1):
        reversal = "<RvslInd>true</RvslInd>" if tx.reversal else ""
        e2e = f"<Refs><EndToEndId>{tx.e2e}</EndToEndId></Refs>" if tx.e2e else ""
        returned = (
            f"<RtrInf><Rsn><Cd>{tx.return_reason}</Cd></Rsn></RtrInf>" if tx.return_reason else ""
        )
        entries.append(
            f'<Ntry><Amt Ccy="{tx.currency}">{tx.amount}</Amt>'
            f"<CdtDbtInd>{'CRDT' if tx.credit else 'DBIT'}</CdtDbtInd>{reversal}"
            f"<Sts>{tx.status}</Sts><BookgDt><Dt>{tx.booked}</Dt></BookgDt>"
            f"<ValDt><Dt>{tx.booked}</Dt></ValDt>"
            f"<AcctSvcrRef>{statement_id}-{number}</AcctSvcrRef>"
            f"<NtryDtls><TxDtls>{e2e}{_party(tx)}{_remittance(tx)}{returned}</TxDtls></NtryDtls>"
            "</Ntry>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>{statement_id}</MsgId><CreDtTm>2026-03-02T18:00:00</CreDtTm></GrpHdr>"
        f"<Stmt><Id>{statement_id}</Id><Acct><Id><IBAN>{account}</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        + "".join(entries)
        + "</Stmt></BkToCstmrStmt></Document>"
    ).encode()


def mt940(*txs: Tx, statement_id: str = "STMT1", account: str = OWN_IBAN) -> bytes:
    """An MT940 statement as ING writes it (structured :86: codewords)."""
    lines = [":20:" + statement_id, f":25:{account}EUR", ":28C:1", ":60F:C260301EUR1000,00"]
    for number, tx in enumerate(txs, 1):
        mark = {(True, False): "C", (False, False): "D", (True, True): "RD", (False, True): "RC"}
        day = tx.booked[2:4] + tx.booked[5:7] + tx.booked[8:10]
        amount = tx.amount.replace(".", ",")
        lines.append(
            f":61:{day}{day[2:]}{mark[tx.credit, tx.reversal]}{amount}NTRFNONREF//{number}"
        )
        details = f"/RTRN/{tx.return_reason}/" if tx.return_reason else ""
        details += f"/EREF/{tx.e2e or 'NOTPROVIDED'}/"
        if tx.iban:
            details += f"/CNTP/{tx.iban}/INGBNL2A/{tx.name or ''}/AMSTERDAM/"
        if tx.kenmerk:
            details += f"/REMI/STRD/CUR/{tx.kenmerk}/"
        elif tx.rf:
            details += f"/REMI/STRD/ISO/{tx.rf}/"
        elif tx.text:
            details += f"/REMI/USTD//{tx.text}/"
        lines.append(":86:" + details)
    lines += [":62F:C260302EUR1000,00", "-"]
    return ("\r\n".join(lines) + "\r\n").encode()


def write(folder: Path, name: str, data: bytes) -> Path:
    """Write a statement file and return its path."""
    path = folder / name
    path.write_bytes(data)
    return path


def scalar(engine: Engine, sql: str, **params: Any) -> Any:
    """One value from the database."""
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def rows(engine: Engine, sql: str, **params: Any) -> list[dict[str, Any]]:
    """Rows from the database as dicts."""
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql), params)]


def invoice_state(engine: Engine, number: str) -> tuple[str, int]:
    """(status, open amount in cents) of an invoice."""
    found = rows(
        engine, "SELECT status, open_minor FROM invoice WHERE invoice_number = :n", n=number
    )
    return found[0]["status"], found[0]["open_minor"]


def ledger_counts(engine: Engine) -> dict[str, int]:
    """How many rows the tables a statement import writes hold."""
    tables = ("statement_entry", "payment", "allocation", "event", "audit_log")
    return {table: scalar(engine, f"SELECT count(*) FROM {table}") for table in tables}
