"""Day one with a freshly started `creditflow serve` (a subprocess on a fresh database).

Jan de Vries owes Voorbeeld Installatie B.V. EUR 150.50 on two invoices. He opens
his pay link, pays at the checkout and is thanked at once; when the payment cannot be
recorded nothing says "paid" until the provider's retry is; without a payment
provider he still sees how to transfer the money; the unsubscribe link in his
reminder e-mail works in one click; a portal login code reaches him without anyone
running dispatch.
"""

from __future__ import annotations

import email
import re
import subprocess
from collections.abc import Iterator
from email.message import Message
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, text

from creditflow.config import Settings
from creditflow.strategy.run import collection_run
from tests.support.any_hour import ANY_HOUR_RULES
from tests.support.pay_scenario import RUN_DAY, app_settings, rows, seed_ledger, token_for
from tests.support.serve_process import CREDITFLOW, ServeProcess, serve

ORGANISATION = (
    """
[organisation]
name = "Voorbeeld Installatie B.V."
iban = "NL91ABNA0417164300"
bic = "ABNANL2A"
email = "debiteuren@voorbeeld-installatie.nl"
"""
    + ANY_HOUR_RULES
)
SANDBOX = '\n[payments]\nprovider = "sandbox"\n'
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def ledger(engine: Engine, settings: Settings, tmp_path: Path) -> Engine:
    """Jan (C001, two invoices, EUR 150.50) and another customer, reminder 1 queued."""
    seed_ledger(engine, app_settings(settings), tmp_path)
    collection_run(engine, settings, RUN_DAY.date(), now=RUN_DAY)
    return engine


@pytest.fixture
def debtor() -> Iterator[httpx.Client]:
    """A browser-like client: keeps cookies, follows no redirects by itself."""
    with httpx.Client(timeout=60) as client:
        yield client


