"""Turn a queued action into an `OutboundMessage`: context from the store, then render.

The context is built from what the re-check found still open: the creditor from the
settings, the customer, the open invoices with their current open amounts, the
payment reference of the oldest invoice, signed links (pay page, portal, the portal's
preferences page to opt out) and "today" in the customer's own time zone. The
fourteen_day_letter (consumers) and the final_notice_business (businesses) state the
exact costs that will be charged if the debtor does not pay, from
`compliance.costs.claim_costs`, the function the collection run charges by. A business
never gets the consumer letter, nor a consumer the business notice
(`notice_template_for`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from creditflow.channels.base import Attachment, OutboundMessage
from creditflow.channels.mime import unsubscribe_url_ok
from creditflow.compliance.costs import CostsDue, claim_costs, notice_template_for
from creditflow.config import ConfigError, LegalRules, Settings
from creditflow.ledger.models import Customer, Invoice
from creditflow.links.short_links import short_url
from creditflow.links.tokens import make_customer_token, pay_url
from creditflow.messages.context import Creditor, InvoiceLine, MessageContext
from creditflow.messages.letter import render_letter_pdf
from creditflow.messages.llm import personalise_message
from creditflow.messages.render import RenderedMessage, render_message
from creditflow.money import Money
from creditflow.outbox.models import Action

__all__ = ["Links", "RenderedAction", "build_context", "creditor_of", "links_for", "render_action"]


@dataclass(frozen=True)
class Links:
    """The signed links a message carries."""

    pay_url: str
    portal_url: str
    opt_out_url: str
    pay_short_url: str | None = None
    portal_short_url: str | None = None


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
    settings: Settings,
    secret: str,
    customer_id: str,
    action_id: str,
    now: datetime,
    *,
    short_codes: Mapping[str, str] | None = None,
    short_base: str | None = None,
) -> Links:
    """Signed, expiring links scoped to this customer (and the sending action).

    `short_codes` (purpose -> code, from `portal.short_links.ensure_short_links`) adds
    the short links under `short_base` for SMS, WhatsApp and letters.
    """
    base = settings.portal_base_url.rstrip("/")
    pay_token = make_customer_token(secret, customer_id, "pay", action_id, now=now)
    portal_token = make_customer_token(secret, customer_id, "portal", action_id, now=now)
    codes = short_codes or {}
    short_base = short_base or base
    return Links(
        pay_url=pay_url(base, pay_token),
        portal_url=f"{base}/portal/{portal_token}",
        opt_out_url=f"{base}/portal/{portal_token}/preferences",
        pay_short_url=short_url(short_base, codes["pay"]) if "pay" in codes else None,
        portal_short_url=short_url(short_base, codes["portal"]) if "portal" in codes else None,
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


ANNOUNCING_TEMPLATES = ("fourteen_day_letter", "final_notice_business")


def _costs(
    customer: Customer, invoices: Sequence[Invoice], currency: str, legal: LegalRules | None
) -> CostsDue | None:
    """The costs the notice announces: `claim_costs` on the invoices still open."""
    if not invoices:
        return None
    open_minor = sum(invoice.open_minor for invoice in invoices)
    return claim_costs(customer.kind, currency, open_minor, len(invoices), legal)


def _costs_extra(due: CostsDue | None) -> dict[str, Any]:
    """What the notices say about how the costs were reached."""
    if due is None:
        return {}
    extra: dict[str, Any] = {"costs_basis": due.basis, "costs_include_vat": due.includes_vat}
    if due.per_invoice is not None:
        extra["costs_per_invoice"] = due.per_invoice
    return extra


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
    legal: LegalRules | None = None,
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
    template = notice_template_for(customer.kind, action.template)
    due = _costs(customer, ordered, currency, legal) if template in ANNOUNCING_TEMPLATES else None
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
        pay_short_url=links.pay_short_url,
        portal_short_url=links.portal_short_url,
        today=today,
        address_lines=_address_lines(customer, organisation_country),
        costs=None if due is None else due.amount,
        payment_reference=(action.payload or {}).get("payment_reference")
        or (ordered[0].payment_reference if ordered else None),
        step=action.step,
        extra={**_extra(action.payload or {}, currency), **_costs_extra(due)},
    )


def render_action(
    action: Action,
    ctx: MessageContext,
    *,
    settings: Settings,
    to: str,
    make_documents: bool = True,
) -> RenderedAction:
    """Render the action for its channel into an OutboundMessage (PDF for letters).

    `make_documents=False` (the strategy simulator) leaves out the letter's PDF and the
    e-mail's HTML alternative: the text is rendered and checked all the same.
    """
    channel = action.channel
    template = notice_template_for(ctx.customer_kind, action.template) or ""
    rendered = render_message(
        template, channel, ctx, override_dir=settings.template_dir, with_html=make_documents
    )
    rendered = personalise_message(rendered, ctx, settings)
    base = settings.portal_base_url.rstrip("/")
    metadata: dict[str, str] = {"template": template, "step": action.step}
    attachments: list[Attachment] = []
    pdf: bytes | None = None
    callback: str | None = None
    if channel == "letter":
        if make_documents:
            pdf = render_letter_pdf(ctx, rendered)
            attachments.append(Attachment(f"letter-{action.action_id}.pdf", "application/pdf", pdf))
    elif channel == "email":
        if ctx.opt_out_url and unsubscribe_url_ok(ctx.opt_out_url):
            metadata["unsubscribe_url"] = ctx.opt_out_url
        mailbox = settings.organisation.email or settings.organisation.sender_email
        if mailbox:
            metadata["unsubscribe_mailto"] = f"mailto:{mailbox}?subject=unsubscribe"
        if template == "fourteen_day_letter" and make_documents:
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
