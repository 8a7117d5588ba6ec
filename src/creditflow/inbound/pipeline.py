"""The conversation pipeline: one inbound message in, the right action and a short answer out.

`handle_message` serves SMS/WhatsApp (Twilio webhook), e-mail replies (webhook and
IMAP poll), voice key presses and the portal chat alike: find the customer, classify
the text, act (pay link, promise, dispute, task, opt-out, ...), answer in the
customer's language (reworded by the optional LLM when `[llm]` is on, see
`messages.llm`), and keep both messages in the conversation and on the timeline.
A message with a `provider_id` seen before is not acted on twice.
"""

from __future__ import annotations

import re
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from creditflow.arrangements.disputes import open_dispute
from creditflow.arrangements.policy import PolicyRefusal
from creditflow.arrangements.service import open_invoices, record_promise
from creditflow.compliance.consent import handle_inbound_text, record_opt_out
from creditflow.config import Settings
from creditflow.inbound.classify import Classification, classify
from creditflow.inbound.models import ConversationMessage
from creditflow.ledger.contacts import normalise_contact
from creditflow.ledger.models import ContactPoint, Customer, Invoice
from creditflow.ledger.service import add_event, link_secret
from creditflow.links.tokens import make_customer_token, pay_url
from creditflow.messages.llm import phrase_reply
from creditflow.outbox.clock import local_today
from creditflow.outbox.service import queue_action

REPLY_CHANNELS = ("sms", "whatsapp", "email")
REPLIES: dict[str, dict[str, str]] = {
    "pay_link": {
        "nl": "We sturen u een betaallink. U kunt ook direct betalen: {pay_url}",
        "en": "We are sending you a payment link. You can also pay right away: {pay_url}",
    },
    "already_paid": {
        "nl": "Dank u. We controleren uw betaling en laten het u binnen 2 werkdagen weten.",
        "en": "Thank you. We will check your payment and let you know within 2 working days.",
    },
    "promise": {
        "nl": "Dank u. We hebben genoteerd dat u uiterlijk {date} betaalt.",
        "en": "Thank you. We have noted that you will pay by {date}.",
    },
    "promise_no_date": {
        "nl": "Op welke datum betaalt u? Noem een datum binnen {days} dagen.",
        "en": "On what date will you pay? Please name a date within {days} days.",
    },
    "promise_refused": {
        "nl": "Die datum kunnen we niet zo afspreken. Kies een datum binnen {days} dagen, "
        "of vraag een betalingsregeling aan: {portal_url}",
        "en": "We cannot agree to that date. Choose a date within {days} days, "
        "or ask for a payment plan: {portal_url}",
    },
    "payment_plan": {
        "nl": "U kunt een betalingsregeling direct regelen in uw portaal: {portal_url}",
        "en": "You can arrange a payment plan straight away in your portal: {portal_url}",
    },
    "dispute": {
        "nl": "We hebben uw bezwaar tegen factuur {invoice} ontvangen. Zolang we het "
        "onderzoeken, sturen we daarvoor geen herinneringen.",
        "en": "We have received your objection to invoice {invoice}. While we look into "
        "it, we will not send reminders for it.",
    },
    "invoice_question": {
        "nl": "Een medewerker beantwoordt uw vraag binnen 2 werkdagen. Uw facturen: {portal_url}",
        "en": "A colleague will answer your question within 2 working days. "
        "Your invoices: {portal_url}",
    },
    "invoice_copy": {
        "nl": "We sturen u een kopie van de factuur. U vindt uw facturen ook hier: {portal_url}",
        "en": "We will send you a copy of the invoice. Your invoices are also here: {portal_url}",
    },
    "opt_out": {
        "nl": "U bent afgemeld voor berichten via dit kanaal.",
        "en": "You have been unsubscribed from messages on this channel.",
    },
    "opt_out_portal": {
        "nl": "U kunt per kanaal aangeven hoe we u niet mogen benaderen: {portal_url}",
        "en": "You can choose per channel how we may not contact you: {portal_url}",
    },
    "human": {
        "nl": "Een medewerker neemt zo snel mogelijk contact met u op.",
        "en": "A colleague will contact you as soon as possible.",
    },
    "unknown": {
        "nl": "Dank u voor uw bericht. Een medewerker leest het en reageert binnen 2 werkdagen.",
        "en": "Thank you for your message. A colleague will read it and reply "
        "within 2 working days.",
    },
    "no_customer": {
        "nl": "We konden uw gegevens niet vinden. Vraag een nieuwe link aan: {login_url}",
        "en": "We could not find your details. Ask for a new link here: {login_url}",
    },
}
TASK_STEPS = {
    "already_paid": ("review", "check_payment"),
    "invoice_question": ("review", "invoice_question"),
    "invoice_copy": ("review", "invoice_copy"),
    "human": ("call", "callback"),
    "unknown": ("review", "read_message"),
}


