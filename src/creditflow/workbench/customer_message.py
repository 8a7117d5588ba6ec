"""A sent (or queued) message shown to staff as the debtor saw it.

The message is rendered again through the same path as the dispatch worker
(`dispatch.render.build_context`, `messages.render.render_message`) from the action:
its template, channel, language, tone, amount due and payload, the invoices it named
and the day it went out. The debtor's signed links are not made again (a staff member
must not hold a working portal link): the page shows where they were. A wording the
optional LLM gave a message is not repeated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.compliance.costs import notice_template_for
from creditflow.config import ConfigError, Settings
from creditflow.dispatch.facts import message_invoice_ids
from creditflow.dispatch.render import Links, build_context, creditor_of
from creditflow.ledger.models import Customer, Invoice
from creditflow.messages.render import MessageTemplateError, RenderedMessage, render_message
from creditflow.outbox.clock import local_today
from creditflow.outbox.models import Action

__all__ = ["ShownMessage", "find_message", "show_message"]

LINK_PLACEHOLDER = "(personal link)"


@dataclass(frozen=True)
class ShownMessage:
    """The rendered message, or why it cannot be shown."""

    action: Action
    rendered: RenderedMessage | None
    problem: str | None = None


def find_message(session: Session, customer: Customer, action_id: str) -> Action | None:
    """The customer's message action with this id (None for another customer's)."""
    return session.scalars(
        select(Action).where(
            Action.action_id == action_id,
            Action.customer_id == customer.id,
            Action.kind == "message",
        )
    ).first()


def _placeholder_links(settings: Settings) -> Links:
    base = settings.portal_base_url.rstrip("/")
    return Links(
        pay_url=f"{base}/pay/{LINK_PLACEHOLDER}",
        portal_url=f"{base}/portal/{LINK_PLACEHOLDER}",
        opt_out_url=f"{base}/portal/{LINK_PLACEHOLDER}/preferences",
    )


def show_message(
    session: Session, settings: Settings, customer: Customer, action: Action
) -> ShownMessage:
    """Render the action's message for the staff page; a problem text when it cannot be."""
    if not action.template:
        return ShownMessage(action, None, "This action has no message template.")
    pks = message_invoice_ids(action)
    invoices = list(session.scalars(select(Invoice).where(Invoice.id.in_(pks)))) if pks else []
    sent: datetime = action.sent_at or action.scheduled_at
    try:
        ctx = build_context(
            action,
            customer,
            invoices,
            action.amount_due_minor,
            creditor=creditor_of(settings),
            links=_placeholder_links(settings),
            today=local_today(customer, sent),
            organisation_country=settings.organisation.country,
            legal=settings.legal,
        )
        template = notice_template_for(customer.kind, action.template) or action.template
        rendered = render_message(template, action.channel, ctx, override_dir=settings.template_dir)
    except (ConfigError, MessageTemplateError, ValueError) as exc:
        return ShownMessage(action, None, str(exc))
    return ShownMessage(action, rendered)
