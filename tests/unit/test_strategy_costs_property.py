"""Property: for random strategies and ledgers, no consumer is ever charged collection
costs without a sent 14-day letter whose term has passed, and never twice per invoice.

A seeded generator builds strategies as written (including ones the loader would
refuse: costs before the letter, costs days after it, two costs steps, a revision
with an extra step mid-way) and ledgers of consumers and businesses, then runs the
pure engine day by day while a simulated post sends, delays or loses the letters.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from creditflow.compliance.fourteen_day import earliest_costs_date
from creditflow.compliance.wik import collection_costs
from creditflow.config import ContactRules
from creditflow.money import Money
from creditflow.strategy.engine import decide
from creditflow.strategy.schema import Step, Strategy

from .snapshots import customer, invoice, snapshot

START = date(2026, 1, 1)
DAYS = 75
CASES = 24


def step(level: int, sid: str, kind: str, anchor: tuple[str, int], offset: int, **extra) -> Step:
    return Step(
        strategy="s",
        level=level,
        id=sid,
        kind=kind,
        anchor=anchor[0],
        anchor_level=anchor[1],
        offset_days=offset,
        channels=tuple(extra.get("channels", ())),
        template=extra.get("template"),
        tone="neutral",
        task=extra.get("task"),
        charge=extra.get("charge"),
        escalate=extra.get("escalate"),
        legal=extra.get("legal"),
        when=None,
    )


def random_strategy(rng: random.Random, extra_step: bool = False) -> Strategy:
    """Steps in a random order and timing; the loader's checks are not relied on."""
    plan: list[tuple[str, str, dict]] = [("reminder1", "message", {"template": "reminder"})]
    if rng.random() < 0.5:
        plan.append(("call", "task", {"task": "call"}))
    letter = {"template": "fourteen_day_letter", "legal": "wik_notice"}
    letter["channels"] = rng.choice([("letter", "email"), ("email",), ("sms",)])
    plan.insert(rng.randrange(len(plan) + 1), ("final_notice", "message", letter))
    for n in range(rng.choice([1, 1, 2])):
        plan.insert(rng.randrange(len(plan) + 1), (f"costs{n}", "charge", {}))
    if extra_step:
        plan.insert(rng.randrange(len(plan) + 1), ("extra", "message", {"template": "reminder"}))
    steps: list[Step] = []
    levels: dict[str, int] = {}
    for level, (sid, kind, extra) in enumerate(plan, start=1):
        extra = dict(extra)
        if kind == "message":
            extra.setdefault("channels", ("email", "letter"))
        if kind == "charge":
            extra["charge"] = "collection_costs"
        earlier = list(levels)
        if earlier and rng.random() < 0.5:
            anchor = rng.choice(earlier)
            at = ((anchor, levels[anchor]), rng.randint(0, 20))
        else:
            at = (("due", 0), rng.randint(0, 40))
        steps.append(step(level, sid, kind, at[0], at[1], **extra))
        levels[sid] = level
    return Strategy(segments=(("everyone", None, "s"),), steps=tuple(steps), text="")


@dataclass
class Ledger:
    customers: list[dict]
    invoices: dict[int, dict]
    letters: list[tuple[str, int, date, str, int]] = field(default_factory=list)
    charged: list[tuple[int, int, int]] = field(default_factory=list)
    charges: list[tuple[date, int, list[int], int]] = field(default_factory=list)
    outbox: list[tuple[date, str, list[int], str, int]] = field(default_factory=list)


def random_ledger(rng: random.Random) -> Ledger:
    customers, invoices = [], {}
    for pk in range(1, rng.randint(2, 5)):
        reach = rng.choice([["email", "letter"], ["letter"], ["email"], []])
        customers.append(customer(pk, kind=rng.choice(["consumer", "business"]), reach=reach))
        for _ in range(rng.randint(1, 3)):
            ipk = len(invoices) + 1
            due = START + timedelta(days=rng.randint(-30, 30))
            amount = f"{rng.randint(20, 3000)}.{rng.randint(0, 99):02d}"
            invoices[ipk] = invoice(ipk, pk, due, amount)
    return Ledger(customers, invoices)


def play(rng: random.Random, ledger: Ledger) -> None:
    strategy = random_strategy(rng)
    revise_on = START + timedelta(days=rng.randint(10, DAYS))
    rules = ContactRules()
    for offset in range(DAYS):
        today = START + timedelta(days=offset)
        if today == revise_on:
            strategy = random_strategy(random.Random(rng.random()), extra_step=True)
        for sent in [o for o in ledger.outbox if o[0] == today]:  # the post goes out
            _, aid, ids, channel, due_minor = sent
            ledger.letters.extend((aid, pk, today, channel, due_minor) for pk in ids)
        snap = snapshot(
            ledger.customers,
            list(ledger.invoices.values()),
            letters=ledger.letters,
            charged=ledger.charged,
        )
        now = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=6)
        decision = decide(snap, strategy, today, now=now, rules=rules)
        for row in decision.invoice_levels.iter_rows(named=True):
            ledger.invoices[row["invoice_pk"]].update(
                dunning_level=row["level"], dunning_step=row["step"], dunning_on=today
            )
        for action in decision.actions.iter_rows(named=True):
            if action["template"] == "fourteen_day_letter" and rng.random() < 0.8:
                delay = rng.choice([0, 0, 1, 2, 5])  # minimum gap, a late dispatch, ...
                ledger.outbox.append(
                    (
                        today + timedelta(days=delay),
                        action["action_id"],
                        list(action["invoice_ids"]),
                        action["channel"],
                        action["amount_due_minor"],
                    )
                )
            if action["kind"] == "charge" and action["charge_minor"] is not None:
                cid = len(ledger.charges) + 1
                ids = list(action["invoice_ids"])
                ledger.charges.append((today, action["customer_pk"], ids, action["charge_minor"]))
                ledger.charged.extend((pk, cid, action["charge_minor"]) for pk in ids)


def check(ledger: Ledger) -> None:
    kinds = {c["customer_pk"]: c["kind"] for c in ledger.customers}
    charged_invoices = [pk for _, _, ids, _ in ledger.charges for pk in ids]
    assert len(charged_invoices) == len(set(charged_invoices)), "an invoice charged twice"
    for day, customer_pk, ids, amount in ledger.charges:
        if kinds[customer_pk] != "consumer":
            continue
        stated: dict[str, int] = {}
        for pk in ids:
            sent = [(lid, on, ch, due) for lid, ipk, on, ch, due in ledger.letters if ipk == pk]
            assert sent, f"invoice {pk} charged on {day} without a sent 14-day letter"
            lawful = [(lid, due) for lid, on, ch, due in sent if earliest_costs_date(on, ch) <= day]
            assert lawful, f"invoice {pk} charged on {day}, before the letter's term ended"
            lid, due = lawful[0]
            stated[lid] = collection_costs(Money.of_minor(due, "EUR")).minor
        assert amount <= sum(stated.values()), "more than the letter stated"


def test_no_consumer_is_charged_costs_without_a_sent_letter_and_its_term_nor_twice():
    consumer_charges = 0
    for seed in range(CASES):
        rng = random.Random(seed)
        ledger = random_ledger(rng)
        play(rng, ledger)
        check(ledger)
        kinds = {c["customer_pk"]: c["kind"] for c in ledger.customers}
        consumer_charges += sum(kinds[c[1]] == "consumer" for c in ledger.charges)
    assert consumer_charges > 0, "the cases must include consumers that were charged"
