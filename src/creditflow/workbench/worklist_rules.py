"""The worklist's rules (a pure core): item types, priority, order, filters, claims.

priority = amount at stake x urgency, where
    amount at stake = the item's amount in major units, at least MIN_STAKE (an item
        about nothing owed, such as a question, still needs a person);
    urgency = the type's weight x (1 + days waiting / 30), the age part capped at 3
        (the same shape as intelligence/call_order.py's urgency).
Calls (a call task, a broken promise to call about: RECOVERY_KINDS) are ordered by
what a call is expected to bring in instead:
    priority = the type's weight x expected recovery (at least MIN_STAKE), where
    expected recovery = amount at stake x the customer's recovery rate, and
    recovery rate = the open-amount-weighted mean over the customer's open invoices in
        the item's currency of propensity (the probability the invoice would otherwise
        be paid late) x urgency (1 until due, rising to 3 at 60 days overdue):
the rule of intelligence/call_order.py (`call_priority`: expected recovery / open
amount), computed for all the customers on the list in one scoring pass
(worklist.recovery_for). The rate (0..3) takes the place of the age factor (1..3):
a small debt of a customer who pays late comes before a bigger one of a customer who
pays on time, and a call is never worth more than its own amount x 3.
Amounts of different currencies are compared as numbers (no exchange rates).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from creditflow.money import from_minor

# (type, weight): every kind of work item, in the order the type filter lists them.
ITEM_WEIGHTS: dict[str, Decimal] = {
    "call": Decimal(3),
    "dispute": Decimal(3),
    "plan": Decimal(3),
    "reply": Decimal(2),
    "promise": Decimal(2),
    "handover": Decimal(2),
    "failed": Decimal("1.5"),
    "unmatched": Decimal("1.5"),
    "review": Decimal(1),
}
ITEM_TYPES: tuple[str, ...] = tuple(ITEM_WEIGHTS)
ITEM_LABELS: dict[str, str] = {
    "call": "Call",
    "dispute": "Dispute",
    "plan": "Plan request",
    "reply": "Reply",
    "promise": "Broken promise",
    "handover": "Hand-over",
    "failed": "Failed message",
    "unmatched": "Unmatched payment",
    "review": "Review",
}
# Items worked in a queue page; the rest on the customer's page.
QUEUE_LINKS: dict[str, str] = {
    "dispute": "/workbench/queues/disputes",
    "plan": "/workbench/queues/plans",
    "unmatched": "/workbench/queues/unmatched",
    "failed": "/workbench/queues/outbox",
}
# Items worked by calling the customer: ordered by expected recovery from a call.
RECOVERY_KINDS = frozenset({"call", "promise"})
MIN_STAKE = Decimal(10)
AGE_DAYS_PER_STEP = 30
AGE_FACTOR_CAP = Decimal(3)
CLAIMED_CHOICES = ("all", "mine", "unclaimed")
PAGE_SIZE = 50
ROLES_WHO_WORK = frozenset({"admin", "manager", "collector"})
PORTFOLIO_ROLE = "collector"


class FilterError(ValueError):
    """A filter value the worklist cannot use; `field` names the query parameter."""

    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


@dataclass(frozen=True)
class WorkItem:
    """One thing that needs a person, as the list shows it."""

    key: str  # stable: "<type>:<record>", e.g. "dispute:12" or "call:<action id>"
    kind: str
    stake_minor: int
    currency: str
    since: datetime  # when it started waiting for a person
    todo: str  # what to do (an English source text)
    customer_pk: int | None = None
    customer_ref: str | None = None
    customer_name: str | None = None
    collector_id: int | None = None
    segment: str | None = None
    due: date | None = None
    detail: str = ""
    claimed_by_id: int | None = None
    claimed_by: str | None = None
    recovery_minor: int | None = None  # expected recovery from a call (RECOVERY_KINDS)

    @property
    def link(self) -> str:
        """Where the item is worked: its queue, else the customer's page."""
        return item_link(self.kind, self.customer_pk)

    @property
    def stake(self) -> Decimal:
        """The amount at stake in major units of its currency."""
        return from_minor(self.stake_minor, self.currency)

    @property
    def recovery(self) -> Decimal | None:
        """Expected recovery from a call in major units (None: not scored that way)."""
        if self.recovery_minor is None:
            return None
        return from_minor(self.recovery_minor, self.currency)


@dataclass(frozen=True)
class Filters:
    """What the list is narrowed to (None: everything)."""

    kinds: frozenset[str] | None = None
    collector_id: int | None = None
    segment: str | None = None
    claimed: str = "all"
    page: int = 1


@dataclass(frozen=True)
class Page:
    """One page of the ordered list, and how many items there are in all."""

    items: list[WorkItem] = field(default_factory=list)
    total: int = 0
    number: int = 1
    pages: int = 1


def item_key(kind: str, record: object) -> str:
    """The stable key of a work item: its type and the record it stands for."""
    return f"{kind}:{record}"


def key_parts(key: str) -> tuple[str, str]:
    """(type, record) of an item key; FilterError when it is not one."""
    kind, sep, record = key.partition(":")
    if not sep or kind not in ITEM_WEIGHTS or not record or len(key) > 96:
        raise FilterError("item", f"{key[:100]!r} is not a work item key")
    return kind, record


def item_link(kind: str, customer_pk: int | None) -> str:
    """The page an item is worked on."""
    if kind in QUEUE_LINKS or customer_pk is None:
        return QUEUE_LINKS.get(kind, "/workbench/queues")
    return f"/workbench/customers/{customer_pk}"


def age_days(since: datetime, now: datetime) -> int:
    """Whole days an item has waited (0 when it is new or not yet due)."""
    return max((now - since).days, 0)


