"""The migrations build exactly the tables, columns and indexes the models describe.

Alembic compares a database migrated from scratch with the models' metadata. On
SQLite a foreign key added by ALTER TABLE (0013) cannot carry a name SQLite reports
back, so there a foreign key that differs only in its name is not a difference.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from creditflow.db import register_models, upgrade
from creditflow.models import Base


def _same_but_name(diffs: list) -> bool:
    removed = [d[1] for d in diffs if d[0] == "remove_fk"]
    added = [d[1] for d in diffs if d[0] == "add_fk"]

    def shape(fk):  # the columns and what they point at, not the name
        return (
            fk.table.name,
            tuple(c.name for c in fk.columns),
            tuple(e.target_fullname for e in fk.elements),
        )

    return sorted(map(shape, removed)) == sorted(map(shape, added))


def test_a_database_migrated_from_scratch_matches_the_models(engine):
    upgrade(engine)
    register_models()
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    if engine.dialect.name == "sqlite" and _same_but_name(diffs):
        diffs = [d for d in diffs if d[0] not in ("remove_fk", "add_fk")]
    assert diffs == []
