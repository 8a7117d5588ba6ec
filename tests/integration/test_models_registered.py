"""Every table a model names is on the metadata, whatever a fresh process imported.

The test process itself has imported every model, which hides a models module that
names another area's table without importing it: `creditflow serve` then answered 500
to every request that queued a message (NoReferencedTableError for `action.run_id`).
So each check runs in a fresh interpreter.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pytest

import creditflow

MODELS_MODULES = sorted(
    m.name
    for m in pkgutil.walk_packages(creditflow.__path__, "creditflow.")
    if m.name.endswith(".models") and m.name != "creditflow.models"
)
RESOLVE_FOREIGN_KEYS = """
import {module}
from creditflow.models import Base
for table in Base.metadata.tables.values():
    for key in table.foreign_keys:
        key.column  # raises NoReferencedTableError when the named table is not mapped
"""


def _fresh_python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("module", MODELS_MODULES)
def test_a_models_module_imported_alone_resolves_its_foreign_keys(module: str) -> None:
    done = _fresh_python(RESOLVE_FOREIGN_KEYS.format(module=module))
    assert done.returncode == 0, done.stderr
