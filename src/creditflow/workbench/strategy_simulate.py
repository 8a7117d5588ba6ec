"""Simulate a draft strategy version against the active one, then activate it or try it
as a challenger.

The simulation runs in a background thread (`simulation_jobs`, an in-process registry
keyed by a token); its page refreshes itself until the result is there: every figure
side by side and the cash collected per week as a chart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from markupsafe import Markup

from creditflow.charts import bar_chart, line_chart, svg
from creditflow.ledger.service import audit
from creditflow.messages.render import available_templates
from creditflow.simulation.ranges import OutcomeRange, figure_rows
from creditflow.staff.access import now_of, page_access, require
from creditflow.staff.pages import language_of
from creditflow.staff.service import Staff
from creditflow.strategy.models import StrategyVersion
from creditflow.strategy.schema import StrategyError
from creditflow.strategy.service import activate_strategy, default_strategy_text, strategy_versions
from creditflow.workbench.i18n import translate
from creditflow.workbench.pages import done, not_found, render
from creditflow.workbench.simulation_jobs import (
    MAX_DAYS,
    MAX_SEEDS,
    SimulationJob,
    busy,
    find_job,
    start_job,
)

router = APIRouter(
    prefix="/workbench",
    tags=["workbench"],
    include_in_schema=False,
    dependencies=[Depends(page_access)],
)
PAGE = "/workbench/strategy/simulate"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,59}$")


def _active(request: Request) -> tuple[int | None, str, str]:
    """The active version's id, text and file name; the shipped default when none is."""
    with request.app.state.sessions() as session:
        for version in strategy_versions(session):
            if version.active:
                return version.id, version.content, version.source_name
    return None, default_strategy_text(), "default.yaml"


def _drafts(request: Request) -> list[dict[str, object]]:
    with request.app.state.sessions() as session:
        return [
            {"id": v.id, "source_name": v.source_name}
            for v in strategy_versions(session)
            if not v.active
        ]


def _form(request: Request, status: int = 200, **errors: str) -> Response:
    return render(
        request,
        "strategy_simulate.html",
        status=status,
        drafts=_drafts(request),
        max_days=MAX_DAYS,
        max_seeds=MAX_SEEDS,
        errors=errors,
        no_iban=not request.app.state.settings.organisation.iban,
    )


@router.get("/strategy/simulate")
def simulate_page(
    request: Request, staff: Annotated[Staff, Depends(require("manage_strategy"))]
) -> Response:
    """Choose a stored draft version, the days and the seeds to simulate it over."""
    return _form(request)


@router.post("/strategy/simulate")
def simulate_start(
    request: Request,
    staff: Annotated[Staff, Depends(require("manage_strategy"))],
    version: Annotated[str, Form(max_length=12)] = "",
    days: Annotated[str, Form(max_length=6)] = "90",
    seeds: Annotated[str, Form(max_length=3)] = "1",
) -> Response:
    """Start simulating the draft against the active strategy; go to its progress page."""
    chosen = {d["id"]: d for d in _drafts(request)}
    errors: dict[str, str] = {}
    draft_id = int(version) if version.isdigit() else 0
    if draft_id not in chosen:
        errors["version"] = "version: choose a stored version that is not active"
    day_count = int(days) if days.isdigit() else 0
    if not 1 <= day_count <= MAX_DAYS:
        errors["days"] = f"days: a whole number from 1 to {MAX_DAYS}"
    seed_count = int(seeds) if seeds.isdigit() else 0
    if not 1 <= seed_count <= MAX_SEEDS:
        errors["seeds"] = f"seeds: a whole number from 1 to {MAX_SEEDS}"
    if not errors and busy():
        errors["version"] = "Two simulations are running already; try again in a minute."
    if errors:
        return _form(request, status=422, **errors)
    active_id, active_text, active_name = _active(request)
    with request.app.state.sessions() as session:
        draft = session.get(StrategyVersion, draft_id)
        assert draft is not None
        draft_text = draft.content
    job = start_job(
        request.app.state.engine,
        request.app.state.settings,
        [(f"version-{draft_id}.yaml", draft_text), (active_name, active_text)],
        draft_id=draft_id,
        active_id=active_id,
        days=day_count,
        seeds=seed_count,
        start=now_of(request).date(),
    )
    return done(f"{PAGE}/{job.token}", "Simulation started.")


def _main_currency(ranges: list[OutcomeRange]) -> str:
    totals: dict[str, Decimal] = {}
    for r in ranges:
        for currency, amount in r.mean.collected.items():
            totals[currency] = totals.get(currency, Decimal(0)) + amount
    return max(totals, key=lambda c: (totals[c], c)) if totals else "EUR"


