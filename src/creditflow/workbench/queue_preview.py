"""The message of an outbox action as the debtor will see it, rendered for the workbench.

It is rendered the way the dispatcher renders it (`dispatch.render.build_context`, then
`messages.render.render_message`), from the invoices as they are now, without the
optional LLM wording pass. The signed links show `…` in place of the debtor's own code:
a preview never hands out a working portal link.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.compliance.costs import notice_template_for
from creditflow.config import ConfigError, Settings
from creditflow.dispatch.render import Links, build_context, creditor_of
from creditflow.ledger.models import Customer, Invoice
from creditflow.messages.render import MessageTemplateError, render_message
from creditflow.outbox.clock import local_today
from creditflow.outbox.models import CONTEXT_INVOICES, Action

__all__ = ["Preview", "preview_action"]


@dataclass(frozen=True)
class Preview:
    """A rendered message (subject and text), or why there is none."""

    subject: str | None = None
    text: str | None = None
    problem: str | None = None


def _placeholder_links(settings: Settings) -> Links:
    base = settings.portal_base_url.rstrip("/")
    return Links(
        pay_url=f"{base}/pay/…",
        portal_url=f"{base}/portal/…",
        opt_out_url=f"{base}/portal/…/preferences",
    )


def preview_action(
    session: Session, settings: Settings, action: Action, customer: Customer, now: datetime
) -> Preview:
    """The action's message as the debtor will see it; a problem text when it has none."""
    template = notice_template_for(customer.kind, action.template)
    if action.kind != "message" or not template:
        return Preview(problem="This action is not a message to the debtor.")
    ids = list(action.invoice_ids or []) + list((action.payload or {}).get(CONTEXT_INVOICES) or [])
    invoices = (
        list(session.scalars(select(Invoice).where(Invoice.id.in_([int(i) for i in ids]))))
        if ids
        else []
    )
    try:
        ctx = build_context(
            action,
            customer,
            invoices,
            action.amount_due_minor,
            creditor=creditor_of(settings),
            links=_placeholder_links(settings),
            today=local_today(customer, max(now, action.scheduled_at)),
            organisation_country=settings.organisation.country,
            legal=settings.legal,
        )
        rendered = render_message(template, action.channel, ctx, override_dir=settings.template_dir)
    except (ConfigError, MessageTemplateError, KeyError, ValueError) as exc:
        return Preview(problem=f"The message cannot be rendered: {exc}")
    return Preview(subject=rendered.subject, text=rendered.text)
