"""The worklist's rules as tables of cases: urgency, priority, order, filters, claims."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from creditflow.workbench.worklist_rules import (
    ITEM_TYPES,
    FilterError,
    Filters,
    WorkItem,
    age_days,
    assign_problem,
    claim_problem,
    item_link,
    key_parts,
    ordered,
    page_of,
    parse_filters,
    priority,
    recovery_customers,
    release_problem,
    select_items,
    urgency,
    with_claims,
    with_recovery,
)

NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


def item(key="call:a", kind="call", stake=10_000, days=0, **extra) -> WorkItem:
    """A work item of `stake` cents in EUR that has waited `days` days."""
    return WorkItem(key=key, kind=kind, stake_minor=stake, currency="EUR",
                    since=NOW - timedelta(days=days), todo="Call the customer", **extra)  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "days", "expected"),
    [
        ("call", 0, Decimal(3)),
        ("call", 30, Decimal(6)),
        ("call", 60, Decimal(9)),
        ("call", 365, Decimal(9)),  # the age part stops at 3
        ("review", 15, Decimal("1.5")),
        ("failed", 0, Decimal("1.5")),
        ("dispute", -5, Decimal(3)),  # not yet due counts as new
    ],
)
def test_urgency_is_the_type_weight_times_the_age_factor(kind, days, expected):
    assert urgency(kind, days) == expected


@pytest.mark.parametrize(
    ("stake", "kind", "days", "expected"),
    [
        (10_000, "call", 0, Decimal("300.00")),  # 100.00 x 3
        (10_000, "review", 30, Decimal("200.00")),  # 100.00 x 1 x 2
        (0, "reply", 0, Decimal("20")),  # nothing owed: at least 10 x 2
        (500, "reply", 0, Decimal("20")),  # 5.00 is under the minimum stake
        (123_456, "unmatched", 3, Decimal("1234.56") * Decimal("1.5") * Decimal("1.1")),
    ],
)
def test_priority_is_the_amount_at_stake_times_urgency(stake, kind, days, expected):
    assert priority(item(kind=kind, stake=stake, days=days), NOW) == expected


def test_the_list_is_ordered_by_priority_then_by_longest_waiting_then_by_key():
    big_new = item("call:big", stake=100_000)
    small_old = item("review:old", kind="review", stake=1_000, days=50)
    tie_older = item("dispute:2", kind="dispute", stake=10_000, days=1)
    tie_newer = item("call:c", stake=10_000, days=0)
    tie_key = item("call:b", stake=10_000, days=0)
    same_priority = [tie_newer, tie_key]
    assert priority(tie_newer, NOW) == priority(tie_key, NOW)
    assert ordered([small_old, *same_priority, tie_older, big_new], NOW) == [
        big_new, tie_older, tie_key, tie_newer, small_old]  # fmt: skip


ITEMS = [
    item("call:1", collector_id=1, segment="retail"),
    item("dispute:2", kind="dispute", collector_id=2, segment="business"),
    item("unmatched:3", kind="unmatched"),
]
CLAIMS = {"call:1": (1, "cora@example.nl"), "dispute:2": (2, "colin@example.nl")}


@pytest.mark.parametrize(
    ("filters", "me", "kept"),
    [
        (Filters(), 1, ["call:1", "dispute:2", "unmatched:3"]),
        (Filters(kinds=frozenset({"dispute"})), 1, ["dispute:2"]),
        (Filters(collector_id=2), 1, ["dispute:2"]),
        (Filters(segment="retail"), 1, ["call:1"]),
        (Filters(claimed="mine"), 1, ["call:1"]),
        (Filters(claimed="mine"), None, []),
        (Filters(claimed="unclaimed"), 1, ["unmatched:3"]),
        (Filters(kinds=frozenset({"call"}), collector_id=2), 1, []),
    ],
)
def test_filters_keep_the_items_of_a_type_collector_segment_or_claim(filters, me, kept):
    chosen = select_items(with_claims(ITEMS, CLAIMS), filters, me)
    assert [i.key for i in chosen] == kept


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, Filters()),
        ({"type": "dispute", "page": "2"}, Filters(kinds=frozenset({"dispute"}), page=2)),
        ({"collector": " 7 ", "segment": "retail"}, Filters(collector_id=7, segment="retail")),
        ({"claimed": "unclaimed", "type": ""}, Filters(claimed="unclaimed")),
    ],
)
def test_filters_are_read_from_the_query_string(params, expected):
    assert parse_filters(params) == expected


@pytest.mark.parametrize(
    ("params", "field", "reason"),
    [
        ({"type": "parcel"}, "type", "'parcel' is not one of " + ", ".join(ITEM_TYPES)),
        ({"collector": "anna"}, "collector", "'anna' is not a staff member's number"),
        ({"collector": "-1"}, "collector", "'-1' is not a staff member's number"),
        ({"segment": "x" * 65}, "segment", "is longer than 64 characters"),
        ({"claimed": "yours"}, "claimed", "'yours' is not one of all, mine, unclaimed"),
        ({"page": "0"}, "page", "'0' is not a page number"),
        ({"page": "two"}, "page", "'two' is not a page number"),
    ],
)
def test_a_filter_that_cannot_be_used_names_its_field_and_reason(params, field, reason):
    with pytest.raises(FilterError) as refused:
        parse_filters(params)
    assert (refused.value.field, refused.value.reason) == (field, reason)


@pytest.mark.parametrize(
    ("count", "number", "size", "shown", "pages", "first"),
    [
        (0, 1, 50, 0, 1, None),
        (120, 1, 50, 50, 3, 0),
        (120, 3, 50, 20, 3, 100),
        (120, 9, 50, 20, 3, 100),  # past the end: the last page
        (50, 2, 50, 50, 1, 0),
    ],
)
def test_paging_shows_one_page_and_the_count(count, number, size, shown, pages, first):
    items = [item(f"call:{n:03d}") for n in range(count)]
    page = page_of(items, number, size)
    assert (len(page.items), page.total, page.pages) == (shown, count, pages)
    if first is not None:
        assert page.items[0].key == f"call:{first:03d}"


@pytest.mark.parametrize(
    ("kind", "customer", "link"),
    [
        ("dispute", 4, "/workbench/queues/disputes"),
        ("plan", 4, "/workbench/queues/plans"),
        ("unmatched", None, "/workbench/queues/unmatched"),
        ("failed", 4, "/workbench/queues/outbox"),
        ("call", 4, "/workbench/customers/4"),
        ("promise", 9, "/workbench/customers/9"),
        ("review", None, "/workbench/queues"),
    ],
)
def test_an_item_links_to_its_queue_or_to_the_customer(kind, customer, link):
    assert item_link(kind, customer) == link


@pytest.mark.parametrize(
    ("key", "parts"),
    [("dispute:12", ("dispute", "12")), ("call:ab:cd", ("call", "ab:cd"))],
)
def test_an_item_key_is_its_type_and_record(key, parts):
    assert key_parts(key) == parts


@pytest.mark.parametrize("key", ["", "dispute", "dispute:", "parcel:1", "call:" + "x" * 100])
def test_a_string_that_is_no_item_key_is_refused(key):
    with pytest.raises(FilterError, match="item: .* is not a work item key"):
        key_parts(key)


@pytest.mark.parametrize(
    ("holder", "me", "manager", "problem"),
    [
        (None, 1, False, None),
        (1, 1, False, None),
        (2, 1, True, None),
        (2, 1, False, "Someone else has claimed this item; a manager can assign it."),
    ],
)
def test_who_may_claim_an_item(holder, me, manager, problem):
    assert claim_problem(holder, me, manager) == problem


@pytest.mark.parametrize(
    ("holder", "me", "manager", "problem"),
    [
        (None, 1, True, "Nobody has claimed this item."),
        (1, 1, False, None),
        (2, 1, True, None),
        (2, 1, False, "Only who holds the item, or a manager, can release it."),
    ],
)
def test_who_may_release_a_claim(holder, me, manager, problem):
    assert release_problem(holder, me, manager) == problem


PORTFOLIO_ITEM = item(customer_pk=5, collector_id=7)
NO_CUSTOMER = item("unmatched:1", kind="unmatched")


@pytest.mark.parametrize(
    ("role", "active", "target", "work", "problem"),
    [
        ("collector", True, 7, PORTFOLIO_ITEM, None),
        ("manager", True, 3, PORTFOLIO_ITEM, None),
        ("admin", True, 3, NO_CUSTOMER, None),
        (
            "collector",
            True,
            8,
            PORTFOLIO_ITEM,
            "This customer is not in that collector's portfolio.",
        ),
        ("collector", True, 7, NO_CUSTOMER, "This customer is not in that collector's portfolio."),
        ("viewer", True, 4, PORTFOLIO_ITEM, "A viewer cannot be given work."),
        ("collector", False, 7, PORTFOLIO_ITEM, "There is no such active staff member."),
        (None, False, 99, PORTFOLIO_ITEM, "There is no such active staff member."),
    ],
)
def test_to_whom_a_manager_may_assign_an_item(role, active, target, work, problem):
    assert assign_problem(role, active, target, work) == problem


@pytest.mark.parametrize(
    ("since", "days"),
    [
        (NOW, 0),
        (NOW - timedelta(hours=23), 0),
        (NOW - timedelta(days=3, hours=1), 3),
        (NOW + timedelta(days=2), 0),
    ],  # fmt: skip
)
def test_age_is_whole_days_waiting(since, days):
    assert age_days(since, NOW) == days


@pytest.mark.parametrize(
    ("kind", "stake", "rate", "days", "expected_recovery", "expected_priority"),
    [
        # a call: weight 3 x amount at stake x the customer's recovery rate (no age factor)
        ("call", 100_000, 0.9, 0, Decimal("900.00"), Decimal("2700.00")),
        ("call", 100_000, 0.9, 60, Decimal("900.00"), Decimal("2700.00")),
        ("call", 100_000, 2.4, 0, Decimal("2400.00"), Decimal("7200.00")),  # overdue: urgency
        ("promise", 50_000, 0.5, 3, Decimal("250.00"), Decimal("500.00")),  # weight 2
        ("call", 100_000, 0.004, 0, Decimal("4.00"), Decimal(30)),  # at least MIN_STAKE
        ("call", 100_000, None, 0, Decimal("0.00"), Decimal(30)),  # nothing open any more
    ],
)
def test_a_call_is_ordered_by_its_expected_recovery(
    kind, stake, rate, days, expected_recovery, expected_priority
):
    rates = {} if rate is None else {(7, "EUR"): rate}
    (scored,) = with_recovery([item(kind=kind, stake=stake, days=days, customer_pk=7)], rates)
    assert scored.recovery == expected_recovery
    assert priority(scored, NOW) == expected_priority


@pytest.mark.parametrize(
    ("kind", "customer_pk", "scored"),
    [
        ("call", 7, True),
        ("promise", 7, True),
        ("dispute", 7, False),  # resolved in its queue: amount x urgency as before
        ("handover", 7, False),
        ("reply", 7, False),
        ("unmatched", None, False),
        ("call", None, False),  # no customer to score
    ],
)
def test_only_calls_to_a_customer_are_scored_by_expected_recovery(kind, customer_pk, scored):
    one = item(kind=kind, customer_pk=customer_pk)
    assert (recovery_customers([one]) == {7}) is scored
    (after,) = with_recovery([one], {(7, "EUR"): 1.0})
    assert (after.recovery_minor is not None) is scored
    if not scored:
        assert priority(after, NOW) == priority(one, NOW)


def test_a_likely_late_customers_call_comes_before_a_bigger_punctual_ones():
    late = item("call:late", stake=100_000, customer_pk=1)  # 1000.00, pays late
    punctual = item("call:punctual", stake=300_000, customer_pk=2)  # 3000.00, pays on time
    review = item("review:r", kind="review", stake=60_000, days=0)  # 600.00 x 1
    assert ordered([late, punctual, review], NOW)[0] == punctual  # amount x urgency
    rates = {(1, "EUR"): 0.85 * 1.5, (2, "EUR"): 0.04 * 1.5}
    assert [i.key for i in ordered(with_recovery([punctual, review, late], rates), NOW)] == [
        "call:late", "review:r", "call:punctual"]  # fmt: skip