def _charts(job: SimulationJob, names: list[str], lang: str) -> list[Markup]:
    """Cash collected per week (line) and contacts per channel (bars), both strategies."""
    from datetime import timedelta

    currency = _main_currency(job.ranges)
    weeks = [
        (job.start + timedelta(days=7 * i)).strftime("%d-%m")
        for i in range(len(job.ranges[0].mean.weekly))
    ]
    collected: dict[str, Sequence[float | None]] = {
        name: [float(w.get(currency, 0)) for w in r.mean.weekly]
        for name, r in zip(names, job.ranges, strict=True)
    }
    channels = sorted({c for r in job.ranges for c in r.mean.contacts})
    contacts: dict[str, Sequence[float]] = {
        name: [float(r.mean.contacts.get(c, 0)) for c in channels]
        for name, r in zip(names, job.ranges, strict=True)
    }
    title, bars = translate(lang, "Collected per week"), translate(lang, "Contacts")
    drawn = [Markup(svg(line_chart(f"{title} ({currency})", weeks, collected), title))]  # noqa: S704 - reportlab SVG, text escaped by svg()
    if channels:
        drawn.append(Markup(svg(bar_chart(bars, channels, contacts), bars)))  # noqa: S704
    return drawn


@router.get("/strategy/simulate/{token}")
def simulation_page(
    request: Request,
    token: str,
    staff: Annotated[Staff, Depends(require("manage_strategy"))],
) -> Response:
    """Progress while the simulation runs; then both strategies side by side, with charts."""
    job = find_job(token)
    if job is None:
        return not_found(request, "This simulation is not known (any more): start it again.")
    return _result(request, job)


def _result(request: Request, job: SimulationJob, status: int = 200, problem: str = "") -> Response:
    lang = language_of(request)
    names = [f"{translate(lang, 'Version')} {job.draft_id}", translate(lang, "Active")]
    rows = figure_rows(job.ranges) if job.state == "done" else []
    charts = _charts(job, names, lang) if job.state == "done" else []
    page = render(
        request, "strategy_simulation.html", status=status, job=job, rows=rows, charts=charts,
        problem=problem, names=names,
    )  # fmt: skip
    if job.state == "running":
        page.headers["Refresh"] = "2"  # no script: the browser asks again in two seconds
    return page


def _without_challenger(text: str) -> str:
    """The strategy text without its own top-level `challenger:` block."""
    kept: list[str] = []
    skipping = False
    for line in text.splitlines():
        top_level = bool(line) and not line[0].isspace() and not line.startswith("#")
        if top_level:
            skipping = line.startswith("challenger:")
        if not skipping:
            kept.append(line)
    return "\n".join(kept).rstrip() + "\n"


def challenger_text(active_text: str, draft_id: int, share: Decimal, name: str) -> str:
    """The active strategy's text naming the draft as its challenger on `share` of customers."""
    return (
        _without_challenger(active_text)
        + f"\nchallenger:\n  version: {draft_id}\n  share: {share}\n  name: {json.dumps(name)}\n"
    )


@router.post("/strategy/simulate/{token}/challenger")
def start_challenger(
    request: Request,
    token: str,
    staff: Annotated[Staff, Depends(require("manage_strategy"))],
    share: Annotated[str, Form(max_length=10)] = "0.2",
    name: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    """Activate a copy of the active strategy that tries the draft on a share of customers."""
    job = find_job(token)
    if job is None:
        return not_found(request, "This simulation is not known (any more): start it again.")
    try:
        fraction = Decimal(share.strip().replace(",", "."))
    except InvalidOperation:
        fraction = Decimal(0)
    experiment = name.strip() or f"version-{job.draft_id}"
    problem = ""
    if not fraction.is_finite() or not Decimal(0) < fraction <= Decimal("0.5"):
        problem = "share: a number above 0 and at most 0.5, e.g. 0.2"
    elif not NAME.match(experiment):
        problem = "name: letters, digits, - _ and . only (at most 60)"
    if problem:
        return _result(request, job, 422, problem)
    active_id, active_text, active_name = _active(request)
    content = challenger_text(active_text, job.draft_id, fraction, experiment)
    source = f"{active_name.removesuffix('.yaml')}+challenger-{job.draft_id}.yaml"
    templates = available_templates(override_dir=request.app.state.settings.template_dir)
    with request.app.state.sessions() as session, session.begin():
        try:
            version = activate_strategy(session, content, source, templates)
        except StrategyError as exc:
            return _result(request, job, 422, "; ".join(m for _, m in exc.errors))
        audit(
            session, staff.actor, "strategy_activated", "strategy_version", str(version.id),
            {"source": source, "checksum": version.checksum, "champion": active_id,
             "challenger": job.draft_id, "share": str(fraction), "experiment": experiment},
        )  # fmt: skip
    return done("/workbench/strategy", "Challenger started: the next collection run tries it.")
