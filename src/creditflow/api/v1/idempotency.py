"""`Idempotency-Key` on every POST: the same key and body get the stored answer again.

The answer is stored in the same transaction as the change it reports, so a client
that lost the first answer (a timeout, a dropped connection) and repeats the request
sees exactly what happened, and nothing is written twice. The same key with another
body (or another path) is a 422 problem; a key is kept for a day (`KEEP`), per API
key or user, so two clients never share keys.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from creditflow.api.v1.models import IdempotentRequest
from creditflow.api.v1.problems import ApiProblem
from creditflow.staff.access import current_staff, now_of

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEEP = timedelta(hours=24)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias=HEADER,
        min_length=1,
        max_length=255,
        description=(
            "Any unique string (a UUID). Repeating a POST with the same key and body "
            "returns the stored answer; the same key with another body is refused (422). "
            "Kept for 24 hours."
        ),
    ),
]


def body_digest(content: Any) -> str:
    """SHA-256 of the request body: bytes as sent, or a parsed body as canonical JSON."""
    if isinstance(content, bytes):
        return hashlib.sha256(content).hexdigest()
    canonical = json.dumps(jsonable_encoder(content), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent(
    session: Session,
    request: Request,
    key: str | None,
    digest: str,
    work: Callable[[], tuple[int, dict[str, Any]]],
) -> JSONResponse:
    """Run `work` once per key: a repeat with the same body returns the stored answer."""
    if key is None:
        status, content = work()
        return JSONResponse(content, status_code=status)
    principal = current_staff(request).actor
    now = now_of(request)
    found = session.scalars(
        select(IdempotentRequest).where(
            IdempotentRequest.principal == principal, IdempotentRequest.key == key
        )
    ).first()
    if found is not None and found.expires_at <= now:
        session.execute(delete(IdempotentRequest).where(IdempotentRequest.id == found.id))
        found = None
    if found is not None:
        if found.request_hash != digest or found.path != request.url.path:
            raise ApiProblem(
                422,
                f"This {HEADER} was used for another request "
                f"({found.method} {found.path}); send a new key for a new request.",
                [{"field": HEADER, "reason": "already used with another body or path"}],
            )
        answer = JSONResponse(found.response, status_code=found.status_code)
        answer.headers[REPLAYED] = "true"
        return answer
    status, content = work()
    content = jsonable_encoder(content)
    record = IdempotentRequest(
        principal=principal,
        key=key,
        method=request.method,
        path=request.url.path,
        request_hash=digest,
        status_code=status,
        response=content,
        created_at=now,
        expires_at=now + KEEP,
    )
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError as exc:
        raise ApiProblem(
            409, f"A request with this {HEADER} is being answered right now; repeat it shortly."
        ) from exc
    return JSONResponse(content, status_code=status)
