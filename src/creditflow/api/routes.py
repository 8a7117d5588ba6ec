"""REST API for the ledger and the outbox (read side for integrations and the workbench)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse

from creditflow.dispatch.service import list_actions
from creditflow.staff.access import api_access

# Every route here needs a staff session or an API key, except /api/health (DESIGN 4.5).
router = APIRouter(prefix="/api", tags=["api"], dependencies=[Depends(api_access)])


@router.get("/health")
def health() -> dict[str, str]:
    """Liveness check."""
    return {"status": "ok"}


@router.get("/actions")
def actions(
    request: Request,
    customer: str | None = Query(default=None),
    status: str | None = Query(default=None),
    limit: int = Query(default=500, ge=1, le=10_000),
) -> list[dict[str, Any]]:
    """Actions in the public JSON shape (DESIGN 4.2)."""
    return list_actions(request.app.state.engine, customer=customer, status=status, limit=limit)


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request) -> JSONResponse:
    """The OpenAPI schema of the app (for signed-in staff and API keys)."""
    return JSONResponse(request.app.openapi())


@router.get("/docs", include_in_schema=False)
def docs(request: Request) -> HTMLResponse:
    """The API reference drawn from the schema above, on the server (no CDN, no script)."""
    from creditflow.api.reference import render_reference

    html, csp = render_reference(request.app.openapi())
    return HTMLResponse(
        html,
        headers={
            "Content-Security-Policy": csp,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )
