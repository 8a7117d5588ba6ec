"""Day one with the command line, as a user runs it (subprocesses of `creditflow`):
clear errors and exit codes instead of tracebacks, and a complete strategy check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.test_strategy_check import BILLION_LAUGHS

CREDITFLOW = Path(sys.executable).with_name("creditflow")

CUSTOMERS = """customer_id,name,kind,email,phone,address_line1,postal_code,city
C001,Jan de Vries,consumer,jan@example.nl,0612345678,Dorpsstraat 1,1234 AB,Utrecht
C002,Bakkerij Brood B.V.,business,info@bakkerij.nl,020-1234567,Markt 3,3511 AA,Utrecht
"""
INVOICES = """invoice_number,customer_id,issue_date,due_date,amount
INV-1,C001,2026-01-01,2026-02-20,120.00
INV-2,C002,2026-01-01,2026-02-01,900.00
"""
ORGANISATION = """[organisation]
name = "Voorbeeld B.V."
iban = "{iban}"
"""


@pytest.fixture
def cli(database_url: str, tmp_path: Path):
    env = {
        **os.environ,
        "CREDITFLOW_DATABASE_URL": database_url,
        "CREDITFLOW_OUTBOX_DIR": str(tmp_path / "outbox"),
        "COLUMNS": "80",
    }
    env.pop("CREDITFLOW_CONFIG", None)

    def run(*args: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(CREDITFLOW), *args],
            cwd=tmp_path,
            env={**env, **extra_env},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )

    return run


def _no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    shown = done.stdout + done.stderr
    assert "Traceback" not in shown and 'File "' not in shown, shown


def test_a_yaml_alias_bomb_is_refused_with_its_line(cli, tmp_path: Path):
    (tmp_path / "bomb.yaml").write_text(BILLION_LAUGHS)
    checked = cli("strategy", "check", "bomb.yaml")
    assert checked.returncode == 1
    assert checked.stderr.startswith("bomb.yaml:7: too many aliases"), checked.stderr


def test_a_step_naming_a_template_that_does_not_exist_fails_the_check(cli, tmp_path: Path):
    from creditflow.strategy.service import default_strategy_text

    text = default_strategy_text().replace("template: reminder\n", "template: nonexistent\n", 1)
    (tmp_path / "typo.yaml").write_text(text)
    checked = cli("strategy", "check", "typo.yaml")
    assert checked.returncode == 1
    line = text.splitlines().index("        template: nonexistent") + 1
    assert checked.stderr.startswith(f"typo.yaml:{line}: consumers.reminder1: no message template")
    assert cli("init").returncode == 0
    assert cli("strategy", "load", "typo.yaml").returncode == 1


def test_a_template_of_the_organisations_own_folder_passes_the_check(cli, tmp_path: Path):
    from creditflow.strategy.service import default_strategy_text

    own = tmp_path / "templates" / "en"
    own.mkdir(parents=True)
    (own / "house_style.j2").write_text("{% macro body() %}Please pay.{% endmacro %}\n")
    (tmp_path / "creditflow.toml").write_text('[messages]\ntemplate_dir = "templates"\n')
    text = default_strategy_text().replace("template: reminder\n", "template: house_style\n", 1)
    (tmp_path / "own.yaml").write_text(text)
    checked = cli("strategy", "check", "own.yaml")
    assert checked.returncode == 0, checked.stderr
