"""Strategy files in the store: validate, activate, and fetch the active one."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from functools import lru_cache
from importlib import resources
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from creditflow.strategy.models import StrategyVersion
from creditflow.strategy.schema import Strategy, StrategyError, parse_strategy


def default_strategy_text() -> str:
    """The strategy shipped with creditflow (consumers, businesses, late payers)."""
    return resources.files("creditflow.strategy").joinpath("data/default.yaml").read_text("utf-8")


def check_strategy_file(path: Path, templates: Collection[str] | None = None) -> Strategy:
    """Validate a strategy file; raises StrategyError listing every error with its line.

    `templates`, the message templates that exist, makes an unknown `template:` an error.
    """
    return parse_strategy(path.read_text(encoding="utf-8"), source=str(path), templates=templates)


def activate_strategy(
    session: Session, text: str, source_name: str, templates: Collection[str] | None = None
) -> StrategyVersion:
    """Validate and store a strategy, making it the active one (idempotent per content)."""
    parsed = parse_strategy(text, source=source_name, templates=templates)
    checksum = hashlib.sha256(text.encode()).hexdigest()
    if parsed.challenger is not None:
        _check_challenger(session, parsed, checksum, source_name)
    session.execute(update(StrategyVersion).values(active=False))
    existing = session.scalars(
        select(StrategyVersion).where(StrategyVersion.checksum == checksum)
    ).first()
    if existing is not None:
        existing.active = True
        existing.source_name = source_name
        return existing
    version = StrategyVersion(source_name=source_name, content=text, checksum=checksum, active=True)
    session.add(version)
    session.flush()
    return version


def _check_challenger(session: Session, parsed: Strategy, checksum: str, source: str) -> None:
    """A challenger must be another stored version; the error names the line."""
    assert parsed.challenger is not None
    version = session.get(StrategyVersion, parsed.challenger.version)
    problem = None
    if version is None:
        problem = (
            f"challenger.version: there is no stored strategy version {parsed.challenger.version}"
        )
    elif version.checksum == checksum:
        problem = "challenger.version: a strategy cannot challenge itself"
    if problem:
        from creditflow.strategy.yaml_lines import line_of, load_with_lines

        _, lines = load_with_lines(parsed.text)
        raise StrategyError([(line_of(lines, ("challenger", "version")), problem)], source)


@lru_cache(maxsize=32)
def _stored_strategy(text: str, source: str) -> Strategy:
    """A stored version's strategy, parsed once per process (a `Strategy` is immutable
    and the checks read nothing but the text)."""
    return parse_strategy(text, source=source)


def challenger_strategy(session: Session, strategy: Strategy) -> Strategy | None:
    """The strategy the active one names as its challenger, None when there is none."""
    if strategy.challenger is None:
        return None
    version = session.get(StrategyVersion, strategy.challenger.version)
    if version is None:
        return None
    return _stored_strategy(version.content, version.source_name)


def active_strategy(session: Session) -> tuple[Strategy, int | None]:
    """The active strategy and its version id; the shipped default when none is loaded."""
    version = session.scalars(select(StrategyVersion).where(StrategyVersion.active)).first()
    if version is None:
        return _stored_strategy(default_strategy_text(), "default.yaml"), None
    return _stored_strategy(version.content, version.source_name), version.id


def store_strategy(
    session: Session, text: str, source_name: str, templates: Collection[str] | None = None
) -> StrategyVersion:
    """Validate and keep a strategy as a version without activating it (same content: same
    version); raises StrategyError with every error and its line."""
    parsed = parse_strategy(text, source=source_name, templates=templates)
    checksum = hashlib.sha256(text.encode()).hexdigest()
    if parsed.challenger is not None:
        _check_challenger(session, parsed, checksum, source_name)
    existing = session.scalars(
        select(StrategyVersion).where(StrategyVersion.checksum == checksum)
    ).first()
    if existing is not None:
        return existing
    version = StrategyVersion(
        source_name=source_name, content=text, checksum=checksum, active=False
    )
    session.add(version)
    session.flush()
    return version


def strategy_versions(session: Session) -> list[StrategyVersion]:
    """Every stored version, newest first."""
    return list(session.scalars(select(StrategyVersion).order_by(StrategyVersion.id.desc())))


def activate_version(
    session: Session, version_id: int, templates: Collection[str] | None = None
) -> StrategyVersion | None:
    """Make a stored version the active one (checked again first); None when there is none."""
    version = session.get(StrategyVersion, version_id)
    if version is None:
        return None
    parsed = parse_strategy(version.content, source=version.source_name, templates=templates)
    if parsed.challenger is not None:
        _check_challenger(session, parsed, version.checksum, version.source_name)
    session.execute(update(StrategyVersion).values(active=False))
    version.active = True
    return version
