"""No clock in the pure cores: they take "now" and "today" as arguments.

import-linter (`make lint`, contract "pure-cores" in pyproject.toml) keeps the database,
web and network libraries out of these modules; it cannot see a call to the clock,
so this test reads each module's syntax tree. The modules are listed once, in that
contract's `source_modules`.
"""

from __future__ import annotations

import ast
import importlib.util
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
CLOCK_METHODS = frozenset({"now", "today", "utcnow"})
TIME_FUNCTIONS = frozenset({"time", "time_ns", "monotonic", "perf_counter"})


def pure_cores() -> list[str]:
    """The modules of the "pure-cores" import-linter contract."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (contract,) = [c for c in contracts if c["id"] == "pure-cores"]
    return list(contract["source_modules"])


def _files(module: str) -> list[Path]:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None, f"{module}: not found"
    origin = Path(spec.origin)
    if origin.name == "__init__.py":  # a package: every module in it
        return sorted(origin.parent.rglob("*.py"))
    return [origin]


def clock_calls(source: str) -> list[str]:
    """Each call to the clock in `source`, as "line: call"."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "time":
            names = {alias.name for alias in node.names} & TIME_FUNCTIONS
            found += [f"{node.lineno}: from time import {name}" for name in sorted(names)]
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute):
            owner = func.value.id if isinstance(func.value, ast.Name) else None
            if func.attr in CLOCK_METHODS or (owner == "time" and func.attr in TIME_FUNCTIONS):
                found.append(f"{node.lineno}: {ast.unparse(func)}()")
        elif isinstance(func, ast.Name) and func.id == "utcnow":
            found.append(f"{node.lineno}: utcnow()")
    return found


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ("from datetime import datetime\nx = datetime.now()\n", ["2: datetime.now()"]),
        (
            "import datetime\nx = datetime.datetime.now(datetime.UTC)\n",
            ["2: datetime.datetime.now()"],
        ),
        ("from datetime import date\nd = date.today()\n", ["2: date.today()"]),
        ("x = datetime.utcnow()\n", ["1: datetime.utcnow()"]),
        ("import time\nt = time.time()\n", ["2: time.time()"]),
        ("import time\nt = time.monotonic()\n", ["2: time.monotonic()"]),
        ("from time import time\n", ["1: from time import time"]),
        ("x = utcnow()\n", ["1: utcnow()"]),
        ("def decide(as_of, now):\n    return now.date() == as_of\n", []),
        ("x = pl.col('due_date') < pl.lit(as_of)\n", []),
    ],
)
def test_the_checker_finds_every_kind_of_clock_call(source: str, found: list[str]) -> None:
    assert clock_calls(source) == found


def test_the_contract_lists_the_pure_cores() -> None:
    modules = pure_cores()
    for core in ("creditflow.strategy.engine", "creditflow.compliance.wik", "creditflow.money"):
        assert core in modules


@pytest.mark.parametrize("module", pure_cores())
def test_a_pure_core_never_reads_the_clock(module: str) -> None:
    calls = {
        str(path.relative_to(ROOT)): clock_calls(path.read_text(encoding="utf-8"))
        for path in _files(module)
    }
    assert {path: found for path, found in calls.items() if found} == {}
