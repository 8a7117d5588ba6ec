"""Letters: a copy of every letter sent, and the daily batch for the print shop.

Dispatch keeps the exact PDF of every letter it sends in
`<outbox>/letters/sent/<action_id>.pdf` (also the evidence of what a 14-day letter
said). `letters_batch` merges the letters sent on one day (the day in each
customer's time zone) into `<outbox>/letters/<date>/letters.pdf`, with
`manifest.csv` listing each letter, in sending order; with `zip_path` it also writes
the print shop's ZIP (every PDF, manifest.csv and manifest.json; dispatch/print_zip.py).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from creditflow.channels.base import safe_file_stem
from creditflow.db import transaction
from creditflow.dispatch.print_zip import PrintLetter, print_shop_zip
from creditflow.ledger.models import Customer, OrganisationRecord
from creditflow.messages.printing import merge_letters, page_count, print_manifest_csv
from creditflow.outbox.models import Action

__all__ = ["LetterBatch", "archive_letter", "archived_letter_path", "letters_batch"]


@dataclass(frozen=True)
class LetterBatch:
    """The day's print run: where it was written and what is in it."""

    day: date
    letters: int
    pages: int
    pdf_path: Path | None
    manifest_path: Path
    missing: tuple[str, ...] = ()
    zip_path: Path | None = None

    def line(self) -> str:
        """One-line summary for the command line."""
        text = (
            f"{self.day}: {self.letters} letters, {self.pages} pages -> {self.manifest_path.parent}"
        )
        if self.missing:
            text += f"; {len(self.missing)} sent letters without a stored PDF"
        if self.zip_path is not None:
            text += f"; print-shop ZIP {self.zip_path}"
        return text


def archived_letter_path(outbox_dir: Path, action_id: str) -> Path:
    """Where the PDF of a sent letter is kept."""
    return Path(outbox_dir) / "letters" / "sent" / f"{safe_file_stem(action_id)}.pdf"


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def archive_letter(outbox_dir: Path, action_id: str, pdf: bytes) -> Path:
    """Keep the PDF of a letter that was sent."""
    path = archived_letter_path(outbox_dir, action_id)
    _write_atomic(path, pdf)
    return path


def letters_batch(
    engine: Engine,
    outbox_dir: Path,
    day: date,
    *,
    duplex: bool = False,
    zip_path: Path | None = None,
) -> LetterBatch:
    """Merge the letters sent on `day` into one PDF with a CSV manifest (and the ZIP)."""
    # Every time zone's `day` lies within one UTC day either side.
    start = datetime.combine(day - timedelta(days=1), time(0), tzinfo=ZoneInfo("UTC"))
    end = start + timedelta(days=3)
    with transaction(engine) as session:
        rows = session.execute(
            select(Action, Customer)
            .join(Customer, Customer.id == Action.customer_id)
            .where(
                Action.channel == "letter",
                Action.kind == "message",
                Action.status.in_(("sent", "delivered")),
                Action.sent_at >= start,
                Action.sent_at < end,
            )
            .order_by(Action.sent_at, Action.id)
        ).all()
        sent = [
            (action, customer)
            for action, customer in rows
            if action.sent_at is not None
            and action.sent_at.astimezone(ZoneInfo(action.timezone)).date() == day
        ]
        home = session.scalar(select(OrganisationRecord.default_country).limit(1)) or "NL"
    folder = Path(outbox_dir) / "letters" / day.isoformat()
    folder.mkdir(parents=True, exist_ok=True)
    pdfs: list[bytes] = []
    manifest: list[dict[str, object]] = []
    missing: list[str] = []
    printed: list[PrintLetter] = []
    for action, customer in sent:
        path = archived_letter_path(outbox_dir, action.action_id)
        if not path.is_file():
            missing.append(action.action_id)
            continue
        pdf = path.read_bytes()
        pdfs.append(pdf)
        manifest.append(
            {
                "action_id": action.action_id,
                "customer_id": customer.customer_id,
                "name": customer.name,
                "postal_code": customer.postal_code or "",
                "city": customer.city or "",
                "country": customer.country,
                "pages": page_count(pdf),
                "template": action.template or "",
            }
        )
        printed.append(_print_letter(len(printed) + 1, action, customer, pdf))
    manifest_path = folder / "manifest.csv"
    _write_atomic(manifest_path, print_manifest_csv(manifest).encode("utf-8"))
    pdf_path: Path | None = None
    if pdfs:
        pdf_path = folder / "letters.pdf"
        _write_atomic(pdf_path, merge_letters(pdfs, duplex=duplex))
    if zip_path is not None:
        _write_atomic(Path(zip_path), print_shop_zip(day, printed, home))
    pages = sum(int(str(row["pages"])) for row in manifest)
    return LetterBatch(day, len(manifest), pages, pdf_path, manifest_path, tuple(missing), zip_path)


def _print_letter(number: int, action: Action, customer: Customer, pdf: bytes) -> PrintLetter:
    """A letter of the ZIP, named by its place in the batch and its action id."""
    return PrintLetter(
        file=f"{number:04d}-{safe_file_stem(action.action_id)}.pdf",
        action_id=action.action_id,
        customer_id=customer.customer_id,
        name=customer.name,
        address_line1=customer.address_line1 or "",
        address_line2=customer.address_line2 or "",
        postal_code=customer.postal_code or "",
        city=customer.city or "",
        country=customer.country,
        template=action.template or "",
        pdf=pdf,
    )
