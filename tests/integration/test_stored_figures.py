"""Stored figures on a real database: equal to the report at each date, computed again
only where the ledger changed (a back-dated payment or invoice), the forecast as made."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select, text

from creditflow.analytics import service, stored
from creditflow.analytics.models import FiguresCurrency, FiguresDay, ForecastWeek
from creditflow.db import transaction
from creditflow.ledger.models import Allocation, Invoice, Payment
from tests.support.dashboard_ledger import seed_ledger

AS_OF = date(2026, 3, 10)
NOW = datetime(2026, 3, 10, 6, 10, tzinfo=UTC)


def _same_as_the_report(engine, days) -> None:
    with engine.connect() as conn:
        found = stored.read_days(conn, days)
    for day in days:
        report = service.build_report(engine, day)
        assert {f.currency: f.as_json() for f in report.currencies} == {
            c: f.as_json() for c, f in found[day].figures.items()
        }, day
        assert report.countback == found[day].countback, day
        for fig in report.currencies:  # the exact figures too, not only their JSON
            assert found[day].figures[fig.currency] == fig, day


def _pay(engine, number: str, minor: int, paid: str, pid: str) -> None:
    """A payment recorded now, dated `paid`, allocated to invoice `number`."""
    with transaction(engine) as session:
        invoice = session.scalars(select(Invoice).where(Invoice.invoice_number == number)).one()
        payment = Payment(
            payment_id=pid, customer_id=invoice.customer_id, amount_minor=minor, currency="EUR",
            paid_at=datetime.fromisoformat(f"{paid}T09:00:00+00:00"), source="import",
        )  # fmt: skip
        session.add(payment)
        session.flush()
        session.add(Allocation(payment_id=payment.id, invoice_id=invoice.id, amount_minor=minor,
                               currency="EUR", rule="invoice_number"))  # fmt: skip
        invoice.open_minor -= minor


def test_the_stored_figures_equal_the_report_at_each_month_end(engine):
    with transaction(engine) as session:
        seed_ledger(session)
    steps: list[str] = []
    summary = stored.store_figures(engine, AS_OF, now=NOW,
                                   progress=lambda step, _d, _t: steps.append(step))  # fmt: skip
    days = stored.month_ends(AS_OF)
    assert len(days) == 13 and days[0] == date(2025, 3, 31) and days[-2] == date(2026, 2, 28)
    assert summary.computed == days and summary.forecast_stored
    assert "history loaded" in steps and f"figures at {AS_OF}" in steps
    _same_as_the_report(engine, days)
    with engine.connect() as conn:
        # before the first invoice (U1, 2025-10-01) a date is stored without currencies
        assert stored.read_days(conn, [date(2025, 9, 30)])[date(2025, 9, 30)].figures == {}
        assert conn.execute(select(func.count()).select_from(FiguresDay)).scalar() == 13
        made = stored.read_forecast(conn, AS_OF)
        assert stored.read_forecast(conn, date(2026, 2, 28)) is None  # made on AS_OF only
    assert made is not None and made[1] == NOW
    report = service.build_report(engine, AS_OF)
    assert made[0].equals(report.forecast.select(made[0].columns))
    assert made[2] == report.forecast_method == "own days late"
    assert "13 dates computed (0 changed since stored), 0 kept; forecast stored" in summary.line()
    again = stored.store_figures(engine, AS_OF, now=NOW)
    assert again.computed == [] and len(again.kept) == 13 and not again.forecast_stored


def test_a_back_dated_payment_makes_the_month_ends_after_it_computed_again(engine):
    with transaction(engine) as session:
        seed_ledger(session)
    stored.store_figures(engine, AS_OF, now=NOW)
    # recorded today, dated 2026-01-20: the figures at 01-31, 02-28 and 03-10 change
    _pay(engine, "I6", 5000, "2026-01-20", "P5")
    later = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)
    summary = stored.store_figures(engine, AS_OF, now=later)
    assert summary.changed == [date(2026, 1, 31), date(2026, 2, 28), AS_OF]
    assert summary.computed == summary.changed and len(summary.kept) == 10
    _same_as_the_report(engine, stored.month_ends(AS_OF))
    with engine.connect() as conn:
        found = stored.read_days(conn, [date(2025, 12, 31), date(2026, 1, 31)])
        forecast_at = conn.execute(
            select(FiguresDay.forecast_at).where(FiguresDay.as_of == AS_OF)
        ).scalar()
    assert found[date(2025, 12, 31)].computed_at == NOW
    assert found[date(2026, 1, 31)].computed_at == later
    # open at 01-31: I1 300, I2 500, I3 1000, I6 150, I7 80; P5 took 50 off I6
    assert found[date(2026, 1, 31)].figures["EUR"].open_minor == 203000 - 5000
    assert forecast_at == NOW  # the forecast as made in the morning is kept, not redone


def test_money_dated_after_a_month_end_leaves_that_month_end_as_stored(engine):
    with transaction(engine) as session:
        seed_ledger(session)
    stored.store_figures(engine, AS_OF, now=NOW)
    _pay(engine, "I7", 8000, "2026-03-09", "P6")  # I7 was open at every month-end
    with transaction(engine) as session:  # and the invoice now says paid
        invoice = session.scalars(select(Invoice).where(Invoice.invoice_number == "I7")).one()
        invoice.status, invoice.paid_on = "paid", date(2026, 3, 9)
    summary = stored.store_figures(engine, AS_OF, now=NOW)
    assert summary.changed == [AS_OF]
    _same_as_the_report(engine, [date(2026, 1, 31), date(2026, 2, 28), AS_OF])


def test_a_back_dated_invoice_and_a_settlement_without_payment_are_seen(engine):
    ledger = None
    with transaction(engine) as session:
        ledger = seed_ledger(session)
    stored.store_figures(engine, AS_OF, now=NOW)
    with transaction(engine) as session:  # an invoice of last June, imported today
        session.add(Invoice(
            invoice_number="I8", customer_id=ledger.customers["C2"],
            issue_date=date(2025, 6, 15), due_date=date(2025, 7, 15), currency="EUR",
            amount_minor=7000, open_minor=7000, status="open", payment_reference="RF18I8",
        ))  # fmt: skip
    summary = stored.store_figures(engine, AS_OF, now=NOW)
    assert summary.changed == stored.month_ends(AS_OF)[3:]  # from 2025-06-30 on
    # the accounting system says I6 is 50.00 lower, without a payment: dated its issue date
    with transaction(engine) as session:
        invoice = session.scalars(select(Invoice).where(Invoice.invoice_number == "I6")).one()
        invoice.open_minor -= 5000
    summary = stored.store_figures(engine, AS_OF, now=NOW)
    assert summary.changed == stored.month_ends(AS_OF)[9:]  # from 2025-12-31 (I6 issued 12-20)
    _same_as_the_report(engine, stored.month_ends(AS_OF))


def test_nothing_stored_on_an_empty_ledger_but_the_dates(engine):
    summary = stored.store_figures(engine, AS_OF, now=NOW)
    assert len(summary.computed) == 13
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(FiguresCurrency)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(ForecastWeek)).scalar() == 0
        assert stored.read_forecast(conn, AS_OF) is not None  # made: nothing expected


def _scheduler(engine, settings, clock, **schedule):
    from dataclasses import replace

    from creditflow.config.operations import parse_schedule
    from creditflow.schedule.service import Scheduler

    plan = parse_schedule({"schedule": schedule})
    assert plan is not None
    return Scheduler(engine, replace(settings, schedule=plan), plan, clock=clock, worker="test",
                     run_wait=0)  # fmt: skip


def test_the_worker_stores_the_figures_daily_after_the_collection_run(engine, settings):
    from creditflow.strategy.lease import run_lease
    from tests.support.schedule_workers import job_rows

    with transaction(engine) as session:
        seed_ledger(session)
    moment = [datetime(2026, 3, 10, 6, 30, tzinfo=UTC)]  # 07:30 in Amsterdam
    jobs = _scheduler(engine, settings, lambda: moment[0], run_at="07:00")
    assert jobs.schedule.figures_at == jobs.schedule.run_at  # after the run, by default
    with run_lease(engine, AS_OF, name="schedule:figures"):  # another worker has the job
        jobs.tick()
    assert job_rows(engine, "figures") == []
    jobs.tick()
    [(day, outcome, _worker)] = job_rows(engine, "figures")
    assert (day, outcome) == ("2026-03-10", "ok")
    assert [r[0] for r in job_rows(engine, "collection")] == ["2026-03-10"]  # ran first
    _same_as_the_report(engine, stored.month_ends(AS_OF))
    with engine.connect() as conn:
        message = conn.execute(
            select(text("message")).select_from(text("job_run")).where(text("job = 'figures'"))
        ).scalar()
    assert message.startswith("figures as of 2026-03-10: 13 dates computed")
    jobs.tick()
    assert len(job_rows(engine, "figures")) == 1  # once a day
    moment[0] = datetime(2026, 3, 11, 6, 30, tzinfo=UTC)
    jobs.tick()
    assert [r[:2] for r in job_rows(engine, "figures")][-1] == ("2026-03-11", "ok")
    with engine.connect() as conn:  # the month-ends were kept; 03-11 and its forecast added
        days = conn.execute(select(FiguresDay.as_of).order_by(FiguresDay.as_of)).scalars().all()
    assert days[-2:] == [AS_OF, date(2026, 3, 11)] and len(days) == 14


def test_the_figures_job_follows_its_own_time_or_stays_off(engine, settings):
    from tests.support.schedule_workers import job_rows

    moment = datetime(2026, 3, 10, 6, 30, tzinfo=UTC)
    off = _scheduler(engine, settings, lambda: moment, run_at="")
    assert off.schedule.figures_at is None
    off.tick()
    assert job_rows(engine, "figures") == []
    own = _scheduler(engine, settings, lambda: moment, run_at="", figures_at="05:00")
    own.tick()
    assert [r[:2] for r in job_rows(engine, "figures")] == [("2026-03-10", "ok")]


def test_an_operator_fills_the_store_by_hand(engine, database_url, tmp_path):
    import os
    import subprocess

    from tests.support.schedule_workers import CREDITFLOW

    with transaction(engine) as session:
        seed_ledger(session)
    env = {**os.environ, "CREDITFLOW_DATABASE_URL": database_url}
    env.pop("CREDITFLOW_CONFIG", None)

    def store() -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own console script
            [str(CREDITFLOW), "report", "--store", "--as-of", "2026-03-10"], env=env,
            cwd=tmp_path, capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip

    done = store()
    assert done.returncode == 0, done.stderr
    assert "figures as of 2026-03-10: 13 dates computed" in done.stdout
    _same_as_the_report(engine, stored.month_ends(AS_OF))
    again = store()
    assert "0 dates computed (0 changed since stored), 13 kept; forecast kept" in again.stdout


def test_by_hand_not_while_the_worker_stores_them(engine, database_url, tmp_path):
    import os
    import subprocess

    from creditflow.strategy.lease import run_lease
    from tests.support.schedule_workers import CREDITFLOW

    env = {**os.environ, "CREDITFLOW_DATABASE_URL": database_url}
    env.pop("CREDITFLOW_CONFIG", None)
    with run_lease(engine, AS_OF, name="schedule:figures"):  # the worker's job, under way
        done = subprocess.run(  # noqa: S603 - our own console script
            [str(CREDITFLOW), "report", "--store", "--as-of", "2026-03-10"], env=env,
            cwd=tmp_path, capture_output=True, text=True, check=False, timeout=900,
        )  # fmt: skip
    assert done.returncode == 1
    assert "not stored: the figures are being stored by another process" in done.stderr
