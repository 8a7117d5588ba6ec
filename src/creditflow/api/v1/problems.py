"""RFC 9457 problem details for every error under `/api`: validation names the field."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException

PROBLEM_TYPE = "application/problem+json"
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Unprocessable Content",
}


class ApiProblem(Exception):
    """An error a v1 route answers with: status, detail and, for bad input, the fields."""

    def __init__(
        self, status: int, detail: str, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []


def problem_response(
    status: int, detail: str, errors: list[dict[str, str]] | None = None, **extra: Any
) -> JSONResponse:
    """The problem details document for this status (with `errors` for bad input)."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE)


def ledger_errors(error: str) -> list[dict[str, str]]:
    """The importers' reject reason ("field: reason; field: reason") as field and reason."""
    found: list[dict[str, str]] = []
    for part in error.split("; "):
        field, sep, reason = part.partition(": ")
        found.append({"field": field, "reason": reason} if sep else {"field": "", "reason": part})
    return found


def _field(location: tuple[Any, ...]) -> str:
    """A validation error's location as a field path: body.items.0.amount -> items[0].amount."""
    parts = [str(p) for p in location if p not in ("body",)]
    text = ""
    for part in parts:
        text += f"[{part}]" if part.isdigit() else (f".{part}" if text else part)
    return text


def install(app: FastAPI) -> None:
    """Answer bad input and HTTP errors under `/api` as problem details."""
    from fastapi.exception_handlers import (
        http_exception_handler,
        request_validation_exception_handler,
    )

    async def invalid(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if not request.url.path.startswith("/api"):
            return await request_validation_exception_handler(request, exc)
        errors = [
            {"field": _field(tuple(e.get("loc", ()))), "reason": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        shown = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5])
        return problem_response(422, f"The request is not valid: {shown}", errors)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if not request.url.path.startswith("/api"):
            return await http_exception_handler(request, exc)
        response = problem_response(exc.status_code, str(exc.detail))
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    async def api_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiProblem)
        return problem_response(exc.status, exc.detail, exc.errors)

    async def conflict(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, IntegrityError)
        if not request.url.path.startswith("/api"):
            raise exc
        return problem_response(
            409, "Another request wrote the same record at the same moment; repeat this one."
        )

    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(IntegrityError, conflict)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(ApiProblem, api_problem)
