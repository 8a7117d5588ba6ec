"""Bank statements in (CAMT.053, CAMT.054, MT940): bytes in, Statement dataclasses out."""

from __future__ import annotations

from creditflow.payments.statements.camt import is_camt, parse_camt
from creditflow.payments.statements.model import Statement, StatementEntry, StatementError
from creditflow.payments.statements.mt940 import is_mt940, parse_mt940

__all__ = [
    "Statement",
    "StatementEntry",
    "StatementError",
    "parse_statement",
    "parse_statements",
]

_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def parse_statements(data: bytes, filename: str | None = None) -> list[Statement]:
    """Every statement in a file, the format detected from the content (not the name)."""
    where = f"{filename}: " if filename else ""
    if not data or not data.strip():
        raise StatementError(f"{where}statement file is empty")
    head = data.lstrip(b"\xef\xbb\xbf\xff\xfe\r\n\t ")
    try:
        if head.startswith(b"<") or data[:2] in _UTF16_BOMS or is_camt(data):
            return parse_camt(data)
        text = data.decode("utf-8", errors="replace")
        if is_mt940(text):
            return parse_mt940(data)
    except StatementError as exc:
        raise StatementError(f"{where}{exc}") from exc
    raise StatementError(f"{where}not a CAMT.053/054 XML document nor an MT940 statement")


def parse_statement(data: bytes, filename: str | None = None) -> Statement:
    """The file's statements as one Statement (several only when of one account and currency).

    MT940 files often hold one statement per day; they are merged in file order with
    their ids joined by "+". Files with several accounts raise; use parse_statements.
    """
    statements = parse_statements(data, filename)
    first = statements[0]
    if len(statements) == 1:
        return first
    accounts = {(s.account_iban, s.currency) for s in statements}
    if len(accounts) > 1:
        listed = ", ".join(f"{iban} {currency}" for iban, currency in sorted(accounts, key=str))
        where = f"{filename}: " if filename else ""
        raise StatementError(
            f"{where}file holds statements of several accounts ({listed}); "
            "use parse_statements to read them one by one"
        )
    ids: list[str] = []
    for statement in statements:
        if statement.statement_id not in ids:
            ids.append(statement.statement_id)
    return Statement(
        format=first.format,
        statement_id="+".join(ids),
        account_iban=first.account_iban,
        currency=first.currency,
        entries=[entry for statement in statements for entry in statement.entries],
        rejected=[reason for statement in statements for reason in statement.rejected],
    )
