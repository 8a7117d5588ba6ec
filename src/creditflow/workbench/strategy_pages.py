"""Strategy: the active strategy per segment, its versions and diffs, upload, dry run, activate.

Upload keeps a checked file as a version (not active); the dry run decides today with
that version over the real ledger and writes nothing (`collection_run(dry_run=True,
strategy=...)`, its transaction rolled back); activate makes it the one the next run uses.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from creditflow.ledger.service import audit
from creditflow.messages.render import available_templates
from creditflow.staff.access import now_of, page_access, require
from creditflow.staff.service import Staff
from creditflow.strategy.models import StrategyVersion
from creditflow.strategy.run import collection_run
from creditflow.strategy.schema import Strategy, StrategyError, parse_strategy
from creditflow.strategy.service import (
    activate_version,
    active_strategy,
    default_strategy_text,
    store_strategy,
    strategy_versions,
)
from creditflow.workbench.pages import done, not_found, render
from creditflow.workbench.strategy_view import (
    dry_run_counts,
    held_back_counts,
    lines_with_errors,
    segment_views,
    version_diff,
)

router = APIRouter(
    prefix="/workbench",
    tags=["workbench"],
    include_in_schema=False,
    dependencies=[Depends(page_access)],
)
PAGE = "/workbench/strategy"
MAX_UPLOAD_BYTES = 256 * 1024


def _templates(request: Request) -> list[str]:
    return available_templates(override_dir=request.app.state.settings.template_dir)


@router.get("/strategy")
def strategy_page(request: Request) -> Response:
    """The active strategy drawn per segment, the versions, the diff and upload forms."""
    with request.app.state.sessions() as session:
        strategy, active_id = active_strategy(session)
        versions = [_version_row(v) for v in strategy_versions(session)]
    return render(
        request,
        "strategy.html",
        segments=segment_views(strategy),
        active_id=active_id,
        versions=versions,
    )


def _version_row(version: StrategyVersion) -> dict[str, object]:
    return {
        "id": version.id,
        "source_name": version.source_name,
        "active": version.active,
        "loaded_at": version.loaded_at,
    }


def _version_text(request: Request, version_id: int) -> tuple[StrategyVersion | None, str]:
    """A stored version and its text; version 0 is the shipped default."""
    if version_id == 0:
        return None, default_strategy_text()
    with request.app.state.sessions() as session:
        version = session.get(StrategyVersion, version_id)
        if version is None:
            return None, ""
        session.expunge(version)
        return version, version.content


@router.get("/strategy/versions/{version_id}")
def version_page(request: Request, version_id: int) -> Response:
    """One version drawn per segment, with its dry run and activate buttons."""
    version, text = _version_text(request, version_id)
    if not text:
        return not_found(request)
    strategy = _parsed(request, version, text)
    if isinstance(strategy, Response):
        return strategy
    return render(
        request,
        "strategy_version.html",
        version=version,
        version_id=version_id,
        segments=segment_views(strategy),
        text=text,
    )


def _parsed(request: Request, version: StrategyVersion | None, text: str) -> Strategy | Response:
    """The version as a strategy; its errors by line when today's checks refuse it."""
    source = version.source_name if version else "default.yaml"
    try:
        return parse_strategy(text, source=source)
    except StrategyError as exc:
        return _refused(request, text, source, exc.errors)


@router.get("/strategy/diff")
def diff_page(request: Request, old: int = 0, new: int = 0) -> Response:
    """The changes between two versions (0 is the shipped default), line by line."""
    old_version, old_text = _version_text(request, old)
    new_version, new_text = _version_text(request, new)
    if not old_text or not new_text:
        return not_found(request)
    return render(
        request,
        "strategy_diff.html",
        old=old,
        new=new,
        lines=version_diff(old_text, new_text),
    )


@router.post("/strategy/upload")
async def upload(
    request: Request,
    staff: Annotated[Staff, Depends(require("manage_strategy"))],
    file: Annotated[UploadFile | None, File()] = None,
    text: Annotated[str, Form(max_length=MAX_UPLOAD_BYTES)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Check an uploaded strategy; keep it as a version, or show its errors by line."""
    content, source = text, name.strip() or "workbench.yaml"
    if file is not None and file.filename:
        raw = await file.read(MAX_UPLOAD_BYTES + 1)
        if len(raw) > MAX_UPLOAD_BYTES:
            return _refused(request, "", source, [(None, "file: larger than 256 KB")])
        try:
            content = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _refused(request, "", source, [(None, "file: not UTF-8 text")])
        source = name.strip() or file.filename
    if not content.strip():
        return _refused(request, "", source, [(None, "file or text: the strategy is empty")])
    return await run_in_threadpool(_store, request, staff, content.replace("\r\n", "\n"), source)


def _store(request: Request, staff: Staff, content: str, source: str) -> Response:
    try:
        with request.app.state.sessions() as session, session.begin():
            version = store_strategy(session, content, source, _templates(request))
            audit(
                session, staff.actor, "strategy_uploaded", "strategy_version", str(version.id),
                {"source": source, "checksum": version.checksum},
            )  # fmt: skip
            version_id = version.id
    except StrategyError as exc:
        return _refused(request, content, source, exc.errors)
    return done(
        f"{PAGE}/versions/{version_id}",
        "Strategy checked and stored. Try a dry run, then activate.",
    )


def _refused(
    request: Request, content: str, source: str, errors: list[tuple[int | None, str]]
) -> Response:
    lines, unplaced = lines_with_errors(content, errors)
    return render(
        request,
        "strategy_errors.html",
        status=422,
        lines=lines if content else [],
        unplaced=unplaced,
        source=source,
        content=content,
        count=len(errors),
    )


@router.get("/strategy/versions/{version_id}/dry-run")
def dry_run(
    request: Request,
    version_id: int,
    staff: Annotated[Staff, Depends(require("manage_strategy"))],
) -> Response:
    """Today's run with this version over the ledger as it is: counts only, nothing written."""
    version, text = _version_text(request, version_id)
    if not text:
        return not_found(request)
    strategy = _parsed(request, version, text)
    if isinstance(strategy, Response):
        return strategy
    now = now_of(request)
    settings = request.app.state.settings
    result = collection_run(
        request.app.state.engine, settings, now.date(), now=now, dry_run=True, strategy=strategy
    )
    return render(
        request,
        "strategy_dry_run.html",
        version=version,
        version_id=version_id,
        as_of=result.as_of,
        total=result.summary["actions"],
        superseded=result.superseded,
        covered=result.summary["invoices_covered"],
        counts=dry_run_counts(result.actions),
        held_back=held_back_counts(result.skipped),
    )


@router.post("/strategy/versions/{version_id}/activate")
def activate(
    request: Request,
    version_id: int,
    staff: Annotated[Staff, Depends(require("manage_strategy"))],
) -> Response:
    """Make this version the one the next collection run uses (audited)."""
    with request.app.state.sessions() as session, session.begin():
        try:
            version = activate_version(session, version_id, _templates(request))
        except StrategyError as exc:
            stored = session.get(StrategyVersion, version_id)
            content = stored.content if stored else ""
            return _refused(request, content, exc.source, exc.errors)
        if version is None:
            return not_found(request)
        audit(
            session, staff.actor, "strategy_activated", "strategy_version", str(version_id),
            {"source": version.source_name, "checksum": version.checksum},
        )  # fmt: skip
    return done(PAGE, "Strategy activated: the next collection run uses it.")
