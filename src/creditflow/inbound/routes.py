"""Provider webhooks for inbound conversations: Twilio SMS/WhatsApp and voice, e-mail.

- POST /webhooks/twilio/inbound: form params, `X-Twilio-Signature` checked with the
  auth token of `[providers.twilio]`; answered with TwiML `<Response><Message>`.
- POST /webhooks/twilio/voice/gather: the key pressed in a reminder call
  (1 = pay link by SMS, 2 = call-back task); answered with TwiML `<Say>`.
- POST /webhooks/email/inbound: JSON {from, subject, text[, message_id]} with the
  shared secret of `[providers.email_inbound]` in the `X-Creditflow-Secret` header.
"""

from __future__ import annotations

import hmac
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from creditflow.api.deps import get_session, get_settings
from creditflow.channels.twilio import verify_twilio_signature
from creditflow.channels.twiml import gather_choice, gather_result_twiml
from creditflow.config import ConfigError, Settings, secret_from
from creditflow.inbound.models import ConversationMessage
from creditflow.inbound.pipeline import find_customer_by_sender, handle_message
from creditflow.ledger.service import add_event, link_secret
from creditflow.links.tokens import make_customer_token, pay_url
from creditflow.outbox.service import queue_action

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TWIML = "application/xml"
GATHER_ANSWERS = {
    "pay_link_sms": {
        "nl": "U ontvangt de betaallink zo per sms. Tot ziens.",
        "en": "You will receive the payment link by text message shortly. Goodbye.",
    },
    "callback": {
        "nl": "Een medewerker belt u zo snel mogelijk terug. Tot ziens.",
        "en": "A colleague will call you back as soon as possible. Goodbye.",
    },
    "none": {
        "nl": "We hebben geen geldige keuze ontvangen. Tot ziens.",
        "en": "We did not receive a valid choice. Goodbye.",
    },
}


def _now(request: Request) -> datetime:
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock else datetime.now(UTC)


async def _verified_twilio_form(request: Request, settings: Settings) -> dict[str, str]:
    """The form parameters of a request Twilio signed; 403 otherwise."""
    section = settings.providers.get("twilio", {})
    try:
        token = secret_from(section, "auth_token")
    except ConfigError as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from exc
    if not token:
        raise HTTPException(status_code=503, detail="[providers.twilio] auth_token is not set")
    form = await request.form()
    params = {k: str(v) for k, v in form.multi_items()}
    signature = request.headers.get("X-Twilio-Signature", "")
    query = f"?{request.url.query}" if request.url.query else ""
    public = str(section.get("webhook_base_url") or settings.portal_base_url).rstrip("/")
    urls = (f"{public}{request.url.path}{query}", str(request.url))
    if not signature or not any(verify_twilio_signature(u, params, signature, token) for u in urls):
        raise HTTPException(status_code=403, detail="invalid Twilio signature")
    return params


def _message_twiml(text: str) -> str:
    response = ET.Element("Response")
    if text:
        ET.SubElement(response, "Message").text = text
    return '<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(response, encoding="unicode")


@router.post("/twilio/inbound")
async def twilio_inbound(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """An SMS or WhatsApp message from a debtor; the answer goes back as TwiML."""
    params = await _verified_twilio_form(request, settings)
    sender = params.get("From", "")
    channel = "whatsapp" if sender.startswith("whatsapp:") else "sms"
    reply = handle_message(
        session,
        settings,
        channel=channel,
        sender=sender.removeprefix("whatsapp:"),
        text=params.get("Body", ""),
        received_at=_now(request),
        provider_id=params.get("MessageSid") or params.get("SmsSid") or None,
    )
    return Response(_message_twiml(reply.text), media_type=TWIML)


@router.post("/twilio/voice/gather")
async def twilio_gather(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The key a debtor pressed in a reminder call: 1 pay link by SMS, 2 call-back task."""
    params = await _verified_twilio_form(request, settings)
    outbound = params.get("Direction", "outbound-api").startswith("outbound")
    number = params.get("To" if outbound else "From", "")
    customer = find_customer_by_sender(session, number)
    lang = customer.language if customer and customer.language in ("nl", "en") else "nl"
    choice = gather_choice(params.get("Digits"))
    now = _now(request)
    call = params.get("CallSid", now.isoformat())
    if customer is not None:
        session.add(
            ConversationMessage(
                customer_id=customer.id,
                channel="voice",
                direction="in",
                sender=number,
                text=f"key {params.get('Digits', '')}",
                intent=choice,
                provider_id=f"{call}:gather"[:128],
                created_at=now,
            )
        )
        add_event(
            session,
            customer.id,
            "conversation.in",
            f"Key pressed: {params.get('Digits')}",
            channel="voice",
            direction="in",
        ).occurred_at = now
        if choice == "pay_link_sms":
            secret = link_secret(session, settings)
            link = pay_url(
                settings.portal_base_url,
                make_customer_token(secret, customer.customer_id, "pay", now=now),
            )
            queue_action(
                session,
                customer,
                key=f"voice-paylink-{call}",
                kind="message",
                channel="sms",
                step="pay_link",
                template="pay_link",
                now=now,
                strategy="conversation",
                payload={"pay_url": link},
            )
        elif choice == "callback":
            queue_action(
                session,
                customer,
                key=f"voice-callback-{call}",
                kind="task",
                channel="call",
                step="callback",
                now=now,
                strategy="conversation",
                payload={"call_sid": call, "number": number},
            )
    answer = GATHER_ANSWERS[choice or "none"][lang]
    return Response(gather_result_twiml(answer, lang), media_type=TWIML)


class InboundEmail(BaseModel):
    """An e-mail reply as the mail gateway posts it."""

    sender: str = Field(alias="from", max_length=400)
    subject: str = Field(default="", max_length=1000)
    text: str = Field(max_length=100_000)
    message_id: str | None = Field(default=None, max_length=128)


@router.post("/email/inbound")
def email_inbound(
    request: Request,
    body: InboundEmail,
    session: SessionDep,
    settings: SettingsDep,
    x_creditflow_secret: Annotated[str, Header()] = "",
) -> dict[str, Any]:
    """An e-mail reply from a debtor (shared-secret header); answered by a queued e-mail."""
    try:
        expected = secret_from(settings.providers.get("email_inbound", {}), "secret")
    except ConfigError as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from exc
    if not expected or not hmac.compare_digest(expected, x_creditflow_secret):
        raise HTTPException(status_code=403, detail="invalid shared secret")
    from creditflow.inbound.imap import reply_text

    reply = handle_message(
        session,
        settings,
        channel="email",
        sender=parseaddr(body.sender)[1] or body.sender,
        text=reply_text(body.subject, body.text),
        received_at=_now(request),
        provider_id=body.message_id,
    )
    return {
        "intent": reply.intent,
        "reply": reply.text,
        "actions": reply.actions,
        "duplicate": reply.duplicate,
    }
