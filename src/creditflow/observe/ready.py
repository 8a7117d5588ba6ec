"""Readiness: the database answers and its schema is at the newest migration."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

__all__ = ["head_revision", "readiness"]


def head_revision() -> str:
    """The newest migration shipped with this version of creditflow."""
    from alembic.script import ScriptDirectory

    from creditflow.db import MIGRATIONS_DIR

    heads = ScriptDirectory(str(MIGRATIONS_DIR)).get_heads()
    return ",".join(sorted(heads))


def readiness(engine: Engine) -> dict[str, Any]:
    """{'status': 'ready'|'not ready', 'reason': ..., 'revision': ..., 'head': ...}."""
    from creditflow.db import current_revision

    head = head_revision()
    try:
        revision = current_revision(engine)
    except Exception as exc:  # noqa: BLE001 - not ready, with the reason
        return {"status": "not ready", "reason": f"database: {type(exc).__name__}", "head": head}
    if revision != head:
        return {
            "status": "not ready",
            "reason": "database not migrated: run `creditflow init`",
            "revision": revision,
            "head": head,
        }
    return {"status": "ready", "revision": revision, "head": head}
