"""The web application: REST API, pay page, debtor portal, provider webhooks.

`create_app(settings)` builds a FastAPI app; nothing is created at import time.
Each area contributes an `APIRouter` named `router` in its `routes` module, listed
in ROUTERS below.
"""

from __future__ import annotations

from importlib import import_module

from fastapi import FastAPI

from creditflow.config import Settings
from creditflow.db import make_engine, session_factory

ROUTERS: tuple[str, ...] = (
    "creditflow.api.routes",
    "creditflow.payments.routes",
    "creditflow.portal.routes",
    "creditflow.portal.short_link_routes",
    "creditflow.inbound.routes",
    "creditflow.dispatch.routes",
)


def create_app(settings: Settings) -> FastAPI:
    """Build the app for these settings; the engine lives on `app.state`."""
    app = FastAPI(title="creditflow", version="0.1.0", docs_url="/api/docs", redoc_url=None)
    engine = make_engine(settings.database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    for module in ROUTERS:
        app.include_router(import_module(module).router)
    return app
