"""An ERP writes to a real `creditflow serve` with an API key made by `creditflow apikey
create`: a customer and an invoice, each POST repeated with the same Idempotency-Key
(the stored answer, nothing written twice), then read back."""

from __future__ import annotations

import httpx

from tests.e2e.test_staff_browser import creditflow
from tests.support.serve_process import serve

CUSTOMER = {"customer_id": "ERP-1", "name": "Jansen Installatie", "kind": "business",
            "email": "boekhouding@jansen.example", "country": "NL"}  # fmt: skip
INVOICE = {"invoice_number": "F-2026-001", "customer_id": "ERP-1", "issue_date": "2026-03-01",
           "due_date": "2026-03-31", "amount": "842.50", "currency": "EUR"}  # fmt: skip


def test_an_erp_creates_a_customer_and_an_invoice_once_and_reads_them_back(database_url, tmp_path):
    made = creditflow(database_url, tmp_path, "apikey", "create", "ERP", "--scope", "write")
    assert made.returncode == 0, made.stderr
    reader = creditflow(database_url, tmp_path, "apikey", "create", "BI", "--scope", "read")
    auth = {"Authorization": f"Bearer {made.stdout.strip()}"}
    with (
        serve(database_url, tmp_path / "srv") as server,
        httpx.Client(base_url=server.base_url, headers=auth, timeout=60) as api,
    ):
        first = api.post("/api/v1/customers", json=CUSTOMER, headers={"Idempotency-Key": "c-1"})
        assert first.status_code == 201, first.text
        again = api.post("/api/v1/customers", json=CUSTOMER, headers={"Idempotency-Key": "c-1"})
        assert (again.status_code, again.json()) == (201, first.json())
        assert again.headers["idempotent-replayed"] == "true"
        invoice = api.post("/api/v1/invoices", json=INVOICE, headers={"Idempotency-Key": "i-1"})
        assert invoice.status_code == 201, invoice.text
        repeat = api.post("/api/v1/invoices", json=INVOICE, headers={"Idempotency-Key": "i-1"})
        assert repeat.json() == invoice.json()
        changed = api.post(
            "/api/v1/invoices",
            json={**INVOICE, "amount": "900.00"},
            headers={"Idempotency-Key": "i-1"},
        )
        assert changed.status_code == 422
        assert changed.headers["content-type"] == "application/problem+json"
        read = api.get("/api/v1/invoices", params={"customer_id": "ERP-1"}).json()
        assert [(i["invoice_number"], i["amount"], i["open"]["amount"]) for i in read["items"]] == [
            ("F-2026-001", {"amount": "842.50", "currency": "EUR"}, "842.50")
        ]
        customer = api.get("/api/v1/customers/ERP-1").json()
        assert customer["name"] == "Jansen Installatie"
        by_reader = httpx.post(
            f"{server.base_url}/api/v1/customers", json=CUSTOMER, timeout=60,
            headers={"Authorization": f"Bearer {reader.stdout.strip()}"},
        )  # fmt: skip
        assert by_reader.status_code == 403
        anonymous = httpx.get(f"{server.base_url}/api/v1/customers", timeout=60)
        assert anonymous.status_code == 401
    audit = creditflow(database_url, tmp_path, "apikey", "list")
    assert "ERP" in audit.stdout
