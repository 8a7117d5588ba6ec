"""Channel throughput on loopback; prints one JSON line per measurement.

    .venv/bin/python bench/channels.py [--emails 2000] [--sms 5000] [--concurrency 64]

- e-mails per second through ``SmtpAdapter`` (one reused connection) into a loopback
  aiosmtpd server (target 300/s);
- SMS API calls per second through ``TwilioMessagingAdapter.send_many`` against the
  Twilio emulator running in its own process (target 1,000/s).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the loopback servers live in tests/support

from tests.support.smtp_server import running_smtp_server  # noqa: E402

from creditflow.channels.base import OutboundMessage  # noqa: E402
from creditflow.channels.email_smtp import SmtpAdapter  # noqa: E402
from creditflow.channels.twilio import TwilioMessagingAdapter  # noqa: E402

SID = "AC" + "b" * 32
TOKEN = "bench-token"


def report(name: str, count: int, seconds: float, target: float, **extra: object) -> None:
    """Print one measurement as a JSON line."""
    rate = count / seconds if seconds else float("inf")
    line = {"measurement": name, "per_second": round(rate, 1), "target_per_second": target}
    line |= {"count": count, "seconds": round(seconds, 3), "meets_target": rate >= target}
    print(json.dumps(line | extra), flush=True)


def bench_email(count: int) -> None:
    """Send ``count`` reminders over one SMTP connection and time it."""
    with running_smtp_server() as server:
        adapter = SmtpAdapter(
            server.host, server.port, "none", from_addr="bench@example.nl", timeout=10
        )
        messages = [
            OutboundMessage(
                action_id=f"bench-email-{n}",
                customer_id=f"C{n:05d}",
                channel="email",
                to=f"debtor{n}@example.nl",
                subject=f"Herinnering factuur INV-{n}",
                text=f"Er staat € 412,50 open. Betaal via https://pay.example.nl/p/{n}\n",
                html=f'<p>Er staat € 412,50 open. <a href="https://pay.example.nl/p/{n}">Betaal</a>',
                metadata={"unsubscribe_url": f"https://portal.example.nl/u/{n}"},
            )
            for n in range(count)
        ]
        started = time.perf_counter()
        results = [adapter.send(message) for message in messages]
        elapsed = time.perf_counter() - started
        adapter.close()
        failed = sum(not r.ok for r in results)
        received = len(server.messages)
    report(
        "email_smtp_loopback",
        count,
        elapsed,
        300,
        failed=failed,
        received=received,
        connections=adapter.connections_opened,
    )


def bench_sms(count: int, concurrency: int) -> None:
    """Send ``count`` SMS with the async batch against the emulator in a subprocess."""
    emulator = subprocess.Popen(
        [sys.executable, "-m", "tests.support.twilio_emulator", "--port", "0",
         "--account-sid", SID, "--auth-token", TOKEN],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert emulator.stdout is not None
        port = int(emulator.stdout.readline())
        adapter = TwilioMessagingAdapter(SID, TOKEN, "+3197010000000", f"http://127.0.0.1:{port}")
        _wait_until_up(adapter)
        messages = [
            OutboundMessage(
                action_id=f"bench-sms-{n}",
                customer_id=f"C{n:05d}",
                channel="sms",
                to=f"+316{n:08d}",
                text=f"Er staat EUR 412,50 open. Betaal: https://pay.example.nl/p/{n}",
            )
            for n in range(count)
        ]
        started = time.perf_counter()
        results = asyncio.run(adapter.send_many(messages, concurrency=concurrency))
        elapsed = time.perf_counter() - started
        failed = sum(not r.ok for r in results)
        report("sms_twilio_emulator_async", count, elapsed, 1000, failed=failed,
               concurrency=concurrency)  # fmt: skip
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)


def _wait_until_up(adapter: TwilioMessagingAdapter) -> None:
    probe = OutboundMessage(
        action_id="probe", customer_id="C0", channel="sms", to="+31600000000", text="probe"
    )
    deadline = time.monotonic() + 10
    while not adapter.send(probe).ok:
        if time.monotonic() > deadline:
            raise SystemExit("the Twilio emulator did not come up")
        time.sleep(0.05)
    adapter.close()


def main() -> None:
    """Run the measurements chosen on the command line."""
    parser = argparse.ArgumentParser(description="channel throughput on loopback")
    parser.add_argument("--emails", type=int, default=2000)
    parser.add_argument("--sms", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    if args.emails:
        bench_email(args.emails)
    if args.sms:
        bench_sms(args.sms, args.concurrency)


if __name__ == "__main__":
    main()
