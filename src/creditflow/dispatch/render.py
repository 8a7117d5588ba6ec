"""Turn a queued action into an `OutboundMessage`: context from the store, then render.

The context is built from what the re-check found still open: the creditor from the
settings, the customer, the open invoices with their current open amounts, the
payment reference of the oldest invoice, signed links (pay page, portal, the portal's
preferences page to opt out) and "today" in the customer's own time zone. The
fourteen_day_letter states the exact costs that will be charged if the debtor does
not pay: WIK costs on the open principal for consumers, the statutory compensation
for businesses (the same rules the collection run charges by).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from creditflow.channels.base import Attachment, OutboundMessage
from creditflow.channels.mime import unsubscribe_url_ok
from creditflow.compliance.wik import business_compensation, collection_costs
from creditflow.config import ConfigError, Settings
from creditflow.dispatch.models import Action
from creditflow.ledger.models import Customer, Invoice
from creditflow.messages.context import Creditor, InvoiceLine, MessageContext
from creditflow.messages.letter import render_letter_pdf
from creditflow.messages.llm import personalise_message
from creditflow.messages.render import RenderedMessage, render_message
from creditflow.money import Money
from creditflow.portal.links import make_customer_token, pay_url

__all__ = ["Links", "RenderedAction", "build_context", "creditor_of", "links_for", "render_action"]


@dataclass(frozen=True)
class Links:
    """The signed links a message carries."""

    pay_url: str
    portal_url: str
    opt_out_url: str


@dataclass(frozen=True)
class RenderedAction:
    """The message to hand to the adapter, and what to keep of it on the action."""

    message: OutboundMessage
    rendered: RenderedMessage | None
    letter_pdf: bytes | None = None


def creditor_of(settings: Settings) -> Creditor:
    """The creditor block of every message, from `[organisation]`."""
    org = settings.organisation
    if not org.iban:
        raise ConfigError("[organisation] iban is not set: messages ask for payment to it")
    return Creditor(
        name=org.name,
        iban=org.iban,
        bic=org.bic or None,
        address_lines=tuple(x for x in (org.address_line1,) if x),
        postal_code=org.postal_code,
        city=org.city,
        country=org.country,
        email=org.email or None,
        phone=org.phone or None,
        website=org.website or None,
        chamber_of_commerce=org.chamber_of_commerce or None,
        vat_number=org.vat_number or None,
    )


def links_for(
    settings: Settings, secret: str, customer_id: str, action_id: str, now: datetime
) -> Links:
    """Signed, expiring links scoped to this customer (and the sending action)."""
    base = settings.portal_base_url.rstrip("/")
    pay_token = make_customer_token(secret, customer_id, "pay", action_id, now=now)
    portal_token = make_customer_token(secret, customer_id, "portal", action_id, now=now)
    return Links(
        pay_url=pay_url(base, pay_token),
        portal_url=f"{base}/portal/{portal_token}",
        opt_out_url=f"{base}/portal/{portal_token}/preferences",
    )


def _address_lines(customer: Customer, organisation_country: str) -> list[str]:
    lines = [customer.address_line1 or "", customer.address_line2 or ""]
    lines.append(f"{customer.postal_code or ''}  {customer.city or ''}".strip())
    if customer.country and customer.country != organisation_country:
        lines.append(customer.country)
    return [line for line in lines if line.strip()]


def _extra(payload: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """Template values from the action payload: *_date as dates, *_amount as Money."""
    extra: dict[str, Any] = {}
    for key, value in payload.items():
        if key.endswith("_date") and isinstance(value, str):
            try:
                extra[key] = date.fromisoformat(value)
                continue
            except ValueError:
                pass
        if key.endswith(("_amount", "_remaining")) and isinstance(value, str):
            try:
                extra[key] = Money(Decimal(value), currency)
                continue
            except (InvalidOperation, ValueError):
                pass
        extra[key] = value
    return extra


def _costs(customer: Customer, invoices: Sequence[Invoice], currency: str) -> Money | None:
    if currency != "EUR" or not invoices:
        return None
    principals = [Money.of_minor(i.open_minor, currency) for i in invoices]
    if customer.kind == "consumer":
        total = Money.zero(currency)
        for principal in principals:
            total = total + principal
        return collection_costs(total)
    return business_compensation(principals)


def build_context(
    action: Action,
    customer: Customer,
    invoices: Sequence[Invoice],
    amount_due_minor: int,
    *,
    creditor: Creditor,
    links: Links,
    today: date,
    organisation_country: str = "NL",
) -> MessageContext:
    """The MessageContext of an action from the store rows that are still open."""
    currency = action.currency
    ordered = sorted(invoices, key=lambda i: (i.due_date, i.id))
    lines = [
        InvoiceLine(
            invoice_number=i.invoice_number,
            issue_date=i.issue_date,
            due_date=i.due_date,
            amount=Money.of_minor(i.amount_minor, i.currency),
            open_amount=Money.of_minor(i.open_minor, i.currency),
            description=i.description or "",
        )
        for i in ordered
    ]
    costs = (
        _costs(customer, ordered, currency) if action.template == "fourteen_day_letter" else None
    )
    return MessageContext(
        creditor=creditor,
        customer_id=customer.customer_id,
        customer_name=customer.name,
        customer_kind=customer.kind,
        language=action.language,
        tone=action.tone,
        invoices=lines,
        amount_due=Money.of_minor(amount_due_minor, currency),
        pay_url=str((action.payload or {}).get("pay_url") or links.pay_url),
        portal_url=links.portal_url,
        opt_out_url=links.opt_out_url,
        today=today,
        address_lines=_address_lines(customer, organisation_country),
        costs=costs,
        payment_reference=ordered[0].payment_reference if ordered else None,
        step=action.step,
        extra=_extra(action.payload or {}, currency),
    )


def render_action(
    action: Action,
    ctx: MessageContext,
    *,
    settings: Settings,
    to: str,
) -> RenderedAction:
    """Render the action for its channel into an OutboundMessage (PDF for letters)."""
    channel = action.channel
    template = action.template or ""
    rendered = render_message(template, channel, ctx, override_dir=settings.template_dir)
    rendered = personalise_message(rendered, ctx, settings)
    base = settings.portal_base_url.rstrip("/")
    metadata: dict[str, str] = {"template": template, "step": action.step}
    attachments: list[Attachment] = []
    pdf: bytes | None = None
    callback: str | None = None
    if channel == "letter":
        pdf = render_letter_pdf(ctx, rendered)
        attachments.append(Attachment(f"letter-{action.action_id}.pdf", "application/pdf", pdf))
    elif channel == "email":
        if ctx.opt_out_url and unsubscribe_url_ok(ctx.opt_out_url):
            metadata["unsubscribe_url"] = ctx.opt_out_url
        mailbox = settings.organisation.email or settings.organisation.sender_email
        if mailbox:
            metadata["unsubscribe_mailto"] = f"mailto:{mailbox}?subject=unsubscribe"
        if template == "fourteen_day_letter":
            pdf = render_letter_pdf(ctx, rendered)
            attachments.append(Attachment(f"letter-{action.action_id}.pdf", "application/pdf", pdf))
    elif channel in ("sms", "whatsapp", "voice"):
        callback = f"{base}/webhooks/twilio/status"
        if channel == "voice":
            metadata["twiml_url"] = f"{base}/voice/twiml/{action.action_id}"
    message = OutboundMessage(
        action_id=action.action_id,
        customer_id=ctx.customer_id,
        channel=channel,  # type: ignore[arg-type]
        to=to,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        attachments=tuple(attachments),
        headers={"X-Creditflow-Action": action.action_id},
        metadata=metadata,
        status_callback_url=callback,
    )
    return RenderedAction(message, rendered, pdf)
