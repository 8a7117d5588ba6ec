"""The print shop's ZIP of one day's letters: every PDF plus manifest.csv and manifest.json.

A pure function of the letters: the same letters give byte for byte the same ZIP (entries
in sending order, names from the sequence number and action id, every entry dated the
batch day, fixed permissions), so re-running a day hands the print shop the same file.
The manifest names each PDF with its address, page count and SHA-256, so the shop can
check that every file arrived whole and the envelopes can be checked against it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from creditflow.messages.printing import page_count
from creditflow.spreadsheet import safe_cell

__all__ = ["ZIP_MANIFEST_COLUMNS", "PrintLetter", "postage_zone", "print_shop_zip", "zip_manifest"]

ZIP_MANIFEST_COLUMNS = (
    "file",
    "action_id",
    "customer_id",
    "name",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "postage_zone",
    "pages",
    "sha256",
    "template",
)
# The zones of the Dutch postal tariffs (PostNL: Nederland, Europa, Wereld).
EUROPE = frozenset({
    "AD", "AL", "AT", "BA", "BE", "BG", "BY", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI",
    "FO", "FR", "GB", "GI", "GR", "HR", "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MC",
    "MD", "ME", "MK", "MT", "NL", "NO", "PL", "PT", "RO", "RS", "RU", "SE", "SI", "SK", "SM",
    "TR", "UA", "VA",
})  # fmt: skip


@dataclass(frozen=True)
class PrintLetter:
    """One letter of the batch: who it goes to, and its PDF exactly as it was sent."""

    file: str
    action_id: str
    customer_id: str
    name: str
    address_line1: str
    address_line2: str
    postal_code: str
    city: str
    country: str
    template: str
    pdf: bytes


def postage_zone(country: str, home: str) -> str:
    """The postal tariff zone of an address: domestic, europe or world (from `home`)."""
    code = (country or home).upper()
    if code == home.upper():
        return "domestic"
    return "europe" if code in EUROPE else "world"


def zip_manifest(letters: Sequence[PrintLetter], home: str) -> list[dict[str, object]]:
    """One manifest row per letter, in the batch's order (pages and SHA-256 of each PDF)."""
    return [
        {
            "file": letter.file,
            "action_id": letter.action_id,
            "customer_id": letter.customer_id,
            "name": letter.name,
            "address_line1": letter.address_line1,
            "address_line2": letter.address_line2,
            "postal_code": letter.postal_code,
            "city": letter.city,
            "country": letter.country,
            "postage_zone": postage_zone(letter.country, home),
            "pages": page_count(letter.pdf),
            "sha256": hashlib.sha256(letter.pdf).hexdigest(),
            "template": letter.template,
        }
        for letter in letters
    ]


def _csv(rows: Sequence[dict[str, object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ZIP_MANIFEST_COLUMNS)
    for row in rows:
        writer.writerow([safe_cell(row[column]) for column in ZIP_MANIFEST_COLUMNS])
    return out.getvalue().encode("utf-8")


def print_shop_zip(day: date, letters: Sequence[PrintLetter], home: str = "NL") -> bytes:
    """The ZIP of the day's letters with manifest.csv and manifest.json (deterministic)."""
    names = [letter.file for letter in letters]
    if len(set(names)) != len(names) or {"manifest.csv", "manifest.json"} & set(names):
        raise ValueError("letters: every PDF needs its own file name")
    rows = zip_manifest(letters, home)
    summary = {
        "day": day.isoformat(),
        "letters": len(rows),
        "pages": sum(int(str(row["pages"])) for row in rows),
        "items": rows,
    }
    entries = [(letter.file, letter.pdf) for letter in letters]
    entries.append(("manifest.csv", _csv(rows)))
    entries.append(
        ("manifest.json", json.dumps(summary, indent=2, ensure_ascii=False).encode("utf-8"))
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(day.year, day.month, day.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, data)
    return out.getvalue()
