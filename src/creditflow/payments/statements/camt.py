"""CAMT.053 statements and CAMT.054 debit/credit notifications (ISO 20022), any version.

Elements are matched on their local names, so .001.02 up to .001.08 and later parse
alike. The XML is untrusted: a document type declaration (where entity expansion and
external entity attacks live) is refused outright, and lxml never resolves entities,
reads the network or builds huge trees.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

from lxml import etree

from creditflow.money import (
    InvalidAmount,
    Money,
    check_amount_size,
    check_currency,
    parse_amount,
)
from creditflow.payments.statements.model import (
    EntryRejected,
    Statement,
    StatementEntry,
    StatementError,
    entry_keys,
)
from creditflow.safe_xml import UnsafeXml, parse_untrusted

__all__ = ["is_camt", "parse_camt"]

_KINDS = {"BkToCstmrStmt": ("camt.053", "Stmt"), "BkToCstmrDbtCdtNtfctn": ("camt.054", "Ntfctn")}
_NOT_PROVIDED = "NOTPROVIDED"


def is_camt(data: bytes) -> bool:
    """True when the bytes look like a CAMT.053/054 XML document."""
    head = data[:4096]
    return any(kind.encode() in head for kind in _KINDS) or (
        head.lstrip().startswith(b"<") and b"camt.05" in head
    )


def _parse_xml(data: bytes) -> etree._Element:
    try:
        root = parse_untrusted(data)
    except UnsafeXml as exc:
        where = f"line {exc.line}: " if exc.line is not None else ""
        raise StatementError(f"{where}statement {exc}") from exc
    for element in root.iter():
        element.tag = etree.QName(element).localname
    return root


def _text(element: etree._Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None:
        return None
    text = " ".join(found.text.split())
    return text or None


def _texts(element: etree._Element, path: str) -> list[str]:
    return [" ".join(e.text.split()) for e in element.findall(path) if e.text and e.text.strip()]


def _date(element: etree._Element, path: str) -> date | None:
    text = _text(element, f"{path}/Dt") or _text(element, f"{path}/DtTm")
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        line = element.find(path).sourceline  # type: ignore[union-attr]
        raise StatementError(f"line {line}: {path} {text!r} is not a date") from exc


def _money(amount_element: etree._Element) -> Money:
    where = f"line {amount_element.sourceline}"
    try:
        currency = check_currency(amount_element.get("Ccy") or "")
        amount = parse_amount(amount_element.text or "")
    except (InvalidAmount, ValueError) as exc:
        raise StatementError(f"{where}: Amt: {exc}") from exc
    try:
        check_amount_size(amount)
    except InvalidAmount as exc:
        raise EntryRejected(f"{where}: Amt: {exc}") from exc
    return Money(amount, currency)


def _bank_code(element: etree._Element) -> str | None:
    domain = element.find("BkTxCd/Domn")
    if domain is not None:
        parts = [_text(domain, "Cd"), _text(domain, "Fmly/Cd"), _text(domain, "Fmly/SubFmlyCd")]
        return "/".join(part for part in parts if part) or None
    return _text(element, "BkTxCd/Prtry/Cd")


@dataclass(frozen=True, slots=True)
class _Party:
    name: str | None
    iban: str | None


def _party(tx: etree._Element, role: str) -> _Party | None:
    parties = tx.find("RltdPties")
    if parties is None:
        return None
    name = _text(parties, f"{role}/Nm") or _text(parties, f"{role}/Pty/Nm")
    iban = _text(parties, f"{role}Acct/Id/IBAN")
    if name is None and iban is None:
        return None
    return _Party(name, iban.replace(" ", "").upper() if iban else None)


def _counterparty(tx: etree._Element, credit: bool, reversal: bool, own_iban: str | None) -> _Party:
    """The other side: the debtor of money coming in, the creditor of money going out.

    A reversal reports the parties of the original movement, so the roles flip; when the
    expected party is absent, the other party is taken unless it is the account itself.
    """
    incoming = credit != reversal
    first, second = ("Dbtr", "Cdtr") if incoming else ("Cdtr", "Dbtr")
    for role in (first, second):
        party = _party(tx, role)
        if party is not None and (party.iban is None or party.iban != own_iban):
            return party
    return _Party(None, None)


def _remittance(tx: etree._Element) -> tuple[str | None, str | None, str | None]:
    """(remittance text, structured reference, reference type) of a transaction."""
    lines = _texts(tx, "RmtInf/Ustrd") + _texts(tx, "RmtInf/Strd/AddtlRmtInf")
    if not lines:
        lines = _texts(tx, "AddtlTxInf")
    reference = None
    reference_type = None
    for creditor_ref in tx.findall("RmtInf/Strd/CdtrRefInf"):
        reference = _text(creditor_ref, "Ref")
        if reference is None:
            continue
        if (_text(creditor_ref, "Tp/CdOrPrtry/Cd") or "").upper() == "SCOR":
            reference_type = "SCOR"
        elif (_text(creditor_ref, "Tp/Issr") or "").upper() == "CUR":
            reference_type = "CUR"
        break
    return (" ".join(lines) or None), reference, reference_type


def _tx_amount(tx: etree._Element) -> Money | None:
    element = tx.find("AmtDtls/TxAmt/Amt")
    if element is None:
        element = tx.find("Amt")
    return _money(element) if element is not None else None


@dataclass(slots=True)
class _Draft:
    key_base: str | None
    identity: tuple[object, ...]
    fields: dict[str, object]


def _entry_drafts(ntry: etree._Element, own_iban: str | None) -> list[_Draft]:
    amount_element = ntry.find("Amt")
    if amount_element is None:
        raise StatementError(f"line {ntry.sourceline}: Ntry has no Amt")
    entry_amount = _money(amount_element)
    indicator = _text(ntry, "CdtDbtInd")
    if indicator not in ("CRDT", "DBIT"):
        raise StatementError(
            f"line {ntry.sourceline}: Ntry CdtDbtInd {indicator!r} is not CRDT or DBIT"
        )
    reversal = (_text(ntry, "RvslInd") or "").lower() in ("true", "1")
    booking = _date(ntry, "BookgDt")
    value = _date(ntry, "ValDt")
    if booking is None and value is None:
        raise StatementError(f"line {ntry.sourceline}: Ntry has neither BookgDt nor ValDt")
    status = _text(ntry, "Sts/Cd") or _text(ntry, "Sts")
    servicer_ref = _text(ntry, "AcctSvcrRef")
    entry_code = _bank_code(ntry)
    txs = ntry.findall("NtryDtls/TxDtls")
    amounts = [_tx_amount(tx) for tx in txs]
    split = len(txs) > 1 and all(amount is not None for amount in amounts)
    groups = [[tx] for tx in txs] if split else [txs]
    drafts = []
    for index, group in enumerate(groups):
        amount = amounts[index] if split else entry_amount
        assert amount is not None
        tx_indicator = _text(group[0], "CdtDbtInd") if split else None
        credit = (tx_indicator or indicator) == "CRDT"
        parties = {_counterparty(tx, credit, reversal, own_iban) for tx in group}
        party = parties.pop() if len(parties) == 1 else _Party(None, None)
        texts: list[str] = []
        reference = reference_type = e2e = reason = tx_code = None
        for tx in group:
            text, ref, ref_type = _remittance(tx)
            texts += [text] if text else []
            reference, reference_type = reference or ref, reference_type or ref_type
            end_to_end = _text(tx, "Refs/EndToEndId")
            e2e = e2e or (end_to_end if end_to_end != _NOT_PROVIDED else None)
            reason = reason or _text(tx, "RtrInf/Rsn/Cd") or _text(tx, "RtrInf/Rsn/Prtry")
            tx_code = tx_code or _bank_code(tx)
        if not texts and not group:
            texts = _texts(ntry, "AddtlNtryInf")
        fields: dict[str, object] = {
            "account_iban": own_iban,
            "booking_date": booking or value,
            "value_date": value,
            "amount": amount,
            "credit": credit,
            "reversal": reversal,
            "status": status,
            "counterparty_name": party.name,
            "counterparty_iban": party.iban,
            "end_to_end_id": e2e,
            "remittance_text": " ".join(texts) or None,
            "structured_reference": reference,
            "reference_type": reference_type,
            "bank_transaction_code": tx_code if split and tx_code else entry_code or tx_code,
            "return_reason": reason,
        }
        key_base = None
        if servicer_ref:
            key_base = f"camt:{own_iban or ''}:{servicer_ref}" + (f":{index}" if split else "")
        tx_refs = tuple(
            _text(tx, path)
            for tx in group
            for path in ("Refs/AcctSvcrRef", "Refs/InstrId", "Refs/EndToEndId", "Refs/MndtId")
        )
        identity: tuple[object, ...] = (own_iban, fields["booking_date"], value, indicator)
        identity += (reversal, str(amount), *tx_refs, fields["remittance_text"], party.iban)
        drafts.append(_Draft(key_base, identity, fields))
    return drafts


def _drop_repeated_keys(drafts: list[_Draft]) -> None:
    """Some banks repeat an AcctSvcrRef; such entries get a hashed key instead."""
    counts = Counter(d.key_base for d in drafts if d.key_base)
    for draft in drafts:
        if draft.key_base and counts[draft.key_base] > 1:
            draft.key_base = None


def _currency(report: etree._Element, where: str) -> str:
    code = _text(report, "Acct/Ccy")
    for path in ("Bal/Amt", "Ntry/Amt"):
        element = report.find(path)
        if code is None and element is not None:
            code = element.get("Ccy")
    if code is None:
        raise StatementError(f"{where}: no currency (Acct/Ccy, Bal/Amt or Ntry/Amt)")
    try:
        return check_currency(code)
    except ValueError as exc:
        raise StatementError(f"{where}: {exc}") from exc


def parse_camt(data: bytes) -> list[Statement]:
    """Every statement (CAMT.053 Stmt, CAMT.054 Ntfctn) in a CAMT document, in file order."""
    root = _parse_xml(data)
    message = next(iter(root), None) if root.tag == "Document" else root
    if message is None or message.tag not in _KINDS:
        found = message.tag if message is not None else root.tag
        raise StatementError(
            f"not a CAMT.053 or CAMT.054 document: found {found!r} "
            "(expected BkToCstmrStmt or BkToCstmrDbtCdtNtfctn)"
        )
    kind, report_tag = _KINDS[message.tag]
    statements = []
    for report in message.findall(report_tag):
        report_id = _text(report, "Id") or _text(message, "GrpHdr/MsgId") or ""
        where = f"line {report.sourceline}: {report_tag} {report_id!r}"
        iban = _text(report, "Acct/Id/IBAN")
        own_iban = iban.replace(" ", "").upper() if iban else None
        currency = _currency(report, where)
        drafts: list[_Draft] = []
        rejected: list[str] = []
        for ntry in report.findall("Ntry"):
            try:
                drafts += _entry_drafts(ntry, own_iban)
            except EntryRejected as exc:
                rejected.append(str(exc))
        _drop_repeated_keys(drafts)
        hashed = iter(entry_keys("camt", [d.identity for d in drafts if d.key_base is None]))
        entries = [
            StatementEntry(entry_key=d.key_base or next(hashed), **d.fields)  # type: ignore[arg-type]
            for d in drafts
        ]
        statements.append(Statement(kind, report_id, own_iban, currency, entries, rejected))  # type: ignore[arg-type]
    if not statements:
        raise StatementError(f"{kind} document has no {report_tag} element")
    return statements
