"""Contact preferences, consent and feedback given by the debtor."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from creditflow.arrangements.policy import PolicyRefusal
from creditflow.compliance.consent import record_consent, record_opt_out
from creditflow.ledger.models import Customer
from creditflow.ledger.service import add_event, audit
from creditflow.portal.models import Feedback

CONSENT_CHANNELS = ("email", "sms", "whatsapp", "voice", "letter")
LANGUAGES = ("nl", "en")


def set_consent(
    session: Session,
    customer: Customer,
    channel: str,
    granted: bool,
    *,
    source: str,
    evidence: str | None,
    now: datetime,
) -> bool:
    """Record consent given or withdrawn for one channel (consent register); True if it changed."""
    if granted == (channel not in (customer.opt_out or [])):
        return False
    record = record_consent if granted else record_opt_out
    return record(session, customer.id, channel, source, evidence, now).changed


def set_preferences(
    session: Session,
    customer: Customer,
    *,
    channel: str | None,
    language: str,
    preferred_hour: int | None,
    opt_outs: set[str],
    now: datetime,
) -> None:
    """Store the debtor's channel, language, time of day and per-channel opt-outs."""
    if channel is not None and channel not in CONSENT_CHANNELS:
        raise PolicyRefusal("channel", f"channel {channel!r} is not offered")
    if language not in LANGUAGES:
        raise PolicyRefusal("language", f"language {language!r} is not offered")
    if preferred_hour is not None and not 8 <= preferred_hour <= 20:
        raise PolicyRefusal("preferred_hour", "the preferred hour must be between 8 and 20")
    unknown = opt_outs - set(CONSENT_CHANNELS)
    if unknown:
        raise PolicyRefusal("opt_out", f"unknown channel(s) {', '.join(sorted(unknown))}")
    customer.preferred_channel = channel
    customer.language = language
    customer.preferred_hour = preferred_hour
    for name in CONSENT_CHANNELS:
        set_consent(
            session,
            customer,
            name,
            name not in opt_outs,
            source="portal",
            evidence="preferences form",
            now=now,
        )
    add_event(
        session,
        customer.id,
        "preferences.changed",
        f"Preferences: channel {channel or '-'}, language {language}, "
        f"hour {preferred_hour if preferred_hour is not None else '-'}",
        direction="in",
    )
    audit(
        session,
        f"customer:{customer.customer_id}",
        "update",
        "customer",
        customer.customer_id,
        {
            "preferred_channel": channel,
            "language": language,
            "preferred_hour": preferred_hour,
            "opt_out": sorted(opt_outs),
        },
    )


def record_feedback(
    session: Session,
    customer: Customer,
    score: int,
    comment: str,
    *,
    now: datetime,
    action_id: str | None = None,
) -> Feedback:
    """Keep a rating (1-5) and a comment."""
    if not 1 <= score <= 5:
        raise PolicyRefusal("score", f"score must be 1 to 5, got {score}")
    feedback = Feedback(
        customer_id=customer.id,
        action_id=action_id,
        score=score,
        comment=comment[:2000] or None,
        created_at=now,
    )
    session.add(feedback)
    add_event(session, customer.id, "feedback", f"Feedback {score}/5", direction="in")
    return feedback
