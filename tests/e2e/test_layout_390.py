"""Every page a debtor opens fits a 390 px phone, with the creditor named.

The real `creditflow serve` runs as a subprocess on a fresh database, set up the way a
credit manager does it: `creditflow init`, CSV imports, the collection run and the
dispatcher (sandbox e-mail in the outbox). The links come from the e-mail the debtor
received. Headless Chromium opens each page at 390 x 844 and at desktop width and
checks nothing scrolls sideways and the invoice status stays on screen. Screenshots
go to test-artifacts/layout/.
"""

from __future__ import annotations

import email
import email.policy
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.serve_process import CREDITFLOW, free_port, serve, user_environment

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "layout"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CREDITOR = "Zonnepaneel Service Nederland B.V."


def _customers() -> str:
    return (
        "customer_id,name,kind,language,email,address_line1,postal_code,city\n"
        "C001,Johanna Wilhelmina van Oldenbarnevelt-Verschuuren,consumer,nl,"
        "johanna@example.nl,Dorpsstraat 1,1234 AB,Utrecht\n"
        "C002,Bakkerij De Korenaar B.V.,business,en,info@korenaar.example,"
        "Markt 3,3511 AA,Utrecht\n"
    )


def _invoices(today: datetime) -> str:
    rows = ["invoice_number,customer_id,issue_date,due_date,amount,description"]
    for n in range(4):
        due = (today - timedelta(days=12 + n)).date()
        issued = due - timedelta(days=14)
        rows.append(
            f"ZSN-2026-{1001 + n:06d},C001,{issued},{due},{1250 + 311 * n}.45,"
            "Onderhoud zonnepanelen en omvormer inclusief voorrijkosten"
        )
    due = (today - timedelta(days=15)).date()
    rows.append(f"KOR-77,C002,{due - timedelta(days=30)},{due},18450.00,Ovenreparatie")
    return "\n".join(rows) + "\n"


@dataclass
class Served:
    base: str
    outbox: Path
    emails: dict[str, email.message.EmailMessage]


def _cli(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [str(CREDITFLOW), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, (args, done.stdout, done.stderr)
    return done


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`creditflow serve` on a free port over a ledger whose reminders went out by e-mail."""
    folder = tmp_path_factory.mktemp("layout")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    config = (
        f'[organisation]\nname = "{CREDITOR}"\niban = "NL34RABO8106340368"\n'
        'bic = "RABONL2U"\naddress_line1 = "Energieweg 21"\npostal_code = "3542 DZ"\n'
        'city = "Utrecht"\nemail = "debiteuren@zonnepaneelservice.example"\n'
        'phone = "+31302070450"\n\n'
        '[rules]\nquiet_start = "00:00"\nquiet_end = "24:00"\nno_weekend_rest_channels = []\n\n'
        f'[portal]\nbase_url = "{base}"\n'
    )
    (folder / "creditflow.toml").write_text(config, encoding="utf-8")
    env = user_environment(f"sqlite:///{folder / 'creditflow.db'}", folder)
    today = datetime.now(UTC)
    (folder / "customers.csv").write_text(_customers(), encoding="utf-8")
    (folder / "invoices.csv").write_text(_invoices(today), encoding="utf-8")
    _cli(env, folder, "init")
    _cli(env, folder, "import", "customers", "customers.csv")
    _cli(env, folder, "import", "invoices", "invoices.csv")
    _cli(env, folder, "run", "--as-of", today.date().isoformat())
    until = (today + timedelta(days=1)).isoformat()
    _cli(env, folder, "dispatch", "--until", until)
    emails = {}
    for path in sorted((folder / "outbox" / "email").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        emails[str(message["To"])] = message
    assert set(emails) == {"johanna@example.nl", "info@korenaar.example"}, emails

    with serve(env["CREDITFLOW_DATABASE_URL"], folder, config=config, port=port):
        yield Served(base, folder / "outbox", emails)


def _links(message: email.message.EmailMessage) -> tuple[str, str]:
    """The pay link and the portal link of a reminder e-mail."""
    text = message.get_body(("plain",)).get_content()
    pay = re.search(r"https?://\S+/p/[\w.-]+", text)
    portal = re.search(r"https?://\S+/portal/[\w.-]+(?=/preferences)", text)
    assert pay and portal, text
    return pay.group(0), portal.group(0)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield chromium
        chromium.close()


def _check_fits(  # type: ignore[no-untyped-def]
    browser, name: str, *, url: str | None = None, html: str | None = None, status: int = 200
):
    """Open the page at phone and desktop width; return the phone page's visible text."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    text = ""
    for label, viewport in (("390", PHONE), ("desktop", DESKTOP)):
        page = browser.new_page(viewport=viewport)
        if url is not None:
            response = page.goto(url)
            assert response is not None and response.status == status, (url, response)
        else:
            page.set_content(html or "")
        page.screenshot(path=str(ARTIFACTS / f"{name}-{label}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{name} is {width} px wide at {viewport['width']} px"
        overflowing = page.evaluate(
            """(limit) => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > limit + 0.5)
                .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 40))""",
            viewport["width"],
        )
        assert not overflowing, f"{name} at {viewport['width']} px: {overflowing[:5]}"
        if label == "390":
            text = page.inner_text("body")
            for state in page.query_selector_all(".state"):
                box = state.bounding_box()
                assert box is not None and box["x"] + box["width"] <= viewport["width"]
        page.close()
    return text


def test_the_portal_fits_a_phone_and_names_the_creditor(served, browser):
    _, portal = _links(served.emails["johanna@example.nl"])
    text = _check_fits(browser, "portal-nl", url=portal)
    assert CREDITOR in text
    assert "Achterstallig" in text or "Open" in text  # the status column is there
    assert "ZSN-2026-001004" in text
    english = _check_fits(browser, "portal-en", url=f"{portal}?lang=en")
    assert CREDITOR in english and "Status" in english


def test_the_login_and_refusal_pages_fit_a_phone_and_name_the_creditor(served, browser):
    text = _check_fits(browser, "login", url=f"{served.base}/portal/login")
    assert CREDITOR in text
    english = _check_fits(browser, "login-en", url=f"{served.base}/portal/login?lang=en")
    assert CREDITOR in english
    refused = _check_fits(browser, "refused", url=f"{served.base}/portal/not-a-token", status=403)
    assert CREDITOR in refused


def test_the_pay_page_fits_a_phone_and_writes_the_creditor_once(served, browser):
    pay, _ = _links(served.emails["info@korenaar.example"])
    text = _check_fits(browser, "pay-en", url=pay)
    assert f"This is what is still open with {CREDITOR}\n" in text
    assert "B.V.." not in text
    dutch = _check_fits(browser, "pay-nl", url=f"{pay}?lang=nl")
    assert "B.V.." not in dutch


def test_the_html_reminder_fits_a_phone(served, browser):
    for to, name in (("johanna@example.nl", "email-nl"), ("info@korenaar.example", "email-en")):
        html = served.emails[to].get_body(("html",)).get_content()
        text = _check_fits(browser, name, html=html)
        assert CREDITOR in text
        assert "B.V.." not in text