def urgency(kind: str, days_waiting: int) -> Decimal:
    """The type's weight x (1 + days waiting / 30), the age part between 1 and 3."""
    age = min(Decimal(1) + Decimal(max(days_waiting, 0)) / AGE_DAYS_PER_STEP, AGE_FACTOR_CAP)
    return ITEM_WEIGHTS[kind] * age


def priority(item: WorkItem, now: datetime) -> Decimal:
    """Amount at stake (at least MIN_STAKE) x urgency; a scored call: weight x expected recovery."""
    recovery = item.recovery
    if recovery is not None:
        return max(recovery, MIN_STAKE) * ITEM_WEIGHTS[item.kind]
    return max(item.stake, MIN_STAKE) * urgency(item.kind, age_days(item.since, now))


def recovery_customers(items: Iterable[WorkItem]) -> set[int]:
    """The customers whose calls are ordered by expected recovery (RECOVERY_KINDS)."""
    return {i.customer_pk for i in items if i.kind in RECOVERY_KINDS and i.customer_pk is not None}


def with_recovery(
    items: Iterable[WorkItem], rates: Mapping[tuple[int, str], float]
) -> list[WorkItem]:
    """The calls with their expected recovery: amount at stake x the customer's recovery rate.

    rates: (customer, currency) -> recovery rate; a customer with nothing open in the
    item's currency has none to recover (0).
    """
    return [
        replace(
            i, recovery_minor=round(i.stake_minor * rates.get((i.customer_pk, i.currency), 0.0))
        )
        if i.kind in RECOVERY_KINDS and i.customer_pk is not None
        else i
        for i in items
    ]


def ordered(items: Iterable[WorkItem], now: datetime) -> list[WorkItem]:
    """Highest priority first; ties: longest waiting first, then by key."""
    return sorted(items, key=lambda i: (-priority(i, now), i.since, i.key))


def with_claims(items: Iterable[WorkItem], claims: Mapping[str, tuple[int, str]]) -> list[WorkItem]:
    """The items with who claimed them (claims: item key -> (staff user id, name))."""
    return [
        replace(i, claimed_by_id=claims[i.key][0], claimed_by=claims[i.key][1])
        if i.key in claims
        else i
        for i in items
    ]


def select_items(items: Iterable[WorkItem], filters: Filters, me: int | None) -> list[WorkItem]:
    """The items the filters keep (`me`: the staff user id, for "mine")."""
    kept = []
    for item in items:
        if filters.kinds is not None and item.kind not in filters.kinds:
            continue
        if filters.collector_id is not None and item.collector_id != filters.collector_id:
            continue
        if filters.segment is not None and item.segment != filters.segment:
            continue
        if filters.claimed == "mine" and (me is None or item.claimed_by_id != me):
            continue
        if filters.claimed == "unclaimed" and item.claimed_by_id is not None:
            continue
        kept.append(item)
    return kept


def page_of(items: Sequence[WorkItem], number: int, size: int = PAGE_SIZE) -> Page:
    """Page `number` (from 1; past the end: the last page) of `size` items."""
    pages = max((len(items) + size - 1) // size, 1)
    number = min(max(number, 1), pages)
    start = (number - 1) * size
    return Page(list(items[start : start + size]), len(items), number, pages)


def parse_filters(params: Mapping[str, str]) -> Filters:
    """Filters from the page's query string; FilterError names a bad field."""
    kind = (params.get("type") or "").strip()
    if kind and kind not in ITEM_WEIGHTS:
        raise FilterError("type", f"{kind!r} is not one of {', '.join(ITEM_TYPES)}")
    collector = (params.get("collector") or "").strip()
    if collector and not (collector.isdigit() and len(collector) < 10):
        raise FilterError("collector", f"{collector!r} is not a staff member's number")
    segment = (params.get("segment") or "").strip()
    if len(segment) > 64:
        raise FilterError("segment", "is longer than 64 characters")
    claimed = (params.get("claimed") or "all").strip()
    if claimed not in CLAIMED_CHOICES:
        raise FilterError("claimed", f"{claimed!r} is not one of {', '.join(CLAIMED_CHOICES)}")
    page = (params.get("page") or "1").strip()
    if not (page.isdigit() and len(page) < 7 and int(page) >= 1):
        raise FilterError("page", f"{page!r} is not a page number")
    return Filters(
        kinds=frozenset({kind}) if kind else None,
        collector_id=int(collector) if collector else None,
        segment=segment or None,
        claimed=claimed,
        page=int(page),
    )


def claim_problem(holder_id: int | None, me: int, may_reassign: bool) -> str | None:
    """Why this staff member may not claim the item (None: they may)."""
    if holder_id is None or holder_id == me or may_reassign:
        return None
    return "Someone else has claimed this item; a manager can assign it."


def release_problem(holder_id: int | None, me: int, may_reassign: bool) -> str | None:
    """Why this staff member may not release the claim (None: they may)."""
    if holder_id is None:
        return "Nobody has claimed this item."
    if holder_id == me or may_reassign:
        return None
    return "Only who holds the item, or a manager, can release it."


def assign_problem(
    target_role: str | None, target_active: bool, target_id: int, item: WorkItem
) -> str | None:
    """Why the item may not be assigned to this staff member (None: it may).

    Only someone who works customers gets work; a collector only work of customers in
    their portfolio (they could not open any other), so never an item without one.
    """
    if target_role is None or not target_active:
        return "There is no such active staff member."
    if target_role not in ROLES_WHO_WORK:
        return "A viewer cannot be given work."
    if target_role == PORTFOLIO_ROLE and (
        item.customer_pk is None or item.collector_id != target_id
    ):
        return "This customer is not in that collector's portfolio."
    return None
