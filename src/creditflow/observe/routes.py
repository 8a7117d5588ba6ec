"""`GET /metrics` (Prometheus text format) and `GET /api/ready` (readiness)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from creditflow.observe.metrics import installation_registry
from creditflow.observe.ready import readiness

router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """The installation's metrics, read from the database now, and this process's own."""
    state = request.app.state
    registry = getattr(state, "metrics_registry", None)
    if registry is None:
        registry = state.metrics_registry = installation_registry(state.engine)
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


@router.get("/api/ready")
def ready(request: Request) -> JSONResponse:
    """200 when the database answers and is at the newest migration, else 503 saying why."""
    verdict = readiness(request.app.state.engine)
    return JSONResponse(verdict, status_code=200 if verdict["status"] == "ready" else 503)
