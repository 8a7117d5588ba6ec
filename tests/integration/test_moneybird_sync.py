"""The Moneybird connector against a local server speaking Moneybird's API v2."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine, event, select, text

from creditflow.config import Settings
from creditflow.connectors.moneybird.client import MoneybirdClient, RateLimited
from creditflow.connectors.moneybird.models import MoneybirdPayment, MoneybirdRecord
from creditflow.connectors.moneybird.sync import sync_moneybird
from creditflow.ledger.models import Customer, Invoice
from creditflow.ledger.payments import IncomingPayment, record_payments
from creditflow.money import Money
from tests.support.moneybird_emulator import MoneybirdEmulator
from tests.support.serve_asgi import serving


class Bookkeeping:
    """The emulator, a client on it that records its waits instead of sleeping."""

    def __init__(self, emulator: MoneybirdEmulator, base: str) -> None:
        self.emulator = emulator
        self.base = base
        self.slept: list[float] = []

    def client(self, **options: Any) -> MoneybirdClient:
        return MoneybirdClient(
            f"{self.base}/api/v2",
            self.emulator.administration_id,
            self.emulator.token,
            sleep=self.slept.append,
            **options,
        )


@pytest.fixture
def moneybird() -> Iterator[Bookkeeping]:
    emulator = MoneybirdEmulator(today=TODAY.date())
    with serving(emulator.app) as base:
        yield Bookkeeping(emulator, base)


TODAY = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def sync(engine: Engine, settings: Settings, books: Bookkeeping, **options: Any) -> Any:
    with books.client(**options) as client:
        return sync_moneybird(engine, settings, client, now=lambda: TODAY)


def a_small_administration(emulator: MoneybirdEmulator) -> dict[str, str]:
    jansen = emulator.add_contact(
        company_name="Bakkerij Jansen BV",
        customer_id="1001",
        email="boekhouding@jansen.nl",
        phone="0301234567",
        sepa_iban="NL91ABNA0417164300",
        address1="Dorpsstraat 1",
        zipcode="3511 AA",
        city="Utrecht",
    )
    anna = emulator.add_contact(firstname="Anna", lastname="de Vries", customer_id="1002")
    return {
        "jansen": jansen,
        "anna": anna,
        "inv1": emulator.add_invoice(jansen, "121.0"),
        "inv2": emulator.add_invoice(anna, "60.5", state="late", due_date="2026-11-15"),
        "draft": emulator.add_invoice(anna, "10.0", state="draft", invoice_id=None),
    }


def writes_during(engine: Engine) -> list[str]:
    """Every INSERT, UPDATE or DELETE sent on this engine from now on."""
    seen: list[str] = []

    def note(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    return seen


def invoice(engine: Engine, number: str) -> Invoice:
    with engine.connect() as conn:
        return conn.execute(select(Invoice).where(Invoice.invoice_number == number)).one()


def test_a_first_sync_imports_contacts_and_sent_invoices(
    engine: Engine, settings: Settings, moneybird: Bookkeeping
) -> None:
    ids = a_small_administration(moneybird.emulator)
    report = sync(engine, settings, moneybird)
    assert (report.contacts.imported, report.invoices.imported, report.drafts) == (2, 2, 1)
    assert report.rejects == []
    with engine.connect() as conn:
        customers = {c.customer_id: c for c in conn.execute(select(Customer)).all()}
    assert customers["1001"].name == "Bakkerij Jansen BV"
    assert customers["1001"].kind == "business"
    assert customers["1001"].iban == "NL91ABNA0417164300"
    assert customers["1002"].kind == "consumer"
    first = invoice(engine, "2026-0001")
    assert (first.amount_minor, first.open_minor, first.currency, first.status) == (
        12100,
        12100,
        "EUR",
        "open",
    )
    with engine.connect() as conn:
        remembered = {
            r.moneybird_id: r.local_key for r in conn.execute(select(MoneybirdRecord)).all()
        }
    assert remembered[ids["jansen"]] == "1001"
    assert remembered[ids["inv2"]] == "2026-0002"


def test_last_years_unpaid_invoices_are_synced_not_only_this_years(
    engine: Engine, settings: Settings, moneybird: Bookkeeping
) -> None:
    ids = a_small_administration(moneybird.emulator)
    old = moneybird.emulator.add_invoice(
        ids["jansen"], "80.0", state="late", invoice_date="2025-03-01", due_date="2025-03-31"
    )
    ancient = moneybird.emulator.add_invoice(
        ids["jansen"], "5.0", invoice_date="2019-06-01", due_date="2019-07-01"
    )
    with moneybird.client() as client:
        assert old not in client.versions("sales_invoices")  # Moneybird's default: this year
    report = sync(engine, settings, moneybird)
    assert report.invoices.imported == 3
    numbers = {
        moneybird.emulator.records["sales_invoices"][i]["invoice_id"] for i in (old, ancient)
    }
    with engine.connect() as conn:
        synced = set(conn.execute(select(Invoice.invoice_number)).scalars())
    assert numbers & synced == {moneybird.emulator.records["sales_invoices"][old]["invoice_id"]}


def test_a_second_sync_without_changes_writes_nothing(
    engine: Engine, settings: Settings, moneybird: Bookkeeping
) -> None:
    a_small_administration(moneybird.emulator)
    sync(engine, settings, moneybird)
    writes = writes_during(engine)
    before = len(moneybird.emulator.requests)
    report = sync(engine, settings, moneybird)
    assert writes == []
    assert (report.contacts.imported, report.invoices.imported, report.invoices.updated) == (
        0,
        0,
        0,
    )
    # only the two version lists were asked for: nothing was fetched again
    asked = moneybird.emulator.requests[before:]
    assert [m for m, _ in asked] == ["GET", "GET"]
    assert all(path.endswith("/synchronization.json") for _, path in asked)


def test_a_payment_made_in_moneybird_lowers_the_open_amount(
    engine: Engine, settings: Settings, moneybird: Bookkeeping
) -> None:
    ids = a_small_administration(moneybird.emulator)
    sync(engine, settings, moneybird)
    moneybird.emulator.change(
        "sales_invoices", ids["inv1"], total_unpaid="21.0", total_paid="100.0"
    )
    report = sync(engine, settings, moneybird)
    assert (report.invoices.updated, report.invoices.unchanged) == (1, 0)
    assert invoice(engine, "2026-0001").open_minor == 2100
    assert invoice(engine, "2026-0002").open_minor == 6050
    moneybird.emulator.change(
        "sales_invoices", ids["inv1"], total_unpaid="0.0", state="paid", paid_at="2026-11-28"
    )
    sync(engine, settings, moneybird)
    paid = invoice(engine, "2026-0001")
    assert (paid.open_minor, paid.status, str(paid.paid_on)) == (0, "paid", "2026-11-28")


def record_payment(engine: Engine, number: str, amount: str) -> None:
    target = invoice(engine, number)
    with engine.begin() as conn:
        record_payments(
            conn,
            [
                IncomingPayment(
                    payment_id=f"bank-{number}-{amount}",
                    amount=Money(Decimal(amount), "EUR"),
                    paid_at=datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
                    customer_pk=target.customer_id,
                    invoice_number=number,
                    source="statement",
                )
            ],
            datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
        )


def test_a_payment_recorded_in_creditflow_is_registered_in_moneybird_once(
    engine: Engine, settings: Settings, moneybird: Bookkeeping
) -> None:
    ids = a_small_administration(moneybird.emulator)
    sync(engine, settings, moneybird)
    record_payment(engine, "2026-0002", "60.50")
    report = sync(engine, settings, moneybird)
    assert report.payments_pushed == 1
    registered = moneybird.emulator.payments_of(ids["inv2"])
    assert [(p["price"], p["payment_date"]) for p in registered] == [("60.50", "2026-11-25")]
    # the same sync read the invoice back, paid in Moneybird now
    assert invoice(engine, "2026-0002").status == "paid"
    again = sync(engine, settings, moneybird)
    assert again.payments_pushed == 0
    assert len(moneybird.emulator.payments_of(ids["inv2"])) == 1


def test_a_push_cut_off_after_the_post_is_not_registered_twice(
    engine: Engine, settings: Settings, moneybird: Bookkeeping
) -> None:
    ids = a_small_administration(moneybird.emulator)
    sync(engine, settings, moneybird)
    record_payment(engine, "2026-0001", "21.00")
    sync(engine, settings, moneybird)
    # as if the process died after Moneybird took the payment, before our commit
    with engine.begin() as conn:
        conn.execute(MoneybirdPayment.__table__.update().values(pushed_at=None))
    report = sync(engine, settings, moneybird)
    assert (report.payments_pushed, report.payments_found) == (0, 1)
    assert len(moneybird.emulator.payments_of(ids["inv1"])) == 1


def test_a_payment_moneybird_refuses_is_reported_and_still_counts_in_creditflow(
    engine: Engine, settings: Settings, moneybird: Bookkeeping
) -> None:
    ids = a_small_administration(moneybird.emulator)
    sync(engine, settings, moneybird)
    record_payment(engine, "2026-0001", "121.00")  # the debtor paid it all to the bank
    # meanwhile the bookkeeper registered part of it in Moneybird by hand
    moneybird.emulator.change("sales_invoices", ids["inv1"], total_unpaid="100.0")
    report = sync(engine, settings, moneybird)
    assert report.payments_pushed == 0
    assert any(
        r.startswith("payment creditflow-allocation-") and "HTTP 422" in r for r in report.rejects
    )
    assert moneybird.emulator.payments_of(ids["inv1"]) == []
    # Moneybird says 100.00 is open, but creditflow knows it was paid: no reminder
    refused = invoice(engine, "2026-0001")
    assert (refused.open_minor, refused.status) == (0, "paid")


def test_a_429_is_waited_out_for_the_seconds_moneybird_asks(
    engine: Engine, settings: Settings, moneybird: Bookkeeping
) -> None:
    a_small_administration(moneybird.emulator)
    moneybird.emulator.throttle_next(2, retry_after=7)
    report = sync(engine, settings, moneybird)
    assert moneybird.slept == [7.0, 7.0]
    assert report.waited_seconds == 14.0
    assert report.contacts.imported == 2


def test_the_wait_is_capped_and_a_lasting_429_stops_the_sync(
    engine: Engine, settings: Settings, moneybird: Bookkeeping
) -> None:
    a_small_administration(moneybird.emulator)
    moneybird.emulator.throttle_next(10, retry_after=600)
    with pytest.raises(RateLimited):
        sync(engine, settings, moneybird, max_wait=30, max_waits=3)
    assert moneybird.slept == [30, 30, 30]


def test_the_documented_rate_limit_answers_429_with_retry_after(moneybird: Bookkeeping) -> None:
    moneybird.emulator.limit, moneybird.emulator.window = 3, 300
    client = moneybird.client(max_waits=0)
    for _ in range(3):
        client.versions("contacts")
    with pytest.raises(RateLimited):
        client.versions("contacts")
    client.close()


def test_a_bad_record_is_reported_by_its_id_and_the_rest_imports(
    engine: Engine, settings: Settings, moneybird: Bookkeeping
) -> None:
    ids = a_small_administration(moneybird.emulator)
    bad_contact = moneybird.emulator.add_contact(company_name="Foo", email="not-an-address")
    bad_invoice = moneybird.emulator.add_invoice(ids["jansen"], "50.0", due_date="2026-10-01")
    odd_amount = moneybird.emulator.add_invoice(ids["anna"], "abc")
    report = sync(engine, settings, moneybird)
    assert (report.contacts.imported, report.invoices.imported) == (2, 2)
    text = "\n".join(report.rejects)
    assert f"contact {bad_contact}: email" in text
    assert f"sales_invoice {bad_invoice}: due_date: before issue_date" in text
    assert f"sales_invoice {odd_amount}: total_price_incl_tax: not an amount" in text
    # fixed in Moneybird: the next sync imports it
    moneybird.emulator.change("sales_invoices", bad_invoice, due_date="2026-12-10")
    fixed = sync(engine, settings, moneybird)
    assert fixed.invoices.imported == 1


def test_pages_are_read_until_a_short_one(moneybird: Bookkeeping) -> None:
    for n in range(5):
        moneybird.emulator.add_contact(company_name=f"Klant {n}")
    with moneybird.client() as client:
        names = [c["company_name"] for c in client.pages("/contacts.json", per_page=2)]
    assert names == [f"Klant {n}" for n in range(5)]
    assert sum(1 for _, p in moneybird.emulator.requests if p.endswith("/contacts.json")) == 3


def test_the_worker_syncs_every_every_minutes_when_moneybird_is_configured(
    engine: Engine,
    settings: Settings,
    moneybird: Bookkeeping,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dataclasses import replace
    from datetime import timedelta

    from creditflow.config import settings_from
    from creditflow.config.operations import parse_schedule
    from creditflow.schedule.service import Scheduler
    from tests.support.schedule_workers import job_rows

    a_small_administration(moneybird.emulator)
    monkeypatch.setenv("MB_TOKEN", moneybird.emulator.token)
    section = {
        "administration_id": moneybird.emulator.administration_id,
        "token_env": "MB_TOKEN",
        "base_url": f"{moneybird.base}/api/v2",
        "every_minutes": 10,
    }
    configured = replace(
        settings,
        moneybird=settings_from({"connectors": {"moneybird": section}}, {}).moneybird,
        schedule=parse_schedule({"schedule": {}}),
    )
    moment = [datetime(2026, 12, 1, 9, 0, tzinfo=UTC)]
    assert configured.schedule is not None
    jobs = Scheduler(
        engine, configured, configured.schedule, clock=lambda: moment[0], worker="test", run_wait=0
    )
    jobs.tick()
    with engine.connect() as conn:
        [(outcome, message)] = conn.execute(
            text("SELECT outcome, message FROM job_run WHERE job = 'moneybird'")
        ).all()
    assert outcome == "ok", message
    assert "contacts: imported 2" in message
    moment[0] += timedelta(minutes=5)
    jobs.tick()
    assert len(job_rows(engine, "moneybird")) == 1  # not due yet
    moment[0] += timedelta(minutes=5)
    jobs.tick()
    assert [r[1] for r in job_rows(engine, "moneybird")] == ["ok", "ok"]


def test_migration_0025_makes_the_tables_the_models_describe(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from creditflow.schema import metadata

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    ours = [d for d in diff if "moneybird" in repr(d)]
    assert ours == []
