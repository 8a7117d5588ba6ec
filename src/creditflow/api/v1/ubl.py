"""`POST /api/v1/ubl`: one UBL 2.1 Invoice or CreditNote (Peppol BIS 3, NLCIUS) as the body."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session

from creditflow.api.v1.common import PROBLEM, WRITE_ERRORS, SessionDep, SettingsDep, staff_of
from creditflow.api.v1.idempotency import IdempotencyKey, body_digest, idempotent
from creditflow.api.v1.problems import ApiProblem
from creditflow.api.v1.schemas import UblOut, UblRejectOut
from creditflow.config import Settings
from creditflow.ledger.service import audit
from creditflow.ledger.ubl import MAX_DOCUMENT_BYTES
from creditflow.ledger.ubl_import import import_ubl_on
from creditflow.staff.access import api_access

router = APIRouter(prefix="/api/v1", tags=["e-invoices"], dependencies=[Depends(api_access)])
XML_TYPES = ("application/xml", "text/xml")


async def xml_body(request: Request) -> bytes:
    """The request body: an XML document of at most the UBL size limit."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in XML_TYPES:
        raise ApiProblem(
            415, "Send the UBL document as the body with Content-Type: application/xml."
        )
    data = await request.body()
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ApiProblem(413, f"The document is larger than {MAX_DOCUMENT_BYTES} bytes.")
    return data


@router.post(
    "/ubl",
    response_model=UblOut,
    responses={
        413: {"description": "Larger than the UBL limit", **PROBLEM},
        415: {"description": "Not sent as application/xml", **PROBLEM},
        **WRITE_ERRORS,
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/xml": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
    summary="Import one UBL Invoice or CreditNote (a credit note lowers its invoice)",
)
def import_ubl(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    data: Annotated[bytes, Depends(xml_body)],
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """200 with the counts; a document that is not taken is a 422 problem with the reason."""
    return idempotent(
        session,
        request,
        idempotency_key,
        body_digest(data),
        lambda: _import(session, request, settings, data),
    )


def _import(
    session: Session, request: Request, settings: Settings, data: bytes
) -> tuple[int, dict[str, Any]]:
    outcome = import_ubl_on(session.connection(), [("request", data)], settings)
    summary = outcome.summary
    if outcome.rejects:
        reject = outcome.rejects[0]
        where = f" (line {reject.line})" if reject.line else ""
        raise ApiProblem(
            422,
            f"The document was not taken{where}: {reject.error}",
            [{"field": reject.document or "body", "reason": reject.error}],
        )
    session.expire_all()
    audit(session, staff_of(request).actor, "api.import", "ubl", None, {"line": summary.line()})
    out = UblOut(
        imported=summary.imported,
        updated=summary.updated,
        unchanged=summary.unchanged,
        rejected=summary.rejected,
        warnings=summary.warnings,
        rejects=[
            UblRejectOut(document=r.document, number=r.number, line=r.line, error=r.error)
            for r in outcome.rejects
        ],
    )
    return 200, out.model_dump(mode="json")
