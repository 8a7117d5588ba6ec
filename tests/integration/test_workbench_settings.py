"""Settings and jobs on a real database: users, API keys shown once, roles, the sandbox
banner, channel health and the scheduled jobs' last runs."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import Engine, text

from creditflow.config import Settings
from creditflow.config.operations import parse_schedule
from creditflow.db import transaction
from creditflow.outbox.models import DeliveryAttempt
from creditflow.schedule.service import Scheduler
from creditflow.schedule.settings import schedule_settings
from creditflow.strategy.lease import run_lease
from tests.support.staff import PASSWORD, add_staff, sign_in, staff_client

EN = {"Accept-Language": "en"}


def admin(engine: Engine, settings: Settings):
    add_staff(engine, "anna@example.nl", "admin")
    client = staff_client(settings)
    client.headers.update(EN)
    return client, sign_in(client, "anna@example.nl")


def audit_verbs(engine: Engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT actor, verb, entity_id FROM audit_log ORDER BY id"))
        return [tuple(r) for r in rows if not r[1].startswith("staff_sign")]


def test_an_admin_adds_a_user_who_can_then_sign_in_with_that_role(engine, settings):
    client, csrf = admin(engine, settings)
    weak = client.post(
        "/workbench/settings/users",
        data={"csrf_token": csrf, "email": "cor@example.nl", "role": "collector",
              "password": "kort", "access": "password"},
    )  # fmt: skip
    assert weak.status_code == 422
    assert "the password is shorter than 12 characters" in weak.text
    assert 'value="cor@example.nl"' in weak.text  # what was typed is kept
    added = client.post(
        "/workbench/settings/users",
        data={"csrf_token": csrf, "email": "cor@example.nl", "role": "collector",
              "password": PASSWORD, "access": "password"},
        follow_redirects=False,
    )  # fmt: skip
    assert added.status_code == 303
    assert "User added." in client.get(added.headers["location"]).text
    other = staff_client(settings)
    sign_in(other, "cor@example.nl")
    assert "cor@example.nl · collector" in other.get("/workbench/today", headers=EN).text
    assert ("user:anna@example.nl", "staff_user_added", "cor@example.nl") in audit_verbs(engine)


def test_a_user_added_with_a_set_up_link_chooses_a_password_and_the_link_then_stops_working(
    engine, settings
):
    client, csrf = admin(engine, settings)
    added = client.post(
        "/workbench/settings/users",
        data={"csrf_token": csrf, "email": "cor@example.nl", "role": "collector",
              "access": "link"},
    )  # fmt: skip
    assert added.status_code == 201
    link = re.search(r'<code class="secret" id="new-setup-link">([^<]+)</code>', added.text)
    assert link, "the set-up link is not on the page"
    path = link.group(1).replace("&amp;", "&").split("127.0.0.1:8000")[-1]
    assert path.startswith("/workbench/setup?token=")
    assert link.group(1) not in client.get("/workbench/settings").text  # shown once
    newcomer = staff_client(settings)
    newcomer.headers.update(EN)
    form = newcomer.get(path)
    assert form.status_code == 200 and "Set the password of cor@example.nl" in form.text
    token = re.search(r'name="token" value="([^"]+)"', form.text).group(1)
    csrf_value = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    different = newcomer.post(
        "/workbench/setup",
        data={
            "csrf_token": csrf_value,
            "token": token,
            "password": PASSWORD,
            "repeat": PASSWORD + "x",
        },
    )
    assert different.status_code == 422 and "not the same" in different.text
    no_csrf = newcomer.post(
        "/workbench/setup", data={"token": token, "password": PASSWORD, "repeat": PASSWORD}
    )
    assert no_csrf.status_code == 403
    chosen = newcomer.post(
        "/workbench/setup",
        data={"csrf_token": csrf_value, "token": token, "password": PASSWORD, "repeat": PASSWORD},
    )
    assert chosen.status_code == 200 and "Your password is set." in chosen.text
    sign_in(newcomer, "cor@example.nl")
    assert "cor@example.nl · collector" in newcomer.get("/workbench/today").text
    again = staff_client(settings)
    assert again.get(path).status_code == 410  # the link worked once
    forged = path[:-4] + ("0000" if not path.endswith("0000") else "1111")
    assert again.get(forged).status_code == 410
    verbs = [v for _, v, e in audit_verbs(engine) if e == "cor@example.nl"]
    assert verbs == ["staff_user_added", "staff_setup_link_made", "staff_password_set"]


def test_a_role_change_and_a_disable_apply_at_once_and_are_audited(engine, settings):
    client, csrf = admin(engine, settings)
    add_staff(engine, "vera@example.nl", "viewer")
    viewer = staff_client(settings)
    sign_in(viewer, "vera@example.nl")
    page = client.get("/workbench/settings").text
    user_id = re.search(r'/workbench/settings/users/(\d+)/role"[^>]*>\s*<input[^>]*>\s*'
                        r'<label[^>]*>Role of vera@example.nl', page).group(1)  # fmt: skip
    changed = client.post(
        f"/workbench/settings/users/{user_id}/role",
        data={"csrf_token": csrf, "role": "manager"},
        follow_redirects=False,
    )
    assert changed.status_code == 303
    assert "vera@example.nl · manager" in viewer.get("/workbench/today", headers=EN).text
    disabled = client.post(
        f"/workbench/settings/users/{user_id}/active",
        data={"csrf_token": csrf, "active": "no"},
        follow_redirects=False,
    )
    assert disabled.status_code == 303
    assert (
        "/workbench/login"
        in viewer.get("/workbench/today", follow_redirects=False).headers["location"]
    )
    own_id = re.search(r"/workbench/settings/users/(\d+)/role", page).group(1)
    refused = client.post(
        f"/workbench/settings/users/{own_id}/active", data={"csrf_token": csrf, "active": "no"}
    )
    assert refused.status_code == 422 and "You cannot disable yourself." in refused.text
    assert audit_verbs(engine)[-2:] == [
        ("user:anna@example.nl", "staff_role_changed", "vera@example.nl"),
        ("user:anna@example.nl", "staff_user_disabled", "vera@example.nl"),
    ]


def test_a_new_api_key_is_shown_once_works_and_stops_when_revoked(engine, settings):
    client, csrf = admin(engine, settings)
    created = client.post(
        "/workbench/settings/keys", data={"csrf_token": csrf, "name": "ERP sync", "scope": "read"}
    )
    assert created.status_code == 201
    assert created.headers["cache-control"] == "no-store"
    key = re.search(r'<code class="secret" id="new-api-key">(cfk_[^<]+)</code>', created.text)
    assert key, "the new key is not on the page"
    key_id = key.group(1).split("_")[1]
    api = staff_client(settings)
    bearer = {"Authorization": f"Bearer {key.group(1)}"}
    assert api.get("/api/actions", headers=bearer).status_code == 200
    again = client.get("/workbench/settings").text
    assert key.group(1) not in again and key_id in again  # listed by id, never shown again
    revoked = client.post(
        f"/workbench/settings/keys/{key_id}/revoke",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    assert api.get("/api/actions", headers=bearer).status_code == 401
    assert [v for _, v, e in audit_verbs(engine) if e == key_id] == [
        "api_key_created",
        "api_key_revoked",
    ]


def test_a_manager_cannot_manage_staff(engine, settings):
    add_staff(engine, "mira@example.nl", "manager")
    client = staff_client(settings)
    client.headers.update(EN)
    csrf = sign_in(client, "mira@example.nl")
    page = client.get("/workbench/settings")
    assert page.status_code == 200
    assert "Add a user" not in page.text and "Create an API key" not in page.text
    assert "Channel health" in page.text and "Organisation" in page.text
    form = {"csrf_token": csrf, "email": "x@example.nl", "role": "admin", "password": PASSWORD,
            "access": "password"}  # fmt: skip
    assert client.post("/workbench/settings/users", data=form).status_code == 403
    form["access"] = "link"
    assert client.post("/workbench/settings/users", data=form).status_code == 403
    key = {"csrf_token": csrf, "name": "mine", "scope": "write"}
    assert client.post("/workbench/settings/keys", data=key).status_code == 403
    assert (
        client.post(
            "/workbench/settings/users/1/role", data={"csrf_token": csrf, "role": "admin"}
        ).status_code
        == 403
    )
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM api_key")).scalar_one() == 0
        assert conn.execute(text("SELECT COUNT(*) FROM staff_user")).scalar_one() == 1


def test_the_sandbox_banner_shows_on_every_page_while_channels_run_in_the_sandbox(engine, settings):
    client, _ = admin(engine, settings)
    for path in ("/workbench/today", "/workbench/strategy", "/workbench/settings",
                 "/workbench/jobs"):  # fmt: skip
        page = client.get(path).text
        assert 'class="sandbox-banner"' in page, path
        assert "email, sms, whatsapp, voice, letter, push" in page
    real = {
        "email": {"provider": "smtp", "host": "smtp.example.nl", "from_addr": "a@example.nl"},
        "sms": {"provider": "twilio"},
        "whatsapp": {"provider": "twilio"},
        "voice": {"provider": "twilio"},
        "letter": {"provider": "print_folder", "folder": "print"},
        "push": {"provider": "webhook"},
    }
    configured = staff_client(replace(settings, channels=real))
    sign_in(configured, "anna@example.nl")
    assert 'class="sandbox-banner"' not in configured.get("/workbench/today").text
    payments = replace(
        settings, channels=real, payments=replace(settings.payments, provider="sandbox")
    )
    with_payments = staff_client(payments)
    sign_in(with_payments, "anna@example.nl")
    page = with_payments.get("/workbench/today", headers=EN).text
    assert "The sandbox payment provider is on" in page


def test_channel_health_shows_the_last_error_and_when(engine, settings):
    client, _ = admin(engine, settings)
    with transaction(engine) as session:
        session.add_all([
            DeliveryAttempt(action_id="a1", attempt=1, channel="email", outcome="failed",
                            error="550 mailbox <unavailable>",
                            started_at=datetime(2026, 3, 9, 8, 15, tzinfo=UTC)),
            DeliveryAttempt(action_id="a2", attempt=1, channel="email", outcome="sent",
                            started_at=datetime(2026, 3, 9, 9, 30, tzinfo=UTC)),
        ])  # fmt: skip
    page = client.get("/workbench/settings").text
    email = re.search(r"<td data-label=\"Channel\">email</td>(.*?)</tr>", page, re.S).group(1)
    assert "2026-03-09 09:30" in email  # the last attempt
    assert "2026-03-09 08:15" in email and "550 mailbox &lt;unavailable&gt;" in email
    sms = re.search(r"<td data-label=\"Channel\">sms</td>(.*?)</tr>", page, re.S).group(1)
    assert "sandbox" in sms and "550" not in sms


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def seconds(self) -> float:
        return self.moment.timestamp()


def test_the_jobs_page_shows_each_jobs_last_run_duration_and_outcome(engine, settings):
    client, _ = admin(engine, settings)
    assert "No scheduled job has run yet." in client.get("/workbench/jobs").text
    clock = Clock(datetime(2026, 3, 9, 6, 30, tzinfo=UTC))  # 07:30 in Amsterdam
    with_schedule = replace(
        settings, schedule=parse_schedule({"schedule": {"run_at": "07:00"}, "providers": {}})
    )
    plan = schedule_settings(with_schedule)
    assert plan is not None
    jobs = Scheduler(engine, with_schedule, plan, clock=clock, worker="test", run_wait=0,
                     monotonic=clock.seconds)  # fmt: skip
    with run_lease(engine, clock.moment.date()):  # a manual run under way: the job fails
        jobs.tick()
    page = client.get("/workbench/jobs").text
    row = re.search(r'<table class="list stack" id="job-runs">(.*?)</table>', page, re.S).group(1)
    assert "collection" in row and "2026-03-09" in row and "failed" in row
    assert re.search(r'data-label="Took" class="amount">\d+\.\d s<', row)
    settings_page = client.get("/workbench/settings").text
    assert 'href="/workbench/jobs"' in settings_page
