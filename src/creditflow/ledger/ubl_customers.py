"""The buyer of an e-invoice as a customer: found by its ids, or created when unknown.

The rule (docs/imports.md): a buyer is the customer whose `customer_id` is the
buyer's id (`Buyer.customer_id()`: party identifier, else endpoint id, else VAT
number), else the customer that any of the buyer's ids (party identifier, endpoint
id, VAT, legal id such as KvK 0106) was recorded for. An unknown buyer becomes a new
business customer with that customer_id, its name, address and e-mail, and its ids
are recorded so that the next e-invoice finds it again. A known customer's data is
never changed by an e-invoice: the customers file or the API is the master.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl
from sqlalchemy import Connection

from creditflow.config import Settings
from creditflow.ledger import fields
from creditflow.ledger.ubl import Buyer
from creditflow.store import bulk_insert, bulk_insert_frame, read_frame


@dataclass
class CustomerBook:
    """The customers and recorded ids of the ledger, and the buyers to create."""

    by_customer_id: dict[str, int]
    by_identifier: dict[tuple[str, str], int]
    new: dict[str, Buyer] = field(default_factory=dict)
    new_by_identifier: dict[tuple[str, str], str] = field(default_factory=dict)
    id_of_pk: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.id_of_pk = {pk: cid for cid, pk in self.by_customer_id.items()}

    @classmethod
    def load(cls, conn: Connection) -> CustomerBook:
        """Read every customer id and recorded identifier (two narrow queries)."""
        customers = read_frame(
            conn, "SELECT id, customer_id FROM customer", {"id": pl.Int64, "customer_id": pl.Utf8}
        )
        ids = read_frame(
            conn,
            "SELECT customer_id, scheme, value FROM customer_identifier",
            {"customer_id": pl.Int64, "scheme": pl.Utf8, "value": pl.Utf8},
        )
        return cls(
            by_customer_id=dict(customers.select("customer_id", "id").iter_rows()),
            by_identifier={(s, v): pk for pk, s, v in ids.iter_rows()},
        )

    def find(self, buyer: Buyer) -> str | None:
        """The customer_id of a known buyer (or one created in this import), else None."""
        own = buyer.customer_id()
        if own is not None and (own in self.by_customer_id or own in self.new):
            return own
        for key in buyer.identifiers():
            pk = self.by_identifier.get(key)
            if pk is not None and pk in self.id_of_pk:
                return self.id_of_pk[pk]
            if key in self.new_by_identifier:
                return self.new_by_identifier[key]
        return None

    def add(self, buyer: Buyer) -> str:
        """Plan a new customer for an unknown buyer; returns its customer_id."""
        cid = buyer.customer_id()
        assert cid is not None
        if cid not in self.new:
            self.new[cid] = buyer
            for key in buyer.identifiers():
                self.new_by_identifier.setdefault(key, cid)
        return cid

    def keep_only(self, customer_ids: set[str]) -> None:
        """Forget planned customers that no written document needs."""
        self.new = {cid: b for cid, b in self.new.items() if cid in customer_ids}
        self.new_by_identifier = {
            k: cid for k, cid in self.new_by_identifier.items() if cid in customer_ids
        }

    def write(self, conn: Connection, settings: Settings, now: datetime) -> list[str]:
        """Insert the planned customers, their contact points and ids; returns warnings."""
        if not self.new:
            return []
        from creditflow.ledger.contacts import sync_contact_points
        from creditflow.ledger.imports import CUSTOMER_FIELDS, _customer_values, row_hashes

        rows: list[dict[str, str | None]] = []
        warnings: list[str] = []
        org = settings.organisation
        for cid, buyer in self.new.items():
            email = _checked(fields.check_email, buyer.email, f"customer {cid}: e-mail", warnings)
            country = _checked(
                fields.check_country, buyer.country, f"customer {cid}: country", warnings
            )
            country = country or org.default_country
            zone, _ = fields.default_timezone(country, None)
            rows.append(
                {
                    "customer_id": cid,
                    "name": (buyer.name or "")[:200],
                    "kind": "business",
                    "language": org.default_language,
                    "country": country,
                    "timezone": zone,
                    "email": email,
                    "address_line1": _cut(buyer.address_line1, 200),
                    "address_line2": _cut(buyer.address_line2, 200),
                    "postal_code": _cut(buyer.postal_code, 20),
                    "city": _cut(buyer.city, 100),
                }
            )
        frame = pl.DataFrame(rows, schema={k: pl.Utf8 for k in rows[0]})
        for name in CUSTOMER_FIELDS:
            if name not in frame.columns:
                frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias(name))
        frame = frame.with_columns(row_hashes(frame, CUSTOMER_FIELDS))
        bulk_insert_frame(conn, "customer", _customer_values(frame, now))
        sync_contact_points(conn, frame, now)
        fresh = read_frame(
            conn, "SELECT id, customer_id FROM customer", {"id": pl.Int64, "customer_id": pl.Utf8}
        ).filter(pl.col("customer_id").is_in(list(self.new)))
        pks = dict(fresh.select("customer_id", "id").iter_rows())
        self.by_customer_id.update(pks)
        self.id_of_pk.update({pk: cid for cid, pk in pks.items()})
        records = []
        for cid, buyer in self.new.items():
            for key in buyer.identifiers():
                if key not in self.by_identifier:
                    self.by_identifier[key] = pks[cid]
                    records.append((pks[cid], key[0][:16], key[1][:128]))
        bulk_insert(conn, "customer_identifier", ["customer_id", "scheme", "value"], records)
        self.new, self.new_by_identifier = {}, {}
        return warnings


def _cut(value: str | None, length: int) -> str | None:
    return value[:length] if value else None


def _checked(check: object, value: str | None, label: str, warnings: list[str]) -> str | None:
    """A checked value, or None with a warning (a bad e-mail never costs the invoice)."""
    if value is None:
        return None
    try:
        return check(value)  # type: ignore[operator,no-any-return]
    except ValueError as exc:
        warnings.append(f"{label} left out: {exc}")
        return None
