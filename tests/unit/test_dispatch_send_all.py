"""Handing a started batch to the adapters: per channel, concurrently where the adapter
can, one by one otherwise; results come back in the batch's order, adapter bugs become
transient failures."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from creditflow.channels.base import OutboundMessage, SendResult
from creditflow.dispatch.batch import Planned, Started, send_all
from creditflow.dispatch.render import RenderedAction


def started(action_id: str, channel: str, index: int) -> Started:
    to = "x@voorbeeld.nl" if channel == "email" else "+31612345678"
    message = OutboundMessage(
        action_id=action_id, customer_id="C001", channel=channel, to=to, text="Betaal a.u.b."
    )
    planned = Planned(
        index, action_id, channel, to, RenderedAction(message, None), {}, 1, "reminder1", "reminder"
    )
    return Started(planned, attempt_pk=100 + index, attempt=1)


class OneByOne:
    """An adapter with send only."""

    def __init__(self, name: str, fail: Sequence[str] = (), raise_on: Sequence[str] = ()):
        self.name = name
        self.fail, self.raise_on = set(fail), set(raise_on)
        self.sent: list[str] = []

    def send(self, message: OutboundMessage) -> SendResult:
        if message.action_id in self.raise_on:
            raise RuntimeError("adapter bug")
        self.sent.append(message.action_id)
        if message.action_id in self.fail:
            return SendResult.permanent(self.name, "refused")
        return SendResult.sent(self.name, f"id-{message.action_id}")

    def close(self) -> None:
        pass


class Concurrent(OneByOne):
    """An adapter with a send_batch, recording the batches it got."""

    def __init__(self, name: str, explode: bool = False):
        super().__init__(name)
        self.batches: list[tuple[list[str], int]] = []
        self.explode = explode

    def send_batch(
        self, messages: Sequence[OutboundMessage], concurrency: int = 32
    ) -> list[SendResult]:
        if self.explode:
            raise RuntimeError("pool broke")
        self.batches.append(([m.action_id for m in messages], concurrency))
        return [SendResult.sent(self.name, f"many-{m.action_id}") for m in messages]


def test_results_come_back_in_batch_order_across_channels():
    email, sms = OneByOne("smtp", fail=["a3"]), Concurrent("twilio_sms")
    batch = [
        started("a1", "email", 0),
        started("a2", "sms", 1),
        started("a3", "email", 2),
        started("a4", "sms", 3),
    ]

    results = send_all({"email": email, "sms": sms}, batch, concurrency=4)

    assert [(r.status, r.provider_message_id) for r in results] == [
        ("sent", "id-a1"),
        ("sent", "many-a2"),
        ("permanent_failure", None),
        ("sent", "many-a4"),
    ]
    assert sms.batches == [(["a2", "a4"], 4)] and sms.sent == []
    assert email.sent == ["a1", "a3"]


def test_a_single_message_goes_through_send_even_when_the_adapter_can_batch():
    sms = Concurrent("twilio_sms")
    [result] = send_all({"sms": sms}, [started("a1", "sms", 0)], concurrency=8)
    assert result.provider_message_id == "id-a1" and sms.batches == []


@pytest.mark.parametrize(
    ("adapters", "channel", "expected"),
    [
        ({}, "email", ("permanent_failure", "no adapter for channel email")),
        ({"email": OneByOne("smtp", raise_on=["a1", "a2"])}, "email", ("transient_failure", "bug")),
        ({"sms": Concurrent("twilio_sms", explode=True)}, "sms", ("transient_failure", "broke")),
    ],
)
def test_a_missing_or_broken_adapter_fails_the_messages_without_stopping_the_batch(
    adapters, channel, expected
):
    batch = [started("a1", channel, 0), started("a2", channel, 1)]
    results = send_all(adapters, batch, concurrency=2)
    status, words = expected
    assert [r.status for r in results] == [status, status]
    assert all(words in (r.error or "") for r in results)
