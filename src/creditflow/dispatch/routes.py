"""Delivery feedback from providers, and the TwiML of reminder calls.

- POST /webhooks/twilio/status: Twilio status callbacks for messages and calls,
  checked with `X-Twilio-Signature` (auth token of `[providers.twilio]`, else of the
  sms/whatsapp/voice channel). delivered (calls: completed) -> action 'delivered';
  undelivered/failed (calls: busy, no-answer, failed, canceled) -> failover to the
  next channel on the next dispatch, or 'failed'; an error code saying the number is
  bad marks the contact point invalid. Progress states (queued, sent) are ignored.
- POST /webhooks/email/bounce: JSON `{"action_id" or "message_id", "recipient",
  "type": "hard"|"soft", "status", "diagnostic"}` with the shared secret of
  `[email] bounce_token` in `X-Creditflow-Token`. Hard: address invalid, failover;
  soft: timeline only.
- GET|POST /voice/twiml/{action_id}: the call script (the action id is 32 random hex
  characters, not guessable); Twilio's `AnsweredBy=machine_*` gets the voicemail
  variant without the key menu.
"""

from __future__ import annotations

import hmac
import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Request, Response
from pydantic import BaseModel, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from creditflow.api.deps import get_session, get_settings
from creditflow.channels.twilio import INVALID_CONTACT_CODES, verify_twilio_signature
from creditflow.channels.twiml import machine_message_twiml, reminder_call_twiml
from creditflow.config import ConfigError, Settings, secret_from
from creditflow.dispatch.outcome import fail_over, mark_contact_invalid, timeline
from creditflow.outbox.models import Action

router = APIRouter(tags=["dispatch"])

SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TWIML = "application/xml"
_ACTION_ID = re.compile(r"^[0-9a-f]{32}$")
# Delivery error codes (30005 unknown handset, 30006 landline) meaning the number is bad.
INVALID_NUMBER_CODES = frozenset(INVALID_CONTACT_CODES | {30005, 30006})
_DELIVERED = {"delivered", "completed"}
_FAILED = {"undelivered", "failed", "busy", "no-answer", "canceled"}


def _now(request: Request) -> datetime:
    clock = getattr(request.app.state, "clock", None)
    return clock() if clock else datetime.now(UTC)


def _twilio_token(settings: Settings) -> str:
    sections = [settings.providers.get("twilio", {})]
    sections += [settings.channels.get(ch, {}) for ch in ("sms", "whatsapp", "voice")]
    for section in sections:
        try:
            token = secret_from(section, "auth_token")
        except ConfigError as exc:
            raise HTTPException(status_code=503, detail=str(exc)) from exc
        if token:
            return token
    raise HTTPException(status_code=503, detail="no Twilio auth_token is configured")


async def _signed_form(request: Request, settings: Settings) -> dict[str, str]:
    token = _twilio_token(settings)
    form = await request.form()
    params = {k: str(v) for k, v in form.multi_items()}
    signature = request.headers.get("X-Twilio-Signature", "")
    query = f"?{request.url.query}" if request.url.query else ""
    public = str(
        settings.providers.get("twilio", {}).get("webhook_base_url") or settings.portal_base_url
    ).rstrip("/")
    urls = (f"{public}{request.url.path}{query}", str(request.url))
    if not signature or not any(verify_twilio_signature(u, params, signature, token) for u in urls):
        raise HTTPException(status_code=403, detail="invalid Twilio signature")
    return params


def _by_provider_id(session: Session, provider_id: str) -> Action | None:
    if not provider_id:
        return None
    return session.scalars(select(Action).where(Action.provider_message_id == provider_id)).first()


def _failed_delivery(
    session: Session, action: Action, reason: str, address_bad: bool, now: datetime
) -> None:
    timeline(session, action, "message.undelivered", reason, now, data={"reason": reason})
    if address_bad:
        address = (action.payload or {}).get("to")
        mark_contact_invalid(session, action, action.channel, address, reason, now)
    fail_over(session, action, reason, now)