@dataclass
class Reply:
    """What the pipeline did with a message and what it answers."""

    text: str
    intent: str
    language: str
    customer_pk: int | None
    actions: list[str] = field(default_factory=list)
    duplicate: bool = False


def find_customer_by_sender(session: Session, sender: str | None) -> Customer | None:
    """The customer whose contact point is this address (e-mail, phone, whatsapp:+31...)."""
    if not sender:
        return None
    raw = sender.strip().removeprefix("whatsapp:")
    candidates = {raw, raw.lower(), f"whatsapp:{raw}"}
    wanted = normalise_contact(raw, "NL")
    if wanted is not None:
        candidates.add(wanted[1])
        candidates.add(f"whatsapp:{wanted[1]}")
    point = session.scalars(
        select(ContactPoint)
        .where(ContactPoint.address.in_(candidates))
        .order_by(ContactPoint.valid.desc(), ContactPoint.id)
    ).first()
    return session.get(Customer, point.customer_id) if point else None


def _language(customer: Customer | None, classified: Classification) -> str:
    if customer is not None and customer.language in ("nl", "en"):
        return customer.language
    return classified.lang if classified.lang in ("nl", "en") else "nl"


def _named_invoice(session: Session, customer: Customer, text: str) -> Invoice | None:
    """The open invoice whose number is in the text, else the oldest open undisputed one."""
    invoices = open_invoices(session, customer.id)
    lowered = text.lower()
    for invoice in sorted(invoices, key=lambda i: -len(i.invoice_number)):
        if re.search(rf"(?<![\w-]){re.escape(invoice.invoice_number.lower())}(?![\w-])", lowered):
            return invoice
    undisputed = [i for i in invoices if i.status == "open"]
    return undisputed[0] if undisputed else None


def _store(
    session: Session,
    customer: Customer | None,
    *,
    channel: str,
    direction: str,
    sender: str | None,
    text: str,
    intent: str | None,
    provider_id: str | None,
    at: datetime,
) -> ConversationMessage:
    message = ConversationMessage(
        customer_id=customer.id if customer else None,
        channel=channel,
        direction=direction,
        sender=sender,
        text=text,
        intent=intent,
        provider_id=provider_id,
        created_at=at,
    )
    session.add(message)
    session.flush()
    if customer is not None:
        kind = "conversation.in" if direction == "in" else "conversation.out"
        add_event(
            session,
            customer.id,
            kind,
            text,
            channel=channel if len(channel) <= 10 else None,
            direction=direction,
            data={"intent": intent, "message_id": message.id},
        ).occurred_at = at
    return message


def handle_message(
    session: Session,
    settings: Settings,
    *,
    channel: str,
    sender: str | None,
    text: str,
    received_at: datetime,
    customer_pk: int | None = None,
    provider_id: str | None = None,
) -> Reply:
    """Classify an inbound message, act on it, answer it, and record the conversation."""
    if provider_id:
        seen = session.scalars(
            select(ConversationMessage).where(ConversationMessage.provider_id == provider_id)
        ).first()
        if seen is not None:
            answer = session.scalars(
                select(ConversationMessage).where(
                    ConversationMessage.provider_id == f"{provider_id}:reply"[:128]
                )
            ).first()
            return Reply(
                answer.text if answer else "",
                seen.intent or "unknown",
                "nl",
                seen.customer_id,
                duplicate=True,
            )
    customer = (
        session.get(Customer, customer_pk)
        if customer_pk is not None
        else find_customer_by_sender(session, sender)
    )
    classified = classify(text, now=received_at)
    lang = _language(customer, classified)
    _store(
        session,
        customer,
        channel=channel,
        direction="in",
        sender=sender,
        text=text,
        intent=classified.intent,
        provider_id=provider_id,
        at=received_at,
    )
    base = settings.portal_base_url
    if customer is None:
        reply = Reply(
            REPLIES["no_customer"][lang].format(login_url=f"{base}/portal/login"),
            classified.intent,
            lang,
            None,
        )
    else:
        reply = _act(
            session, settings, customer, classified, channel, lang, received_at, provider_id
        )
    outbound_id = f"{provider_id}:reply"[:128] if provider_id else None
    _store(
        session,
        customer,
        channel=channel,
        direction="out",
        sender=None,
        text=reply.text,
        intent=reply.intent,
        provider_id=outbound_id,
        at=received_at,
    )
    if customer is not None and channel == "email":
        action = queue_action(
            session,
            customer,
            key=f"reply-{provider_id or received_at.isoformat()}-{customer.id}",
            kind="message",
            channel="email",
            step="conversation_reply",
            template="conversation_reply",
            now=received_at,
            strategy="conversation",
            payload={"text": reply.text, "in_reply_to": provider_id},
        )
        reply.actions.append(action.action_id)
    return reply


