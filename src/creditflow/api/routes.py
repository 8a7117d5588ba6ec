"""REST API for the ledger and the outbox (read side for integrations and the workbench)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request

from creditflow.dispatch.service import list_actions

router = APIRouter(prefix="/api", tags=["api"])


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