def csrf(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "the page has no CSRF field"
    return found.group(1)


def press_pay_all(server: ServeProcess, debtor: httpx.Client, token: str) -> str:
    """Open the pay page, press "Alles betalen"; the checkout URL the debtor is sent to."""
    page = debtor.get(f"{server.base_url}/p/{token}")
    assert page.status_code == 200, page.text
    started = debtor.post(
        f"{server.base_url}/p/{token}/pay", data={"csrf": csrf(page.text), "scope": "all"}
    )
    assert started.status_code == 303, started.text
    checkout = started.headers["location"]
    assert checkout.startswith(f"{server.base_url}/sandbox/checkout/sb_"), checkout
    return checkout


def press_checkout(debtor: httpx.Client, checkout: str, outcome: str) -> httpx.Response:
    page = debtor.get(checkout)
    assert page.status_code == 200, page.text
    return debtor.post(checkout, data={"csrf": csrf(page.text), "outcome": outcome})


def jan_invoices(engine: Engine) -> list[dict[str, object]]:
    return rows(
        engine,
        "SELECT invoice_number, open_minor FROM invoice WHERE invoice_number LIKE 'INV-100%' "
        "ORDER BY invoice_number",
    )


def test_a_debtor_pays_through_a_freshly_started_serve(ledger, settings, tmp_path, debtor):
    with serve(settings.database_url, tmp_path / "srv", config=ORGANISATION + SANDBOX) as server:
        token = token_for(ledger, settings, "C001")
        page = debtor.get(f"{server.base_url}/p/{token}")
        assert "Testomgeving" in page.text, "the pay page says the sandbox is on"
        checkout = press_checkout(debtor, press_pay_all(server, debtor, token), "paid")
        assert checkout.status_code == 303, checkout.text
        back = debtor.get(checkout.headers["location"])
        assert "Betaald. Hartelijk dank!" in back.text
        assert "Er staat niets meer open" in back.text
        log = server.output()
    assert "WARNING: the sandbox payment provider is ON" in log
    (payment,) = rows(ledger, "SELECT id, amount_minor, source FROM payment")
    assert (payment["amount_minor"], payment["source"]) == (15050, "sandbox")
    assert rows(ledger, "SELECT status, payment_id FROM payment_request") == [
        {"status": "paid", "payment_id": payment["id"]}
    ]
    assert jan_invoices(ledger) == [
        {"invoice_number": "INV-1001", "open_minor": 0},
        {"invoice_number": "INV-1002", "open_minor": 0},
    ]
    (thanks,) = rows(ledger, "SELECT action_id, status FROM action WHERE step = 'payment_thanks'")
    assert thanks["status"] == "sent", "the thank-you goes out at once, not at the next dispatch"
    assert (tmp_path / "srv" / "outbox" / "email" / f"{thanks['action_id']}.eml").is_file()


def _refuse_payments(engine: Engine) -> None:
    """Make the database refuse every new payment row, as a full disk or a lost lock would."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.execute(
                text(
                    "CREATE TRIGGER refuse_payment BEFORE INSERT ON payment "
                    "BEGIN SELECT RAISE(ABORT, 'no space left on device'); END"
                )
            )
            return
        conn.execute(
            text(
                "CREATE FUNCTION refuse_payment() RETURNS trigger AS $$ BEGIN "
                "RAISE EXCEPTION 'no space left on device'; END $$ LANGUAGE plpgsql"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER refuse_payment BEFORE INSERT ON payment "
                "FOR EACH ROW EXECUTE FUNCTION refuse_payment()"
            )
        )


def _accept_payments(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "DROP TRIGGER refuse_payment"
                + ("" if conn.dialect.name == "sqlite" else " ON payment")
            )
        )


def test_a_paid_checkout_that_cannot_be_recorded_is_not_paid_until_the_retry_is(
    ledger, settings, tmp_path, debtor
):
    with serve(settings.database_url, tmp_path / "srv", config=ORGANISATION + SANDBOX) as server:
        token = token_for(ledger, settings, "C001")
        checkout = press_pay_all(server, debtor, token)
        _refuse_payments(ledger)
        answer = press_checkout(debtor, checkout, "paid")
        assert answer.status_code == 503, answer.text
        assert "Betaal niet opnieuw" in answer.text
        assert rows(ledger, "SELECT count(*) AS n FROM payment") == [{"n": 0}]
        assert rows(ledger, "SELECT status, payment_id FROM payment_request") == [
            {"status": "open", "payment_id": None}
        ], "nothing is marked paid without its payment"
        assert [i["open_minor"] for i in jan_invoices(ledger)] == [10000, 5050]
        page = debtor.get(f"{server.base_url}/p/{token}")
        assert "Betaald" not in page.text and "We wachten op uw betaling." in page.text
        provider_id = checkout.rsplit("/", 1)[1]
        retry = debtor.post(f"{server.base_url}/webhooks/sandbox", data={"id": provider_id})
        assert retry.status_code == 503, "the provider is told to retry"

        _accept_payments(ledger)
        retry = debtor.post(f"{server.base_url}/webhooks/sandbox", data={"id": provider_id})
        assert (retry.status_code, retry.text) == (200, "recorded")
        assert "Betaald. Hartelijk dank!" in debtor.get(f"{server.base_url}/p/{token}").text
    (payment,) = rows(ledger, "SELECT id, amount_minor FROM payment")
    assert payment["amount_minor"] == 15050
    assert rows(ledger, "SELECT status, payment_id FROM payment_request") == [
        {"status": "paid", "payment_id": payment["id"]}
    ]
    assert [i["open_minor"] for i in jan_invoices(ledger)] == [0, 0]


def test_without_a_payment_provider_the_pay_page_shows_the_bank_transfer(
    ledger, settings, tmp_path, debtor
):
    with serve(settings.database_url, tmp_path / "srv", config=ORGANISATION) as server:
        token = token_for(ledger, settings, "C001")
        page = debtor.get(f"{server.base_url}/p/{token}")
        assert page.status_code == 200, page.text
        html = page.text.replace("\xa0", " ")
        assert "NL91 ABNA 0417 1643 00" in html and "€ 150,50" in html
        assert "Online betalen is hier niet mogelijk" in html
        assert "Alles betalen" not in html and "Testomgeving" not in html
        pay = debtor.post(f"{server.base_url}/p/{token}/pay", data={"csrf": csrf(page.text)})
        assert pay.status_code == 503
        assert debtor.get(f"{server.base_url}/sandbox/checkout/sb_x").status_code == 404
        assert (
            debtor.post(f"{server.base_url}/webhooks/sandbox", data={"id": "sb_x"}).status_code
            == 404
        )
        log = server.output()
    assert "sandbox payment provider is ON" not in log
    assert "no payment provider is configured" in log
    assert rows(ledger, "SELECT count(*) AS n FROM payment_request") == [{"n": 0}]


def _dispatch(server: ServeProcess, settings: Settings, folder: Path) -> None:
    """`creditflow dispatch` as the operator runs it, with links pointing at the server."""
    config = folder / "dispatch.toml"
    config.write_text(ORGANISATION + f'\n[portal]\nbase_url = "{server.base_url}"\n')
    env = {
        "PATH": "/usr/bin:/bin",
        "CREDITFLOW_DATABASE_URL": settings.database_url,
        "CREDITFLOW_OUTBOX_DIR": str(folder / "outbox"),
        "CREDITFLOW_CONFIG": str(config),
    }
    done = subprocess.run(  # noqa: S603 - our own console script
        [str(CREDITFLOW), "dispatch", "--until", "2030-01-01T00:00:00+00:00"],
        env=env,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _reminder_email(folder: Path) -> Message:
    (eml,) = (folder / "outbox" / "email").glob("*.eml")
    return email.message_from_bytes(eml.read_bytes())


def test_the_unsubscribe_link_of_a_reminder_opts_out_in_one_click(
    ledger, settings, tmp_path, debtor
):
    with serve(settings.database_url, tmp_path / "srv", config=ORGANISATION) as server:
        _dispatch(server, settings, tmp_path / "srv")
        mail = _reminder_email(tmp_path / "srv")
        assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        found = re.search(r"<(http[^>]+)>", str(mail["List-Unsubscribe"]))
        assert found, mail["List-Unsubscribe"]
        link = found.group(1)
        assert link.startswith(f"{server.base_url}/portal/") and link.endswith("/preferences")
        body = b"".join(
            part.get_payload(decode=True) or b"" for part in mail.walk() if not part.is_multipart()
        )
        assert link.encode() in body, "the footer link is the same link"

        page = debtor.get(link)  # what following the link in the e-mail does
        assert page.status_code == 200, page.text
        assert "Afmelden voor e-mail" in page.text and "Bewaar voorkeuren" in page.text

        # What a mail program sends for List-Unsubscribe-Post: no cookie, no CSRF field.
        one_click = httpx.post(
            link,
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            timeout=60,
        )
        assert one_click.status_code == 200, one_click.text
        assert "U bent afgemeld" in one_click.text
        assert "U ontvangt geen e-mail meer van ons." in debtor.get(link).text
    (jan,) = rows(ledger, "SELECT id, opt_out FROM customer WHERE customer_id = 'C001'")
    assert "email" in str(jan["opt_out"])
    assert rows(
        ledger,
        "SELECT source FROM consent WHERE customer_id = :c AND channel = 'email'",
        c=jan["id"],
    )[-1] == {"source": "list-unsubscribe"}


def test_a_portal_login_code_arrives_without_anyone_running_dispatch(
    ledger, settings, tmp_path, debtor
):
    with serve(settings.database_url, tmp_path / "srv", config=ORGANISATION) as server:
        form = debtor.get(f"{server.base_url}/portal/login")
        assert form.status_code == 200
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token
        asked = debtor.post(
            f"{server.base_url}/portal/login",
            data={"customer_id": "C001", "contact": "jan@example.nl", "csrf_token": token.group(1)},
        )
        assert asked.status_code == 200, asked.text
    (code,) = rows(ledger, "SELECT action_id, status FROM action WHERE step = 'access_code'")
    assert code["status"] == "sent"
    mail = (tmp_path / "srv" / "outbox" / "email" / f"{code['action_id']}.eml").read_bytes()
    assert re.search(rb"\b\d{6}\b", mail), "the code is in the e-mail"


def test_a_signed_stop_by_sms_is_kept_and_confirmed_at_once(ledger, settings, tmp_path):
    from creditflow.channels.twilio import sign_twilio_request

    config = ORGANISATION + '\n[providers.twilio]\nauth_token = "test-auth-token-123"\n'
    with serve(settings.database_url, tmp_path / "srv", config=config) as server:
        url = f"{server.base_url}/webhooks/twilio/inbound"
        params = {"From": "+31612345678", "Body": "STOP", "MessageSid": "SM1"}
        signature = sign_twilio_request(url, params, "test-auth-token-123")
        answer = httpx.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=60)
        assert answer.status_code == 200, answer.text
    (jan,) = rows(ledger, "SELECT id, opt_out FROM customer WHERE customer_id = 'C001'")
    assert "sms" in str(jan["opt_out"]), "the STOP is kept, not rolled back"
    (confirmation,) = rows(
        ledger, "SELECT channel, status FROM action WHERE step = 'opt_out_confirmation'"
    )
    assert confirmation == {"channel": "sms", "status": "sent"}