def _act(
    session: Session,
    settings: Settings,
    customer: Customer,
    classified: Classification,
    channel: str,
    lang: str,
    now: datetime,
    provider_id: str | None,
) -> Reply:
    """Do what the intent asks and word the answer."""
    intent = classified.intent
    secret = link_secret(session, settings)
    base = settings.portal_base_url
    portal = (
        f"{base.rstrip('/')}/portal/{make_customer_token(secret, customer.customer_id, now=now)}"
    )
    policy = settings.portal
    reply = Reply("", intent, lang, customer.id)
    key = f"{provider_id or now.isoformat()}-{customer.id}"
    values: dict[str, object] = {"portal_url": portal, "days": policy.max_promise_days}
    if intent == "pay_link":
        link = pay_url(base, make_customer_token(secret, customer.customer_id, "pay", now=now))
        values["pay_url"] = link
        target = "sms" if channel in ("voice", "chat") else channel
        if channel != "chat" and target in REPLY_CHANNELS:
            action = queue_action(
                session,
                customer,
                key=f"paylink-{key}",
                kind="message",
                channel=target,
                step="pay_link",
                template="pay_link",
                now=now,
                strategy="conversation",
                amount_due_minor=sum(i.open_minor for i in open_invoices(session, customer.id)),
                payload={"pay_url": link},
            )
            reply.actions.append(action.action_id)
    elif intent == "promise":
        today = local_today(customer, now)
        if classified.date is None:
            intent = "promise_no_date"
        else:
            amount = classified.amount if classified.currency in (None, "EUR") else None
            try:
                made = record_promise(
                    session,
                    customer,
                    classified.date,
                    today=today,
                    now=now,
                    policy=policy,
                    amount=amount,
                    source=channel,
                )
                values["date"] = made.promised_date.strftime("%d-%m-%Y")
            except PolicyRefusal:
                intent = "promise_refused"
    elif intent == "dispute":
        invoice = _named_invoice(session, customer, classified.text)
        if invoice is None:
            intent = "unknown"
        else:
            values["invoice"] = invoice.invoice_number
            with suppress(PolicyRefusal):  # already disputed: the answer is the same
                open_dispute(
                    session, customer, invoice, "other", classified.text, now=now, source=channel
                )
    elif intent == "opt_out" and not handle_inbound_text(
        session, customer.id, channel, classified.text, now
    ):
        if channel in REPLY_CHANNELS:
            record_opt_out(session, customer.id, channel, f"{channel} reply", classified.text, now)
        else:
            intent = "opt_out_portal"
    if intent in TASK_STEPS:
        task_channel, step = TASK_STEPS[intent]
        recent = session.scalars(
            select(ConversationMessage.text)
            .where(ConversationMessage.customer_id == customer.id)
            .order_by(ConversationMessage.id.desc())
            .limit(6)
        ).all()
        action = queue_action(
            session,
            customer,
            key=f"task-{step}-{key}",
            kind="task",
            channel=task_channel,
            step=step,
            now=now,
            strategy="conversation",
            payload={
                "channel": channel,
                "intent": classified.intent,
                "date": classified.date.isoformat() if classified.date else None,
                "conversation": list(reversed(recent)),
            },
        )
        reply.actions.append(action.action_id)
    reply.text = phrase_reply(
        REPLIES[intent][lang].format(**values),
        settings,
        intent=intent,
        language=lang,
        channel=channel,
        creditor=settings.organisation.name,
    ).text
    return reply