@router.post("/webhooks/twilio/status")
async def twilio_status(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """A Twilio status callback for a message or a call we sent."""
    params = await _signed_form(request, settings)
    sid = params.get("MessageSid") or params.get("CallSid") or ""
    status = (params.get("MessageStatus") or params.get("CallStatus") or "").lower()
    action = _by_provider_id(session, sid)
    if action is None or status not in _DELIVERED | _FAILED:
        return Response(status_code=204)
    now = _now(request)
    if status in _DELIVERED and action.status == "sent":
        action.status = "delivered"
        action.updated_at = now
        answered = params.get("AnsweredBy")
        detail = f" (answered by {answered})" if answered else ""
        timeline(
            session,
            action,
            "message.delivered",
            f"{action.step} delivered by {action.channel}{detail}",
            now,
            data={"provider_status": status, "answered_by": answered},
        )
    elif status in _FAILED and action.status in ("sent", "delivered"):
        code = params.get("ErrorCode") or ""
        bad = code.isdigit() and int(code) in INVALID_NUMBER_CODES
        reason = f"Twilio {status}" + (f" (error {code})" if code else "")
        _failed_delivery(session, action, reason, bad, now)
    return Response(status_code=204)


class Bounce(BaseModel):
    """A delivery status notification about an e-mail we sent."""

    action_id: str | None = None
    message_id: str | None = None
    recipient: str | None = None
    type: str = Field(pattern="^(hard|soft)$")
    status: str | None = None
    diagnostic: str | None = None


def _bounce_token(settings: Settings) -> str:
    try:
        token = settings.email.bounce_token.reveal()
    except ConfigError as exc:
        raise HTTPException(status_code=503, detail=str(exc)) from exc
    if not token:
        raise HTTPException(status_code=503, detail="[email] bounce_token is not set")
    return token


@router.post("/webhooks/email/bounce")
def email_bounce(
    bounce: Bounce,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str, Header(alias="X-Creditflow-Token")] = "",
) -> dict[str, str]:
    """A hard or soft bounce of an e-mail we sent."""
    if not hmac.compare_digest(token.encode(), _bounce_token(settings).encode()):
        raise HTTPException(status_code=403, detail="invalid X-Creditflow-Token")
    if not (bounce.action_id or bounce.message_id):
        raise HTTPException(status_code=422, detail="action_id or message_id is required")
    message_id = (bounce.message_id or "").strip()
    query = select(Action).where(Action.channel == "email")
    conditions = []
    if bounce.action_id:
        conditions.append(Action.action_id == bounce.action_id)
    if message_id:
        conditions.append(
            Action.provider_message_id.in_({message_id, f"<{message_id.strip('<>')}>"})
        )
    action = session.scalars(query.where(or_(*conditions))).first()
    if action is None:
        raise HTTPException(status_code=404, detail="no e-mail was sent with that id")
    now = _now(request)
    reason = " ".join(x for x in (f"{bounce.type} bounce", bounce.status, bounce.diagnostic) if x)
    if bounce.type == "soft":
        timeline(session, action, "message.bounced", reason, now, data={"bounce": "soft"})
        return {"action_id": action.action_id, "result": "noted"}
    if action.status not in ("sent", "delivered"):
        timeline(session, action, "message.bounced", reason, now, data={"bounce": "hard"})
        return {"action_id": action.action_id, "result": "noted"}
    address = bounce.recipient or (action.payload or {}).get("to")
    timeline(session, action, "message.bounced", reason, now, data={"bounce": "hard"})
    mark_contact_invalid(session, action, "email", address, reason, now)
    channel = fail_over(session, action, reason, now)
    return {
        "action_id": action.action_id,
        "result": f"failover to {channel}" if channel else "failed",
    }


# Twilio fetches it by GET or POST; a provider callback, not part of the API document.
@router.api_route("/voice/twiml/{action_id}", methods=["GET", "POST"], include_in_schema=False)
async def voice_twiml(
    action_id: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """The TwiML Twilio fetches when the reminder call is answered."""
    if not _ACTION_ID.match(action_id):
        raise HTTPException(status_code=404, detail="no such call")
    action = session.scalars(select(Action).where(Action.action_id == action_id)).first()
    text = (action.payload or {}).get("voice_text") if action is not None else None
    if action is None or action.channel != "voice" or not text:
        raise HTTPException(status_code=404, detail="no such call")
    answered = request.query_params.get("AnsweredBy", "")
    if request.method == "POST":
        form = await request.form()
        answered = str(form.get("AnsweredBy", answered))
    language = action.language if action.language in ("nl", "en") else "en"
    if answered.startswith("machine") or request.query_params.get("machine") == "1":
        return Response(machine_message_twiml(text, language), media_type=TWIML)
    gather = f"{settings.portal_base_url.rstrip('/')}/webhooks/twilio/voice/gather"
    return Response(reminder_call_twiml(text, language, gather), media_type=TWIML)
