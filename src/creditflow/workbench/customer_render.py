"""Render the customer 360 page: the facts, the timeline and every form (with its choices)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from creditflow.arrangements.rules import DISPUTE_REASONS
from creditflow.compliance.contact_rules import DoNotContact
from creditflow.messages.render import available_templates
from creditflow.staff.access import now_of
from creditflow.workbench.customer_timeline import timeline
from creditflow.workbench.customer_view import customer_facts
from creditflow.workbench.pages import render, staff_of
from creditflow.workbench.portfolio import open_customer
from creditflow.workbench.risk_view import risk_view

__all__ = [
    "CALL_OUTCOMES",
    "CHANNELS",
    "LANGUAGES",
    "SEND_NOW_TEMPLATES",
    "customer_path",
    "send_now_templates",
    "show_customer",
]

# outcome -> its label (English source text; Dutch in words/customer.py)
CALL_OUTCOMES = {
    "reached": "Reached",
    "no_answer": "No answer",
    "promise": "Promise to pay",
    "dispute": "Dispute",
    "wrong_number": "Wrong number",
}
CHANNELS = ("email", "sms", "whatsapp", "letter", "voice")
LANGUAGES = ("nl", "en")
# Reminders a person may send at once; legal notices go only through the strategy's steps.
SEND_NOW_TEMPLATES = ("reminder", "second_reminder", "pay_link", "pre_due_nudge")
PHONE_CHANNELS = ("voice", "sms", "whatsapp")


def customer_path(customer_pk: int) -> str:
    """The customer page's address (the shared convention: the internal key)."""
    return f"/workbench/customers/{customer_pk}"


def send_now_templates(request: Request) -> list[str]:
    """The reminder templates that exist in this installation, in a fixed order."""
    known = set(available_templates(override_dir=request.app.state.settings.template_dir))
    return [t for t in SEND_NOW_TEMPLATES if t in known]


def show_customer(
    request: Request, customer_pk: int, *, error: str | None = None, status: int = 200
) -> HTMLResponse:
    """The customer page; with `error`, a refused form's reason at the top (status 400)."""
    staff = staff_of(request)
    now = now_of(request)
    with request.app.state.sessions() as session, session.begin():
        customer = open_customer(session, staff, customer_pk)
        facts = customer_facts(session, customer, now)
        entries = timeline(session, customer.id)
        risk = risk_view(session, customer.id, facts.today)
        return render(
            request,
            "customer.html",
            status=status,
            facts=facts,
            risk=risk,
            c=customer,
            entries=entries,
            error=error,
            path=customer_path(customer.id),
            outcomes=CALL_OUTCOMES,
            dispute_reasons=DISPUTE_REASONS,
            dnc_states=[s.value for s in DoNotContact],
            channels=CHANNELS,
            languages=LANGUAGES,
            templates=send_now_templates(request),
            phones=[p for p in facts.contact_points if p.channel in PHONE_CHANNELS and p.valid],
            may_work=staff.may("work_customers"),
            may_decide=staff.may("decide"),
        )
