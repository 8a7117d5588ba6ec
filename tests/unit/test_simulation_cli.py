"""`creditflow simulate generate` as the lead mounts it."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer
from typer.testing import CliRunner

from creditflow.simulation.cli import app

runner = CliRunner()


def _root() -> typer.Typer:
    root = typer.Typer()
    root.add_typer(app, name="simulate")
    return root


def test_generate_writes_the_three_files_and_prints_paths_and_counts(tmp_path: Path) -> None:
    out = tmp_path / "sample"
    result = runner.invoke(
        _root(),
        ["simulate", "generate", "--customers", "25", "--as-of", "2026-03-02", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    for name in ("customers", "invoices", "payments"):
        path = out / f"{name}.csv"
        rows = pl.read_csv(path, infer_schema=False).height
        assert str(path) in result.output
        assert any(line.split()[:2] == [name, str(rows)] for line in result.output.splitlines())
    assert pl.read_csv(out / "customers.csv").height == 25
    assert not (out / "traits.csv").exists()


def test_the_seed_decides_the_ledger(tmp_path: Path) -> None:
    def invoices(seed: str, folder: str) -> str:
        args = ["generate", "--customers", "10", "--as-of", "2026-03-02"]
        result = runner.invoke(app, [*args, "--out", str(tmp_path / folder), "--seed", seed])
        assert result.exit_code == 0, result.output
        return (tmp_path / folder / "invoices.csv").read_text(encoding="utf-8")

    assert invoices("1", "a") == invoices("1", "b")
    assert invoices("1", "a") != invoices("2", "c")


def test_traits_are_written_only_when_asked(tmp_path: Path) -> None:
    args = ["generate", "--customers", "5", "--as-of", "2026-03-02", "--out", str(tmp_path)]
    result = runner.invoke(app, [*args, "--traits"])
    assert result.exit_code == 0, result.output
    assert (
        (tmp_path / "traits.csv").read_text(encoding="utf-8").startswith("customer_id,payer_type")
    )


def test_a_bad_date_is_a_usage_error_naming_the_option(tmp_path: Path) -> None:
    args = ["generate", "--customers", "5", "--as-of", "02-03-2026", "--out", str(tmp_path)]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "--as-of" in result.output
    assert not (tmp_path / "customers.csv").exists()


def test_zero_customers_is_a_usage_error(tmp_path: Path) -> None:
    args = ["generate", "--customers", "0", "--as-of", "2026-03-02", "--out", str(tmp_path)]
    assert runner.invoke(app, args).exit_code == 2
