"""A debtor types the short link from an SMS: a real `creditflow serve` opens the pay page.

On a fresh database the credit manager imports a consumer who owes EUR 412.50 since
a week, runs the collection run (one SMS step) and dispatches through the sandbox.
The SMS carries `/l/XXXX-XXXX`; `creditflow serve` (a subprocess on a free port)
redirects it to that customer's pay page, refuses an unknown and an expired code with
one and the same page, and refuses a burst from one address with 429.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import text

from creditflow.db import make_engine
from tests.support.serve_process import CREDITFLOW, free_port, serve, user_environment

CUSTOMERS = """customer_id,name,kind,language,phone,postal_code,city
C001,Johanna van den Berg,consumer,nl,+31612345678,1011 AA,Amsterdam
"""
STRATEGY = """segments:
  - name: everyone
strategies:
  everyone:
    steps:
      - id: reminder1
        at: due+7d
        channels: [sms]
        template: reminder
"""


@pytest.fixture
def site(database_url: str, tmp_path: Path) -> dict:
    """A configured folder and the environment every `creditflow` command runs with."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    (tmp_path / "creditflow.toml").write_text(
        f"""
[organisation]
name = "Zonnepaneel Service Nederland B.V."
iban = "NL91ABNA0417164300"
phone = "020 123 4567"
email = "debiteuren@example-bv.nl"

[portal]
base_url = "{base}"
short_rate_capacity = 6
short_rate_per_minute = 1

[rules]
quiet_start = "00:00"
quiet_end = "24:00"
no_weekend_rest_channels = []
""",
        encoding="utf-8",
    )
    env = user_environment(database_url, tmp_path)
    return {"env": env, "base": base, "port": port, "dir": tmp_path, "db": database_url}


def _cli(site: dict, *args: str) -> str:
    done = subprocess.run(
        [str(CREDITFLOW), *args],
        cwd=site["dir"],
        env=site["env"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done.stdout


@pytest.fixture
def server(site: dict) -> Iterator[str]:
    """`creditflow serve` in its own process (tests/support/serve_process.py)."""
    with serve(site["db"], site["dir"], port=site["port"]) as served:
        assert served.base_url == site["base"]
        yield served.base_url


def _sms_with_a_short_link(site: dict) -> tuple[str, str]:
    """Import, run and dispatch; the SMS text and its short link."""
    today = datetime.now(ZoneInfo("Europe/Amsterdam")).date()
    folder = site["dir"]
    (folder / "customers.csv").write_text(CUSTOMERS, encoding="utf-8")
    (folder / "invoices.csv").write_text(
        "invoice_number,customer_id,issue_date,due_date,amount\n"
        f"INV-2026-1001,C001,{today - timedelta(days=21)},{today - timedelta(days=7)},412.50\n",
        encoding="utf-8",
    )
    (folder / "sms.yaml").write_text(STRATEGY, encoding="utf-8")
    _cli(site, "init")
    _cli(site, "import", "customers", "customers.csv")
    _cli(site, "import", "invoices", "invoices.csv")
    _cli(site, "strategy", "load", "sms.yaml")
    _cli(site, "run", "--as-of", today.isoformat())
    until = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    _cli(site, "dispatch", "--until", until)
    [sent] = list((folder / "outbox" / "sms").glob("*.json"))
    sms = json.loads(sent.read_text(encoding="utf-8"))["text"]
    found = re.search(re.escape(site["base"]) + r"/l/[0-9A-Z]{4}-[0-9A-Z]{4}", sms)
    assert found, sms
    return sms, found.group(0)


def test_a_short_link_opens_the_pay_page_and_nothing_else(site, server):
    sms, link = _sms_with_a_short_link(site)
    assert "/p/" not in sms

    with httpx.Client(timeout=10) as client:
        opened = client.get(link)
        assert opened.status_code == 303
        location = opened.headers["location"]
        assert location.startswith(f"{server}/p/")
        assert opened.headers["cache-control"] == "no-store"
        page = client.get(location)
        assert page.status_code == 200
        assert "412,50" in page.text and "INV-2026-1001" in page.text

        code = link.rsplit("/", 1)[1]
        typed = client.get(f"{server}/l/{code.lower().replace('-', '')}")
        assert (typed.status_code, typed.headers["location"]) == (303, location)

        unknown = client.get(f"{server}/l/ZZZZ-ZZZZ")
        engine = make_engine(site["env"]["CREDITFLOW_DATABASE_URL"])
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE short_link SET expires_at = :past"),
                {"past": datetime.now(UTC) - timedelta(minutes=1)},
            )
        engine.dispose()
        expired = client.get(link)
        assert unknown.status_code == expired.status_code == 404
        assert unknown.text == expired.text  # nobody learns whether a code exists
        assert "Deze link werkt niet (meer)" in expired.text
        assert 'href="/portal/login?lang=nl"' in expired.text
        english = client.get(link, headers={"Accept-Language": "en-GB,en;q=0.8"})
        assert "This link does not work (any more)" in english.text

        burst = [client.get(f"{server}/l/ZZZZ-ZZZZ").status_code for _ in range(5)]
        assert burst[-1] == 429 and set(burst) <= {404, 429}
        assert burst.index(429) == burst.count(404)  # refused from the first one on
        limited = client.get(link)
        assert limited.status_code == 429
        assert limited.headers["retry-after"] == "60"
