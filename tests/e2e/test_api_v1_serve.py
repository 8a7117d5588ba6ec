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


def test_a_crm_subscribed_with_the_cli_gets_a_signed_payment_event_from_a_delivery_pass(
    database_url, tmp_path
):
    import json

    from creditflow.webhooks.signing import verify
    from tests.support.http_receiver import running_receiver

    made = creditflow(database_url, tmp_path, "apikey", "create", "ERP", "--scope", "write")
    auth = {"Authorization": f"Bearer {made.stdout.strip()}"}
    with running_receiver() as receiver:
        added = creditflow(database_url, tmp_path, "webhook", "add", receiver.url("/hook"),
                           "--events", "payment.received,invoice.paid")  # fmt: skip
        assert added.returncode == 0, added.stderr
        secret = added.stdout.strip()
        assert secret.startswith("whsec_") and "shown once" in added.stderr
        wrong = creditflow(database_url, tmp_path, "webhook", "add", receiver.url("/x"),
                           "--events", "invoice.eaten")  # fmt: skip
        assert wrong.returncode == 1 and "unknown invoice.eaten" in wrong.stderr
        with (
            serve(database_url, tmp_path / "srv") as server,
            httpx.Client(base_url=server.base_url, headers=auth, timeout=60) as api,
        ):
            assert api.post("/api/v1/customers", json=CUSTOMER).status_code == 201
            assert api.post("/api/v1/invoices", json=INVOICE).status_code == 201
            payment = {"payment_id": "BANK-1", "amount": "842.50", "paid_at": "2026-03-20",
                       "invoice_number": "F-2026-001"}  # fmt: skip
            assert api.post("/api/v1/payments", json=payment).status_code == 201
        delivered = creditflow(database_url, tmp_path, "webhook", "deliver")
        assert "delivered 2" in delivered.stdout, delivered.stdout + delivered.stderr
        sent = receiver.wait_for(2)
    assert [json.loads(r.body)["type"] for r in sent] == ["payment.received", "invoice.paid"]
    assert all(verify(secret, r.headers, r.body, int(r.headers["webhook-timestamp"])) for r in sent)
    listed = creditflow(database_url, tmp_path, "webhook", "list")
    sub_id = added.stderr.split()[1]
    assert secret not in listed.stdout and sub_id in listed.stdout
    log = creditflow(database_url, tmp_path, "webhook", "log", sub_id, "--status", "delivered")
    assert log.returncode == 0 and log.stdout.count("delivered") == 2, log.stdout
    assert creditflow(database_url, tmp_path, "webhook", "log", "nope").returncode == 1
