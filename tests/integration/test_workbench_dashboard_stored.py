"""The dashboard with stored figures: the month-ends and the past forecast come from the
store (one history load for the page's own date, not a second wide one), the page says
how fresh they are, and what is not stored is computed as before."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from html import unescape

import pytest
from sqlalchemy import Engine, event

from creditflow.analytics import dashboard, stored
from creditflow.db import transaction
from tests.support.dashboard_ledger import seed_ledger
from tests.support.staff import add_staff, sign_in, staff_client

AS_OF = date(2026, 3, 10)
MADE = date(2026, 1, 13)  # the forecast shown is the one made 8 weeks before AS_OF
LOAD = "SELECT plan_id, due_date, amount_minor, paid_minor FROM plan_installment"
"""One statement of every `load_history` (no other part of the page reads installments)."""


@pytest.fixture(autouse=True)
def _fresh_figures():
    dashboard.clear_cache()
    yield
    dashboard.clear_cache()


@contextmanager
def history_loads() -> Iterator[list[str]]:
    """The history loads on SQLite connections opened while the block runs (the app's
    engine is new for each client, so its connections are): SQLite's own statement trace,
    as `read_frame` runs the load on the driver's cursor, past SQLAlchemy's events."""
    seen: list[str] = []

    def trace(statement: str) -> None:
        if LOAD in statement:
            seen.append(statement)

    def opened(dbapi_connection, _record) -> None:
        if hasattr(dbapi_connection, "set_trace_callback"):
            dbapi_connection.set_trace_callback(trace)

    event.listen(Engine, "connect", opened)
    try:
        yield seen
    finally:
        event.remove(Engine, "connect", opened)


def _page(settings, engine, lang: str = "en") -> str:
    email = f"mira-{uuid.uuid4().hex[:8]}@example.nl"
    add_staff(engine, email, "manager")
    client = staff_client(settings)
    client.headers["accept-language"] = lang
    sign_in(client, email)
    page = client.get("/workbench/dashboard", params={"as_of": AS_OF.isoformat()})
    assert page.status_code == 200, page.text
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", page.text)).split())


def _store(engine) -> None:
    stored.store_figures(engine, MADE, now=datetime(2026, 1, 13, 6, 5, tzinfo=UTC))
    stored.store_figures(engine, AS_OF, now=datetime(2026, 3, 10, 6, 10, tzinfo=UTC))


def test_with_stored_month_ends_a_view_loads_only_its_own_date(settings, engine):
    with transaction(engine) as session:
        seed_ledger(session)
    sqlite = engine.dialect.name == "sqlite"
    with history_loads() as before:
        computed = _page(settings, engine)
    assert len(before) == 2 or not sqlite  # the report at the date, one wide load for the rest
    assert "No month-end figures stored yet: computed for this view" in computed
    assert "The forecast of 2026-01-13 was not stored that day" in computed
    _store(engine)
    dashboard.clear_cache()
    with history_loads() as after:
        text = _page(settings, engine)
    assert len(after) == 1 or not sqlite  # the report at the date only
    assert "computed for this view" not in text and "reconstructed" not in text
    # the same figures either way (the DSO table, the forecast beside what came in)
    for seen in ("76.4", "29.4", "36.9 %", "64.5", "2026-01-14 630.00 100.00",
                 "2026-02-04 500.00 0.00", "2026-02-28"):  # fmt: skip
        assert seen in text and seen in computed, seen
    assert "last checked against the ledger 2026-03-10 06:10." in text  # UTC: no [schedule]
    assert "The forecast of 2026-01-13 as stored 2026-01-13 06:05." in text
    dutch = _page(settings, engine, "nl")
    assert "laatst vergeleken met de administratie op 2026-03-10 06:10" in dutch
    assert "De prognose van 2026-01-13 zoals opgeslagen op 2026-01-13 06:05" in dutch


def test_stored_and_computed_trends_are_the_same_figures(engine):
    with transaction(engine) as session:
        seed_ledger(session)
    computed = dashboard.history(engine, AS_OF)
    assert computed.checked_at == {} and len(computed.computed) == 13
    _store(engine)
    dashboard.clear_cache()
    found = dashboard.history(engine, AS_OF)
    assert len(found.checked_at) == 12 and found.computed == [AS_OF]
    assert [(p.day, {c: f.as_json() for c, f in p.figures.items()}) for p in found.points] == [
        (p.day, {c: f.as_json() for c, f in p.figures.items()}) for p in computed.points
    ]
    assert found.forecast.equals(computed.forecast.select(found.forecast.columns))
    assert found.forecast_stored_at == datetime(2026, 1, 13, 6, 5, tzinfo=UTC)


def test_a_month_end_not_stored_is_computed_for_the_view(engine):
    with transaction(engine) as session:
        seed_ledger(session)
    stored.store_figures(engine, AS_OF, now=datetime(2026, 3, 10, 6, 10, tzinfo=UTC))
    # a year on, only the last month-ends of the earlier store are there
    later = date(2026, 4, 15)
    found = dashboard.history(engine, later)
    assert found.computed == [date(2026, 3, 31), later]
    assert len(found.checked_at) == 11
    assert found.forecast_stored_at is None  # 2026-02-18 was not stored
