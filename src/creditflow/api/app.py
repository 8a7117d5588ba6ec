"""The web application: REST API, pay page, debtor portal, provider webhooks.

`create_app(settings)` builds a FastAPI app; nothing is created at import time.
Each area contributes an `APIRouter` named `router` in its `routes` module, listed
in ROUTERS below. A router under `/api` carries `Depends(api_access)` and one under
`/workbench` `Depends(page_access)` (creditflow.staff.access, docs/staff.md).
"""

from __future__ import annotations

from dataclasses import replace
from importlib import import_module

from fastapi import FastAPI

from creditflow.config import Settings
from creditflow.db import make_engine, session_factory

ROUTERS: tuple[str, ...] = (
    "creditflow.api.routes",
    "creditflow.api.v1.customers",
    "creditflow.api.v1.invoices",
    "creditflow.api.v1.payments",
    "creditflow.api.v1.collection",
    "creditflow.api.v1.ubl",
    "creditflow.api.v1.timeline",
    "creditflow.api.v1.contact_points",
    "creditflow.workbench.figures_api",
    "creditflow.workbench.worklist_api",
    "creditflow.payments.routes",
    "creditflow.payments.sandbox_routes",
    "creditflow.portal.routes",
    "creditflow.portal.short_link_routes",
    "creditflow.inbound.routes",
    "creditflow.dispatch.routes",
    "creditflow.staff.routes",
    "creditflow.staff.oidc_routes",
    "creditflow.workbench.today",
    "creditflow.workbench.strategy_pages",
    "creditflow.workbench.strategy_simulate",
    "creditflow.workbench.settings_pages",
    "creditflow.workbench.setup_pages",
    "creditflow.workbench.queues",
    "creditflow.workbench.customers",
    "creditflow.workbench.customer_actions",
    "creditflow.workbench.exports",
    "creditflow.workbench.dashboard",
    "creditflow.observe.routes",
)


def create_app(settings: Settings) -> FastAPI:
    """Build the app for these settings; the engine lives on `app.state`."""
    from creditflow.api.v1.problems import install as install_problems
    from creditflow.staff.access import install as install_access

    # The API's schema and docs are served by creditflow.api.routes, behind the sign-in.
    app = FastAPI(
        title="creditflow", version="0.1.0", docs_url=None, redoc_url=None, openapi_url=None
    )
    install_access(app)
    install_problems(app)
    engine = make_engine(settings.database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = session_factory(engine)
    if settings.serve.send_at_once:
        from creditflow.dispatch.immediate import install

        install(app, engine, settings, app.state.sessions)
    for module in ROUTERS:
        app.include_router(import_module(module).router)
    from creditflow.observe.metrics import install_webhook_counter

    install_webhook_counter(app)
    return app


def serve_settings(settings: Settings, host: str, port: int) -> Settings:
    """Settings for `serve` on host:port: links point at this server unless configured."""
    if settings.portal_base_url_configured:
        return settings
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104
    if ":" in shown:
        shown = f"[{shown}]"
    return replace(settings, portal_base_url=f"http://{shown}:{port}")
