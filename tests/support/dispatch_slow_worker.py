"""A dispatch worker whose e-mail sandbox is slow, for the kill -9 test.

    python -m tests.support.dispatch_slow_worker DB_URL OUTBOX LOG DELAY CLAIM_TIMEOUT

Each send writes the sandbox file, appends the action id to LOG (the record of what
really went out), then sleeps DELAY seconds before dispatch records it.
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

from creditflow.channels.base import OutboundMessage, SendResult
from creditflow.channels.registry import build_adapters
from creditflow.channels.sandbox import SandboxAdapter
from creditflow.config import load_settings
from creditflow.config.sections import DispatchPolicy
from creditflow.db import make_engine
from creditflow.dispatch.loop import run_worker
from tests.support.any_hour import any_hour
from tests.support.dispatch_ledger import with_organisation


class SlowSandbox(SandboxAdapter):
    """The e-mail sandbox, logging every real send and pausing after it."""

    def __init__(self, outbox: Path, log: Path, delay: float) -> None:
        super().__init__("email", outbox)
        self.log, self.delay = log, delay

    def send(self, message: OutboundMessage) -> SendResult:
        result = super().send(message)
        with self.log.open("a", encoding="utf-8") as handle:
            handle.write(message.action_id + "\n")
        time.sleep(self.delay)
        return result


def main() -> None:
    url, outbox, log, delay, timeout = sys.argv[1:6]
    settings = any_hour(
        with_organisation(replace(load_settings({}), database_url=url, outbox_dir=Path(outbox)))
    )
    settings = replace(settings, dispatch=DispatchPolicy(claim_timeout_seconds=float(timeout)))
    adapters = build_adapters({}, Path(outbox))
    adapters["email"] = SlowSandbox(Path(outbox), Path(log), float(delay))
    print("ready", flush=True)
    run_worker(make_engine(url), settings, poll_seconds=0.2, batch_size=2, adapters=adapters)


if __name__ == "__main__":
    main()
