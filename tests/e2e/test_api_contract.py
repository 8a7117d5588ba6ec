"""Contract tests generated from the OpenAPI document (schemathesis) against a real
`creditflow serve`: every `/api/v1` operation, with a write key, answers no 500, only
documented status codes, and bodies and content types its schema allows; without a
key every operation answers 401.

A few examples per operation keep the run short (< 60 s on the small CI machine).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from creditflow.api.app import create_app
from creditflow.config import Settings
from tests.e2e.test_staff_browser import creditflow
from tests.support.serve_process import ServeProcess, serve

EXAMPLES = 5  # per operation: the whole run stays under a minute
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServeProcess, str]]:
    """A fresh database with one write key, and `creditflow serve` on it."""
    folder: Path = tmp_path_factory.mktemp("contract")
    database_url = f"sqlite:///{folder / 'creditflow.db'}"
    made = creditflow(database_url, folder, "apikey", "create", "contract", "--scope", "write")
    if made.returncode != 0:
        raise subprocess.SubprocessError(made.stderr)
    with serve(database_url, folder / "srv") as running:
        yield running, made.stdout.strip()


@pytest.fixture(scope="module")
def api_schema(server: tuple[ServeProcess, str]) -> schemathesis.schemas.BaseSchema:
    """The app's own OpenAPI document, as served at /api/openapi.json to a key."""
    running, key = server
    document = httpx.get(
        f"{running.base_url}/api/openapi.json",
        headers={"Authorization": f"Bearer {key}"},
        timeout=60,
    )
    document.raise_for_status()
    schema = schemathesis.openapi.from_dict(document.json())
    return schema.include(path_regex="^/api/v1/")


def _v1_operations() -> list[tuple[str, str]]:
    """(method, path) of every /api/v1 operation, read from an in-process app."""
    document = create_app(Settings(database_url="sqlite://")).openapi()
    return sorted(
        (method.upper(), path)
        for path, item in document["paths"].items()
        if path.startswith("/api/v1/")
        for method in item
    )


OPERATIONS = _v1_operations()


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_v1_operation_keeps_its_contract(api_schema, server, method, path):
    running, key = server
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck), database=None,
    )  # fmt: skip
    def keeps_contract(case: schemathesis.Case) -> None:
        case.call_and_validate(
            base_url=running.base_url,
            headers={"Authorization": f"Bearer {key}"},
            checks=CHECKS,
            timeout=60,
        )

    keeps_contract()


def test_every_v1_operation_refuses_a_request_without_a_key(server):
    running, _ = server
    assert len(OPERATIONS) >= 15
    for method, path in OPERATIONS:
        url = running.base_url + path.replace("{", "").replace("}", "")
        answer = httpx.request(method, url, timeout=60)
        assert answer.status_code == 401, (method, path, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
