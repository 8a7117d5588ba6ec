"""Contact rules: opt-out replies, do-not-contact states, US Regulation F call limits.

All times are passed in; calendar days are those of `now`'s time zone, so pass `now`
in the debtor's own time zone (DESIGN invariant 2).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum

__all__ = [
    "CallAttempt",
    "DoNotContact",
    "RuleVerdict",
    "is_opt_out",
    "max_contacts_allowed",
    "regf_call_allowed",
    "regf_convenient_time",
    "stops_dunning",
]

# A whole message that is one of these (after dropping politeness words) is an opt-out.
_OPT_OUT_WORDS = frozenset(
    {
        "stop", "stopp", "stoppen", "stopall", "stop all", "stop alles",
        "afmelden", "afmelding", "uitschrijven", "meld af", "meld mij af", "meld me af",
        "schrijf mij uit", "schrijf me uit", "geen berichten", "geen berichten meer",
        "unsubscribe", "cancel", "quit", "end", "revoke", "opt out", "optout",
        "remove", "remove me", "unsubscribe me", "opt me out",
    }
)  # fmt: skip
_POLITENESS = frozenset(
    {
        "please", "pls", "plz", "now", "thanks", "thank", "you", "thx", "ok",
        "alsjeblieft", "alstublieft", "aub", "a", "u", "b", "svp", "graag", "nu",
        "bedankt", "dank", "je", "dankjewel", "dankuwel",
    }
)  # fmt: skip
# A longer message is an opt-out when it holds one of these explicit requests.
_OPT_OUT_PHRASES = tuple(
    re.compile(pattern)
    for pattern in (
        r"\bgeen (?:berichten|sms|smsjes|mail|mails|e ?mails|whatsapps?|appjes|brieven"
        r"|telefoontjes|herinneringen) meer\b",
        r"\b(?:meld|schrijf) (?:mij|me) (?:af|uit)\b",
        r"\bik wil (?:mij |me )?(?:afmelden|uitschrijven)\b",
        r"\bstop (?:met )?(?:sturen|sms(?:en)?|berichten|mailen|bellen|appen)\b",
        r"\b(?:niet|nooit) meer (?:bellen|sturen|mailen|appen|sms(?:en)?|benaderen)\b",
        r"\bunsubscribe me\b",
        r"\bopt me out\b",
        r"\bi (?:want|wish|would like) to (?:opt out|unsubscribe)\b",
        r"\bstop (?:texting|messaging|emailing|calling|sending|contacting)\b",
        r"\b(?:do not|don t|dont) (?:contact|text|message|email|call) me\b",
        r"\bno more (?:messages|texts|emails|calls)\b",
        r"\bremove me from\b",
        r"\btake me off\b",
        r"\brevoke (?:my )?consent\b",
    )
)
_NEGATIONS = frozenset({"dont", "don", "not", "never", "niet", "nooit"})
_NON_WORD = re.compile(r"[^\w]+")


def _normalise(text: str) -> str:
    """Lower case, punctuation and emoji to spaces, single spaces."""
    return " ".join(_NON_WORD.sub(" ", (text or "").lower().replace("_", " ")).split())


def is_opt_out(text: str) -> bool:
    """True when an inbound message asks to stop receiving messages.

    Two ways: the whole message is an opt-out word ("STOP", "stop alsjeblieft",
    "afmelden", "unsubscribe", "cancel", "quit", "end", "revoke", "opt out", ...), or it
    holds an explicit request ("geen berichten meer", "meld mij af", "stop texting me",
    "do not contact me", ...) not negated just before ("don't unsubscribe me").
    A keyword inside another sentence is not enough: "I will stop by tomorrow" and the
    question "kan ik afmelden voor de krant" are left to a person (inbound intents).
    """
    normal = _normalise(text)
    if not normal:
        return False
    kept = " ".join(word for word in normal.split() if word not in _POLITENESS)
    if kept in _OPT_OUT_WORDS:
        return True
    for pattern in _OPT_OUT_PHRASES:
        for found in pattern.finditer(normal):
            before = normal[: found.start()].split()[-2:]
            if not _NEGATIONS.intersection(before):
                return True
    return False


class DoNotContact(str, Enum):
    """A state of the debtor in which the normal dunning must stop."""

    DECEASED = "deceased"
    BANKRUPTCY = "bankruptcy"
    WSNP = "wsnp"
    DEBT_COUNSELLING = "debt_counselling"
    LEGAL = "legal"


def stops_dunning(state: DoNotContact | str | None) -> bool:
    """True when the state stops dunning; None or "" (no state) does not.

    Every state stops it: a deceased debtor's estate is handled by a person; in
    bankruptcy and WSNP claims go to the trustee; debt counselling asks creditors to
    pause (taken as binding here, the safe side); "legal" means lawyers have the file.
    An unknown state raises, so a typo never lets dunning continue.
    """
    if state is None or state == "":
        return False
    try:
        DoNotContact(state)
    except ValueError:
        known = ", ".join(member.value for member in DoNotContact)
        raise ValueError(f"do-not-contact state {state!r} is unknown (known: {known})") from None
    return True


@dataclass(frozen=True, slots=True)
class CallAttempt:
    """A call placed about one debt; `conversation` when the debtor was spoken to."""

    at: datetime
    conversation: bool = False


@dataclass(frozen=True, slots=True)
class RuleVerdict:
    """Whether a contact is allowed now; if not, why and from when it may be."""

    allowed: bool
    reason: str | None = None
    not_before: datetime | None = None


REGF_MAX_CALLS = 7
REGF_DAYS = 7
REGF_EARLIEST = time(8, 0)
REGF_LATEST = time(21, 0)


def _local(moment: datetime, now: datetime) -> datetime:
    if moment.tzinfo is not None and now.tzinfo is not None:
        return moment.astimezone(now.tzinfo)
    return moment


def _day_start(day: date, now: datetime) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=now.tzinfo)


def regf_call_allowed(attempts: Sequence[CallAttempt], now: datetime) -> RuleVerdict:
    """Regulation F (12 CFR 1006.14(b)(2)) call frequency for one debt, checked at `now`.

    Refused: an 8th call within 7 consecutive calendar days (the day of the new call
    and the 6 before), or any call within 7 days after a telephone conversation (the
    day of the conversation is day 1). Only attempts at or before `now` count.
    """
    today = now.date()
    past = [(_local(a.at, now), a.conversation) for a in attempts if _local(a.at, now) <= now]
    reasons: list[str] = []
    not_before: list[datetime] = []

    conversations = [at.date() for at, talked in past if talked]
    if conversations:
        last = max(conversations)
        if today < last + timedelta(days=REGF_DAYS):
            reasons.append(
                f"a telephone conversation took place on {last.isoformat()}; no call within "
                f"7 days after it (Regulation F)"
            )
            not_before.append(_day_start(last + timedelta(days=REGF_DAYS), now))

    window_start = today - timedelta(days=REGF_DAYS - 1)
    days = sorted(at.date() for at, _ in past if at.date() >= window_start)
    if len(days) >= REGF_MAX_CALLS:
        reasons.append(
            f"{len(days)} calls since {window_start.isoformat()}; at most 7 calls in 7 "
            f"consecutive days (Regulation F)"
        )
        oldest_to_drop = days[len(days) - REGF_MAX_CALLS]
        not_before.append(_day_start(oldest_to_drop + timedelta(days=REGF_DAYS), now))

    if not reasons:
        return RuleVerdict(allowed=True)
    return RuleVerdict(allowed=False, reason="; ".join(reasons), not_before=max(not_before))


def regf_convenient_time(now: datetime) -> RuleVerdict:
    """Regulation F convenient hours: 08:00 to 21:00 at the debtor's location (`now`)."""
    moment = now.timetz().replace(tzinfo=None)
    if REGF_EARLIEST <= moment <= REGF_LATEST:
        return RuleVerdict(allowed=True)
    day = now.date() if moment < REGF_EARLIEST else now.date() + timedelta(days=1)
    return RuleVerdict(
        allowed=False,
        reason=f"{moment.strftime('%H:%M')} is outside 08:00-21:00 at the debtor's location",
        not_before=datetime.combine(day, REGF_EARLIEST, tzinfo=now.tzinfo),
    )


def max_contacts_allowed(
    contact_times: Sequence[datetime], now: datetime, limit: int, window_days: int = 7
) -> RuleVerdict:
    """Allowed while fewer than `limit` contacts fell in the last `window_days` (rolling).

    The window is (now - window_days, now]; contacts after `now` are not counted.
    When refused, `not_before` is the moment the oldest contact that must drop out of
    the window has left it.
    """
    if limit < 0:
        raise ValueError(f"limit: must not be negative, got {limit}")
    if window_days < 1:
        raise ValueError(f"window_days: must be at least 1, got {window_days}")
    window = timedelta(days=window_days)
    recent = sorted(t for t in (_local(c, now) for c in contact_times) if now - window < t <= now)
    if len(recent) < limit:
        return RuleVerdict(allowed=True)
    reason = f"{len(recent)} contacts in the last {window_days} days; the limit is {limit}"
    if limit == 0:
        return RuleVerdict(allowed=False, reason=reason, not_before=None)
    return RuleVerdict(
        allowed=False, reason=reason, not_before=recent[len(recent) - limit] + window
    )
