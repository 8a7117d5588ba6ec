"""The offline API reference at /api/docs: drawn on the server from app.openapi(), behind
the sign-in, with nothing loaded from elsewhere."""

from __future__ import annotations

import base64
import hashlib
import re

from tests.support.staff import add_staff, api_key, sign_in, staff_client


def test_the_api_reference_lists_every_operation_and_schema_and_loads_nothing_from_elsewhere(
    engine, settings
):
    client = staff_client(settings)
    assert client.get("/api/docs").status_code == 401
    assert client.get("/api/openapi.json").status_code == 401
    add_staff(engine, "anna@example.nl", "admin")
    sign_in(client, "anna@example.nl")
    spec = client.get("/api/openapi.json").json()
    page = client.get("/api/docs")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert not re.search(r"<script|src=\"http|href=\"http", page.text)
    style = re.search(r"<style>(.*?)</style>", page.text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in csp  # the browser applies the page's style
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            assert f'id="{operation["operationId"]}"' in page.text, (method, path)
    for name in spec.get("components", {}).get("schemas", {}):
        assert f'id="schema-{name}"' in page.text
    assert "<code>customer</code>" in page.text and "query" in page.text  # /api/actions
    key = api_key(engine, "read")
    by_key = staff_client(settings).get("/api/docs", headers={"Authorization": f"Bearer {key}"})
    assert by_key.status_code == 200
