"""A small ledger and a running creditflow web app, for pay page and webhook tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, text

from creditflow.api.app import create_app
from creditflow.config import Organisation, Settings
from creditflow.config.sections import PaymentsSettings
from creditflow.db import transaction
from creditflow.ledger.imports import import_customers, import_invoices
from creditflow.ledger.service import ensure_organisation, link_secret
from creditflow.links.tokens import make_customer_token
from tests.support.serve_asgi import listening_socket, serving

ORGANISATION = Organisation(
    name="Voorbeeld Installatie B.V.",
    iban="NL91ABNA0417164300",
    bic="ABNANL2A",
    email="debiteuren@voorbeeld-installatie.nl",
    phone="+31201234567",
)
CUSTOMERS = (
    "customer_id,name,kind,language,country,email,phone\n"
    "C001,Jan de Vries,consumer,nl,NL,jan@example.nl,+31612345678\n"
    'C002,"<script>alert(1)</script> & Zn",consumer,en,NL,info@example.com,\n'
)
INVOICES = (
    "invoice_number,customer_id,issue_date,due_date,amount\n"
    "INV-1001,C001,2026-01-01,2026-01-31,100.00\n"
    "INV-1002,C001,2026-01-10,2026-02-09,50.50\n"
    "INV-2001,C002,2026-01-05,2026-02-04,75.00\n"
)
RUN_DAY = datetime(2026, 2, 7, 8, 0, tzinfo=UTC)
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def seed_ledger(engine: Engine, settings: Settings, folder: Path) -> None:
    """Two customers with open invoices (and the organisation row)."""
    ensure_organisation(engine, settings)
    (folder / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (folder / "invoices.csv").write_text(INVOICES, encoding="utf-8")
    assert import_customers(engine, folder / "customers.csv", settings).rejected == 0
    assert import_invoices(engine, folder / "invoices.csv", settings).rejected == 0


def token_for(
    engine: Engine,
    settings: Settings,
    customer_id: str,
    purpose: str = "pay",
    now: datetime | None = None,
) -> str:
    """A pay link token for one customer, signed with the database's key."""
    with transaction(engine) as session:
        return make_customer_token(link_secret(session, settings), customer_id, purpose, now=now)


def rows(engine: Engine, sql: str, **params: Any) -> list[dict[str, Any]]:
    """Query rows as dicts."""
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(text(sql), params).mappings()]


def invoice_pk(engine: Engine, number: str) -> int:
    """The primary key of an invoice."""
    return int(rows(engine, "SELECT id FROM invoice WHERE invoice_number = :n", n=number)[0]["id"])


@dataclass
class RunningApp:
    """creditflow served on loopback, and a browser-like client with cookies."""

    base_url: str
    settings: Settings
    client: httpx.Client
    app: Any

    def csrf(self, html: str) -> str:
        """The CSRF value in a page's form."""
        found = _CSRF.search(html)
        assert found, "the page has no CSRF field"
        return found.group(1)

    def start_payment(self, token: str, invoices: list[int] | None = None) -> httpx.Response:
        """Open the pay page and press "pay all" (or "pay selected" for `invoices`)."""
        page = self.client.get(f"/p/{token}")
        assert page.status_code == 200, page.text
        data: dict[str, Any] = {"csrf": self.csrf(page.text)}
        if invoices is None:
            data["scope"] = "all"
        else:
            data.update(scope="selected", invoice=[str(pk) for pk in invoices])
        return self.client.post(f"/p/{token}/pay", data=data)


SANDBOX = PaymentsSettings(provider="sandbox")


def app_settings(settings: Settings, **changes: Any) -> Settings:
    """Settings for the app under test: our organisation, the sandbox provider (named, as
    it must be), and what the test changes."""
    changes.setdefault("payments", SANDBOX)
    return replace(settings, organisation=ORGANISATION, **changes)


@contextmanager
def running_app(settings: Settings, **changes: Any) -> Iterator[RunningApp]:
    """Serve creditflow with uvicorn; `portal_base_url` is the server's own address."""
    sock = listening_socket()
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    configured = app_settings(settings, portal_base_url=base, **changes)
    app = create_app(configured)
    with serving(app, sock), httpx.Client(base_url=base, timeout=60) as client:
        yield RunningApp(base, configured, client, app)
    app.state.engine.dispose()
