"""`creditflow --help` answers at once: no heavy library is imported to print it."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sqlalchemy", "polars", "numpy", "reportlab", "sklearn", "fastapi", "jinja2", "rich")

SHOW_HELP_AND_LIST_MODULES = """
import sys
sys.argv = ["creditflow", *sys.argv[1:]]
from creditflow.cli import main
try:
    main()
except SystemExit:
    pass
print(" ".join(sorted(sys.modules)), file=sys.stderr)
"""


def _modules_loaded_for(*args: str) -> tuple[str, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", SHOW_HELP_AND_LIST_MODULES, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stdout, {name.split(".")[0] for name in done.stderr.split()}


def test_help_lists_the_commands_without_loading_any_heavy_library():
    shown, loaded = _modules_loaded_for("--help")
    assert "dispatch" in shown and "template" in shown and "payments" in shown
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_help_of_a_command_group_loads_no_heavy_library_either():
    shown, loaded = _modules_loaded_for("template", "--help")
    assert "preview" in shown
    assert loaded.isdisjoint({"sqlalchemy", "polars", "numpy", "reportlab", "jinja2"})
