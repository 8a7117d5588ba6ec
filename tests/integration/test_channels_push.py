"""The push webhook adapter against a local receiver that checks the signature."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from creditflow.channels.base import OutboundMessage
from creditflow.channels.push import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    PushWebhookAdapter,
    verify_push_signature,
)

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # for tests.support

from tests.support.http_receiver import RecordedRequest, running_receiver  # noqa: E402
from tests.support.smtp_server import free_port  # noqa: E402

SECRET = "app-shared-secret"


def creditor_app(request: RecordedRequest) -> tuple[int, bytes]:
    """The creditor's app: refuses unsigned requests, knows customer C001 only."""
    ok = verify_push_signature(
        request.body,
        request.headers.get(TIMESTAMP_HEADER, ""),
        request.headers.get(SIGNATURE_HEADER, ""),
        SECRET,
        now=time.time(),
    )
    if not ok:
        return 401, b'{"error": "bad signature"}'
    payload = json.loads(request.body)
    if payload["customer_id"] != "C001":
        return 410, b'{"error": "no app installation for this customer"}'
    return 202, json.dumps({"id": f"push-{payload['action_id']}"}).encode()


def push(customer_id: str = "C001") -> OutboundMessage:
    return OutboundMessage(
        action_id="A-push",
        customer_id=customer_id,
        channel="push",
        to=f"app-user:{customer_id}",
        subject="Factuur open",
        text="Er staat € 412,50 open.",
        metadata={"deep_link": "https://portal.example.nl/c/tok"},
    )


def test_signed_push_is_accepted_by_the_app():
    with running_receiver(creditor_app) as app:
        adapter = PushWebhookAdapter(app.url("/creditflow/push"), SECRET)
        result = adapter.send(push())
        adapter.close()
        (request,) = app.requests
    assert (result.status, result.provider_message_id) == ("sent", "push-A-push")
    body = json.loads(request.body)
    assert body["text"] == "Er staat € 412,50 open."
    assert body["metadata"]["deep_link"] == "https://portal.example.nl/c/tok"
    assert request.headers["Idempotency-Key"] == "A-push"


def test_wrong_secret_is_refused_by_the_app_and_permanent():
    with running_receiver(creditor_app) as app:
        adapter = PushWebhookAdapter(app.url("/creditflow/push"), "not-the-secret")
        result = adapter.send(push())
        adapter.close()
    assert (result.status, result.contact_invalid) == ("permanent_failure", False)
    assert "401" in (result.error or "")


def test_customer_without_the_app_is_an_invalid_contact():
    with running_receiver(creditor_app) as app:
        adapter = PushWebhookAdapter(app.url("/creditflow/push"), SECRET)
        result = adapter.send(push(customer_id="C999"))
        adapter.close()
    assert (result.status, result.contact_invalid) == ("permanent_failure", True)


def test_app_outage_is_transient():
    with running_receiver(lambda request: (503, b"maintenance")) as app:
        adapter = PushWebhookAdapter(app.url("/p"), SECRET)
        assert adapter.send(push()).status == "transient_failure"
        adapter.close()
    unreachable = PushWebhookAdapter(f"http://127.0.0.1:{free_port()}/p", SECRET)
    assert unreachable.send(push()).status == "transient_failure"
